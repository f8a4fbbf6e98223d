//! Decimal arithmetic for the v2 and v3 equations.
//!
//! Their weights are decimal numbers and their rounding rules (v2's round to
//! nearest tenth, v3.0's round up to the next tenth) are defined on the exact
//! result; binary floating point turns 5.0 x 0.92 into 4.6000000000000005,
//! which rounds up to 4.7. `rust_decimal` keeps these products exact (they
//! need at most about 20 decimal places); only the 13th and 15th powers in
//! the Scope Changed impact are rounded, at the 28th place.
//!
//! The wrapper saturates instead of panicking on overflow. The inputs are the
//! specification's fixed weights, far from any limit, so saturation never
//! happens; it only keeps the library free of panicking paths.

use core::ops::{Add, Mul, Sub};
use rust_decimal::{Decimal, RoundingStrategy};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct D(Decimal);

impl D {
    pub(crate) const ZERO: D = D(Decimal::ZERO);
    pub(crate) const ONE: D = D(Decimal::ONE);
    pub(crate) const TEN: D = D(Decimal::TEN);

    /// `mantissa` x 10^-`scale`, e.g. `D::new(1041, 2)` is 10.41.
    pub(crate) const fn new(mantissa: i64, scale: u32) -> Self {
        D(Decimal::from_parts(
            (mantissa.unsigned_abs() & 0xFFFF_FFFF) as u32,
            (mantissa.unsigned_abs() >> 32) as u32,
            0,
            mantissa < 0,
            scale,
        ))
    }

    /// `self` raised to `n` by repeated multiplication.
    pub(crate) fn powi(self, n: u32) -> Self {
        (0..n).fold(D::ONE, |acc, _| acc * self)
    }

    /// Rounds to one decimal place, halves away from zero (v2's
    /// "round_to_1_decimal").
    pub(crate) fn round_half_up_1(self) -> Self {
        D(self
            .0
            .round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero))
    }

    /// The smallest number with one decimal place that is equal to or higher
    /// than `self` (the v3.0 specification's Roundup, on the exact value).
    pub(crate) fn ceil_1(self) -> Self {
        D(self
            .0
            .round_dp_with_strategy(1, RoundingStrategy::ToPositiveInfinity))
    }

    /// The CVSS v3.1 specification's Roundup (Appendix A): round to five
    /// decimal places first, then up to one. The v3.1 specification defines
    /// it this way so that every implementation gets the same result.
    pub(crate) fn roundup_31(self) -> Self {
        let int_input = (self * D::new(100_000, 0))
            .0
            .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero);
        let ten_thousand = Decimal::from(10_000);
        if int_input.checked_rem(ten_thousand) == Some(Decimal::ZERO) {
            D(int_input
                .checked_div(Decimal::from(100_000))
                .unwrap_or_default())
        } else {
            let tenths = int_input
                .checked_div(ten_thousand)
                .unwrap_or_default()
                .floor()
                .saturating_add(Decimal::ONE);
            D(tenths.checked_div(Decimal::TEN).unwrap_or_default())
        }
    }

    /// The value as `f64`, after rounding to one decimal place. The result
    /// is the `f64` nearest to that decimal, as `"4.6".parse::<f64>()` gives.
    pub(crate) fn to_f64_1(self) -> f64 {
        let r = self
            .0
            .round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero);
        // Exact integer over an exact power of ten: one correctly rounded
        // division, so no representation error is added.
        let value = r.mantissa() as f64 / 10f64.powi(r.scale().min(28) as i32);
        // No negative zero in results.
        value + 0.0
    }
}

impl Add for D {
    type Output = D;
    fn add(self, rhs: D) -> D {
        D(self.0.saturating_add(rhs.0))
    }
}

impl Sub for D {
    type Output = D;
    fn sub(self, rhs: D) -> D {
        D(self.0.saturating_sub(rhs.0))
    }
}

impl Mul for D {
    type Output = D;
    fn mul(self, rhs: D) -> D {
        D(self.0.saturating_mul(rhs.0))
    }
}

#[cfg(test)]
mod tests {
    use super::D;

    #[test]
    fn rounding_rules_work_on_exact_values() {
        // 5.0 x 0.92 is exactly 4.6: v3.0's round-up must not bump it.
        let t = D::new(50, 1) * D::new(92, 2);
        assert_eq!(t.ceil_1().to_f64_1(), 4.6);
        assert_eq!(t.roundup_31().to_f64_1(), 4.6);
        assert_eq!(D::new(402, 2).ceil_1().to_f64_1(), 4.1);
        assert_eq!(D::new(402, 2).roundup_31().to_f64_1(), 4.1);
        assert_eq!(D::new(400, 2).roundup_31().to_f64_1(), 4.0);
        assert_eq!(D::new(465, 2).round_half_up_1().to_f64_1(), 4.7);
        assert_eq!(D::new(-1, 3).round_half_up_1().to_f64_1(), 0.0);
        assert!(D::new(-1, 3)
            .round_half_up_1()
            .to_f64_1()
            .is_sign_positive());
        assert_eq!(D::new(2, 1).powi(3), D::new(8, 3));
    }
}
