use std::time::Duration;

use crate::QueueSettings;

/// The delay before attempt `failed_attempt + 1`:
/// `min(backoff_max, backoff_base * 2^(failed_attempt - 1))`, so with a
/// base of 2 s the retries wait 2 s, 4 s, 8 s, ...
pub fn backoff_delay(settings: &QueueSettings, failed_attempt: u32) -> Duration {
    let doublings = failed_attempt.saturating_sub(1).min(32);
    settings
        .backoff_base
        .checked_mul(1u32 << doublings.min(31))
        .unwrap_or(settings.backoff_max)
        .min(settings.backoff_max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_from_the_base_up_to_the_max() {
        let s = QueueSettings {
            backoff_base: Duration::from_millis(500),
            backoff_max: Duration::from_secs(3),
            ..QueueSettings::default()
        };
        let delays: Vec<u128> = (1..=6).map(|a| backoff_delay(&s, a).as_millis()).collect();
        assert_eq!(delays, [500, 1000, 2000, 3000, 3000, 3000]);
        assert_eq!(backoff_delay(&s, u32::MAX), Duration::from_secs(3));
    }
}
