//! When to send a sync again after the server answered `503 busy` (PROTOCOL.md 3.5): nothing of
//! the request was read, so the device waits the answer's `Retry-After` and sends again by itself.
//!
//! Pure: the caller gives the header's value, `now` and a seed, and gets the wait back; the timer
//! is the app's. The wait is the server's `Retry-After` (at least [`MIN_WAIT_MS`], [`DEFAULT_WAIT_MS`]
//! when the answer has none or it cannot be read), doubled for each further `busy` in a row, plus
//! a jitter of at most a quarter of it drawn from the seed and the count of refusals (so tablets
//! told `busy` at the same moment do not all come back at the same moment, and a replay waits the
//! same), never more than [`MAX_WAIT_MS`].

/// Shortest wait before a refused sync is sent again (a `Retry-After: 0` does not make a device
/// hammer the server).
pub const MIN_WAIT_MS: u64 = 1_000;
/// The wait when a `busy` answer has no readable `Retry-After`.
pub const DEFAULT_WAIT_MS: u64 = 2_000;
/// Longest wait, whatever the server says and however many `busy` answers came in a row.
pub const MAX_WAIT_MS: u64 = 60_000;

/// The wait a `Retry-After` value asks for, in milliseconds, at `now_ms` (ms since the epoch):
/// delay-seconds (`"3"`) or an HTTP date (`"Wed, 02 Dec 2026 08:00:05 GMT"`, 0 once it is past).
/// `None` for anything else.
pub fn parse_retry_after(value: &str, now_ms: i64) -> Option<u64> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // Digits only: too many of them is simply a very long wait.
        return Some(value.parse::<u64>().unwrap_or(u64::MAX).saturating_mul(1_000));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?.timestamp_millis();
    Some(u64::try_from(at.saturating_sub(now_ms)).unwrap_or(0))
}

/// The `busy` answers a device got in a row, and the wait before its next attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusyBackoff {
    seed: u64,
    refusals: u32,
}

impl BusyBackoff {
    /// No refusal yet. `seed` spreads this device's jitter (the app passes bits of its device id).
    pub fn new(seed: u64) -> BusyBackoff {
        BusyBackoff { seed, refusals: 0 }
    }

    /// A `busy` answer came at `now_ms` with this `Retry-After` (`None`: the answer had none).
    /// Returns how many milliseconds to wait before sending again.
    pub fn refused(&mut self, retry_after: Option<&str>, now_ms: i64) -> u64 {
        self.refusals = self.refusals.saturating_add(1);
        let asked = retry_after.and_then(|v| parse_retry_after(v, now_ms)).unwrap_or(DEFAULT_WAIT_MS);
        let doubled = asked.max(MIN_WAIT_MS).saturating_mul(1 << (self.refusals - 1).min(6));
        let wait = doubled.min(MAX_WAIT_MS);
        let jitter = mix(self.seed ^ u64::from(self.refusals)) % (wait / 4 + 1);
        (wait + jitter).min(MAX_WAIT_MS)
    }

    /// `busy` answers in a row so far.
    pub fn refusals(&self) -> u32 {
        self.refusals
    }

    /// A sync went through (or the server answered anything but `busy`): the next `busy` starts
    /// again from the server's word.
    pub fn reset(&mut self) {
        self.refusals = 0;
    }
}

/// SplitMix64's finaliser: a well-spread number from any seed, the same on every platform.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_796_198_400_000; // 2026-12-02T08:00:00Z

    #[test]
    fn retry_after_is_read_as_seconds_or_as_a_date() {
        assert_eq!(parse_retry_after("1", NOW), Some(1_000));
        assert_eq!(parse_retry_after(" 120 ", NOW), Some(120_000));
        assert_eq!(parse_retry_after("0", NOW), Some(0));
        assert_eq!(parse_retry_after("99999999999999999999999", NOW), Some(u64::MAX));
        assert_eq!(parse_retry_after("Wed, 02 Dec 2026 08:00:05 GMT", NOW), Some(5_000));
        assert_eq!(parse_retry_after("Wed, 02 Dec 2026 07:59:00 GMT", NOW), Some(0), "a date past is now");
        for unreadable in ["", "soon", "-1", "1.5", "3s"] {
            assert_eq!(parse_retry_after(unreadable, NOW), None, "{unreadable:?}");
        }
    }

    #[test]
    fn the_wait_is_what_the_server_asks_plus_at_most_a_quarter() {
        for seed in 0..200 {
            let wait = BusyBackoff::new(seed).refused(Some("3"), NOW);
            assert!((3_000..=3_750).contains(&wait), "seed {seed}: {wait}");
        }
        // The jitter really spreads tablets told busy at the same moment.
        let waits: std::collections::BTreeSet<u64> =
            (0..20).map(|seed| BusyBackoff::new(seed).refused(Some("1"), NOW)).collect();
        assert!(waits.len() > 10, "{waits:?}");
    }

    #[test]
    fn a_missing_unreadable_or_zero_retry_after_still_waits() {
        for header in [None, Some("soon"), Some("0"), Some("Wed, 02 Dec 2026 07:00:00 GMT")] {
            let wait = BusyBackoff::new(7).refused(header, NOW);
            let floor = if header.is_none() || header == Some("soon") { DEFAULT_WAIT_MS } else { MIN_WAIT_MS };
            assert!((floor..=floor + floor / 4).contains(&wait), "{header:?}: {wait}");
        }
    }

    #[test]
    fn busy_in_a_row_doubles_the_wait_up_to_the_cap_and_a_success_starts_over() {
        let mut backoff = BusyBackoff::new(42);
        let waits: Vec<u64> = (0..10).map(|_| backoff.refused(Some("1"), NOW)).collect();
        assert_eq!(backoff.refusals(), 10);
        for (n, wait) in waits.iter().enumerate().take(5) {
            let base = 1_000 << n;
            assert!((base..=base + base / 4).contains(wait), "refusal {}: {wait}", n + 1);
        }
        assert!(waits.iter().all(|w| *w <= MAX_WAIT_MS));
        assert_eq!(waits[9], MAX_WAIT_MS);
        assert_eq!(BusyBackoff::new(1).refused(Some("3600"), NOW), MAX_WAIT_MS, "an hour is capped");
        backoff.reset();
        assert_eq!(backoff.refusals(), 0);
        assert!(backoff.refused(Some("1"), NOW) <= 1_250);
    }

    #[test]
    fn the_same_seed_waits_the_same() {
        let run = |seed| {
            let mut b = BusyBackoff::new(seed);
            (0..5).map(|_| b.refused(Some("2"), NOW)).collect::<Vec<_>>()
        };
        assert_eq!(run(9), run(9));
        assert_ne!(run(9), run(10));
    }
}
