//! RFC 3339 timestamps, ordered by the instant they name: the offset is
//! applied and fractional seconds compare by value.

use std::cmp::Ordering;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Instant {
    /// Seconds since 1970-01-01T00:00:00Z.
    secs: i64,
    /// Fraction digits without trailing zeros: string order is value order.
    frac: String,
}

fn num(s: &str, what: &str) -> Result<i64, String> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{what} {s:?} is not a number"));
    }
    s.parse()
        .map_err(|_| format!("{what} {s:?} is out of range"))
}

/// Days from 1970-01-01 to the given proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

pub(crate) fn parse(s: &str) -> Result<Instant, String> {
    let b = s.as_bytes();
    let at = |i: usize| b.get(i).copied();
    if b.len() < 20
        || at(4) != Some(b'-')
        || at(7) != Some(b'-')
        || !matches!(at(10), Some(b'T' | b't'))
        || at(13) != Some(b':')
        || at(16) != Some(b':')
    {
        return Err("expected YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)".into());
    }
    let part = |r: std::ops::Range<usize>| s.get(r).unwrap_or("");
    let (y, mo, d) = (
        num(part(0..4), "year")?,
        num(part(5..7), "month")?,
        num(part(8..10), "day")?,
    );
    let (h, mi, se) = (
        num(part(11..13), "hour")?,
        num(part(14..16), "minute")?,
        num(part(17..19), "second")?,
    );
    if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) {
        return Err(format!("no such date {}", part(0..10)));
    }
    // Second 60 is a leap second, allowed by RFC 3339.
    if h > 23 || mi > 59 || se > 60 {
        return Err(format!("no such time {}", part(11..19)));
    }
    let mut rest = s.get(19..).unwrap_or("");
    let mut frac = String::new();
    if let Some(r) = rest.strip_prefix('.') {
        let n = r.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return Err("empty fraction of a second".into());
        }
        frac = r.get(..n).unwrap_or("").trim_end_matches('0').to_string();
        rest = r.get(n..).unwrap_or("");
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first() {
                Some(b'+') => 1,
                Some(b'-') => -1,
                _ => return Err(format!("bad time zone offset {rest:?}")),
            };
            let (oh, om) = rest
                .get(1..)
                .and_then(|r| r.split_once(':'))
                .ok_or_else(|| format!("bad time zone offset {rest:?}"))?;
            if oh.len() != 2 || om.len() != 2 {
                return Err(format!("bad time zone offset {rest:?}"));
            }
            let (oh, om) = (num(oh, "offset hours")?, num(om, "offset minutes")?);
            if oh > 23 || om > 59 {
                return Err(format!("bad time zone offset {rest:?}"));
            }
            sign * (oh * 3600 + om * 60)
        }
    };
    let secs = days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + se - offset;
    Ok(Instant { secs, frac })
}

pub(crate) fn compare(a: &Instant, b: &Instant) -> Ordering {
    a.cmp(b)
}
