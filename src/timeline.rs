//! Which times a recording can have, and how long a session is: the one rule that FIT import,
//! TCX import and capture replay apply to the times a file claims, and that every command
//! uses for a session's start and length.
//!
//! - **A session starts at its first reading and lasts until its last**: `duration = last -
//!   first`. Not a file's own "start" field (a TCX lap start that says `Z` while its trackpoints
//!   say `+14:00` gave a duration of -48,409 s), not the moment a strap connected.
//! - **Times are UTC**: offsets are applied when a file is read, never kept.
//! - **What no watch or strap could have recorded is refused**, reading by reading, with the
//!   record or line named: a time before [`EARLIEST`] (2000-01-01: FIT's epoch is 1989-12-31,
//!   and a FIT time below 0x10000000 is a device's seconds-since-power-on, not a date: both land
//!   before 2000), or more than [`MAX_AHEAD`] (a day) after the `now` the caller passes in (a
//!   day covers every time zone and a wrong watch clock; corrupted but checksum-valid FIT times
//!   reach the year 2106).
//! - **A jump of more than [`MAX_JUMP`] (a day) splits an activity** into parts ([`parts`]):
//!   nobody wears a strap for a day without a break, so a reading more than a day after (or
//!   before) the part it would continue starts a part of its own. Files may also say
//!   "restart" by going back in time (two chained activities): a step back of more than
//!   [`MAX_STEP_BACK`] starts a part there too. A reading that returns to an earlier part's
//!   timeline rejoins it, so one corrupted timestamp in the middle of a ride leaves one ride and
//!   a stray reading, not three sessions. Parts of fewer than [`MIN_PART`] readings beside a
//!   bigger one are strays (corrupted timestamps, not a workout: [`keep`]) and are refused.
//!
//! Pure: plain data in, plain data out; the caller passes `now` (the pure parsers never read
//! the clock).

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};

/// The earliest time a reading can have: 2000-01-01T00:00:00Z.
pub const EARLIEST: DateTime<Utc> = match DateTime::from_timestamp(946_684_800, 0) {
    Some(t) => t,
    None => DateTime::UNIX_EPOCH,
};

/// How far after `now` a reading may be (clock skew, time zones written as UTC).
pub const MAX_AHEAD: TimeDelta = TimeDelta::days(1);

/// The largest step between consecutive readings of one activity.
pub const MAX_JUMP: TimeDelta = TimeDelta::days(1);

/// In files (FIT, TCX), a step back in time longer than this starts a new part: the
/// timestamps restarted (a second activity). Shorter steps back are clock corrections, kept
/// and put in order (the real files have steps back of 1 s).
pub const MAX_STEP_BACK: TimeDelta = TimeDelta::minutes(5);

/// A part with fewer readings than this beside a bigger part is a stray, not a workout.
pub const MIN_PART: usize = 10;

/// How many of the most recently used parts a reading may rejoin (bounds the work on hostile
/// input to a constant per reading).
const REJOIN_WINDOW: usize = 16;

/// Why a time cannot be a reading's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Implausible {
    /// Before [`EARLIEST`].
    TooEarly,
    /// More than [`MAX_AHEAD`] after `now`.
    InTheFuture,
}

impl Implausible {
    /// What is wrong, for a message: `first` is the (first) time concerned, `n` how many.
    pub fn describe(self, first: DateTime<Utc>, n: usize, now: DateTime<Utc>) -> String {
        let (times, is) = if n == 1 {
            (format!("time {}", show(first)), "is")
        } else {
            (format!("times (the first {})", show(first)), "are")
        };
        match self {
            Implausible::TooEarly => format!(
                "{times} {is} before 2000-01-01, earlier than any watch or strap recorded \
                 (a corrupted timestamp?)"
            ),
            Implausible::InTheFuture => format!(
                "{times} {is} more than a day after now ({}): in the future (a corrupted \
                 timestamp or a wrong clock?)",
                show(now)
            ),
        }
    }
}

/// A time as messages show it: RFC 3339 UTC to the second.
pub fn show(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Whether a reading at `t` could have been recorded, `now` being the time of the import.
pub fn check(t: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), Implausible> {
    if t < EARLIEST {
        return Err(Implausible::TooEarly);
    }
    if now
        .checked_add_signed(MAX_AHEAD)
        .is_some_and(|limit| t > limit)
    {
        return Err(Implausible::InTheFuture);
    }
    Ok(())
}

/// Splits readings at their times, given in the order recorded, into parts (see the module
/// doc): each part is a list of indexes into `times`, in order; parts are in the order they
/// start. `max_step_back` is how far back a reading may go and still continue its part:
/// [`MAX_STEP_BACK`] for files, `None` for captures (a wall clock set back is not a new
/// recording; only a step of more than [`MAX_JUMP`] splits).
pub fn parts(times: &[DateTime<Utc>], max_step_back: Option<TimeDelta>) -> Vec<Vec<usize>> {
    let back = max_step_back.unwrap_or(MAX_JUMP);
    // Each part: its indexes and its latest time.
    let mut parts: Vec<(Vec<usize>, DateTime<Utc>)> = Vec::new();
    // Part numbers, most recently used last.
    let mut recent: Vec<usize> = Vec::new();
    for (i, &t) in times.iter().enumerate() {
        let fits = |latest: DateTime<Utc>| {
            let step = t.signed_duration_since(latest);
            step <= MAX_JUMP && step >= -back
        };
        let found = recent
            .iter()
            .rev()
            .take(REJOIN_WINDOW)
            .position(|&p| fits(parts[p].1))
            .map(|from_end| recent.len() - 1 - from_end);
        let p = match found {
            Some(at) => recent.remove(at),
            None => {
                parts.push((Vec::new(), t));
                parts.len() - 1
            }
        };
        recent.push(p);
        let (indexes, latest) = &mut parts[p];
        indexes.push(i);
        *latest = (*latest).max(t);
    }
    parts.into_iter().map(|(indexes, _)| indexes).collect()
}

/// Which parts are kept as activities and which are strays (see the module doc): alone, a part
/// is kept; beside others, parts of at least [`MIN_PART`] readings are kept, and if none is
/// that big, the biggest (the first of equals). Returns (kept, strays), each in order.
pub fn keep(parts: Vec<Vec<usize>>) -> (Vec<Vec<usize>>, Vec<Vec<usize>>) {
    if parts.len() <= 1 {
        return (parts, Vec::new());
    }
    if parts.iter().any(|p| p.len() >= MIN_PART) {
        return parts.into_iter().partition(|p| p.len() >= MIN_PART);
    }
    keep_biggest(parts)
}

/// The biggest part (the first of equals) kept, every other one a stray: for a capture, which
/// replays as one session.
pub fn keep_biggest(parts: Vec<Vec<usize>>) -> (Vec<Vec<usize>>, Vec<Vec<usize>>) {
    let Some(biggest) = parts
        .iter()
        .enumerate()
        .max_by(|(i, a), (j, b)| a.len().cmp(&b.len()).then(j.cmp(i)))
        .map(|(i, _)| i)
    else {
        return (parts, Vec::new());
    };
    let mut kept = Vec::new();
    let mut strays = Vec::new();
    for (i, p) in parts.into_iter().enumerate() {
        if i == biggest {
            kept.push(p);
        } else {
            strays.push(p);
        }
    }
    (kept, strays)
}

/// Consecutive items with the same key, grouped: (first position, last position, count, key).
/// For messages that name a range of records or lines once instead of each one.
pub fn group<K: PartialEq>(items: impl IntoIterator<Item = (usize, K)>) -> Vec<Group<K>> {
    let mut out: Vec<Group<K>> = Vec::new();
    for (at, key) in items {
        match out.last_mut() {
            Some(g) if g.key == key => {
                g.last = at;
                g.count += 1;
            }
            _ => out.push(Group {
                first: at,
                last: at,
                count: 1,
                key,
            }),
        }
    }
    out
}

/// A run of records or lines with the same problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group<K> {
    pub first: usize,
    pub last: usize,
    pub count: usize,
    pub key: K,
}

/// "record 7", "records 7-9", "records 7-90 (12 of them)": `unit` is `record` or `line`.
pub fn places(unit: &str, first: usize, last: usize, count: usize) -> String {
    if count <= 1 || first == last {
        format!("{unit} {first}")
    } else if last - first + 1 == count {
        format!("{unit}s {first}-{last}")
    } else {
        format!("{unit}s {first}-{last} ({count} of them)")
    }
}

/// What is wrong with a stray part, for a message: `n` readings from `first`, more than a day
/// away from the rest of `what` ("the activity", "the capture").
pub fn stray(first: DateTime<Utc>, n: usize, what: &str) -> String {
    let readings = if n == 1 {
        "1 reading".to_owned()
    } else {
        format!("{n} readings")
    };
    format!(
        "{readings} at {}, more than a day away from the rest of {what} (corrupted timestamps?)",
        show(first)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn t(s: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap() + TimeDelta::seconds(s)
    }

    const DAY: i64 = 86_400;

    #[test]
    fn earliest_is_2000() {
        assert_eq!(EARLIEST, Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0).unwrap());
    }

    #[test]
    fn checks_the_bounds() {
        let now = t(0);
        assert_eq!(check(EARLIEST, now), Ok(()));
        assert_eq!(
            check(EARLIEST - TimeDelta::seconds(1), now),
            Err(Implausible::TooEarly)
        );
        assert_eq!(check(t(DAY), now), Ok(()));
        assert_eq!(check(t(DAY + 1), now), Err(Implausible::InTheFuture));
        let year_1 = Utc.with_ymd_and_hms(1, 1, 1, 0, 0, 0).unwrap();
        assert_eq!(check(year_1, now), Err(Implausible::TooEarly));
        assert_eq!(
            check(DateTime::<Utc>::MAX_UTC, now),
            Err(Implausible::InTheFuture)
        );
        // A `now` at the end of time cannot overflow.
        assert_eq!(check(t(0), DateTime::<Utc>::MAX_UTC), Ok(()));
    }

    #[test]
    fn a_jump_of_more_than_a_day_splits() {
        let times = [
            t(0),
            t(1),
            t(1 + DAY),
            t(2 + 2 * DAY + 1),
            t(3 + 2 * DAY + 1),
        ];
        // 0 -> 1 s; 1 s -> 1 day + 1 s: exactly a day, same part; then a day and 1 s: new part.
        assert_eq!(
            parts(&times, Some(MAX_STEP_BACK)),
            vec![vec![0, 1, 2], vec![3, 4]]
        );
    }

    #[test]
    fn a_step_back_restarts_in_files_but_not_in_captures() {
        // Ride 10:00-10:10, then a second activity from 09:00 that goes on to 10:09:59: the
        // current part is tried first, so it keeps its readings.
        let times = [t(36_000), t(36_600), t(32_400), t(32_401), t(36_599)];
        assert_eq!(
            parts(&times, Some(MAX_STEP_BACK)),
            vec![vec![0, 1], vec![2, 3, 4]]
        );
        assert_eq!(parts(&times, None), vec![vec![0, 1, 2, 3, 4]]);
        // An earlier part is rejoined when the current one does not fit.
        let times = [t(36_000), t(36_000 + 2 * DAY), t(36_001)];
        assert_eq!(
            parts(&times, Some(MAX_STEP_BACK)),
            vec![vec![0, 2], vec![1]]
        );
        // 5 minutes back exactly is still the same part.
        assert_eq!(
            parts(&[t(300), t(0)], Some(MAX_STEP_BACK)),
            vec![vec![0, 1]]
        );
    }

    #[test]
    fn one_corrupted_time_in_the_middle_is_a_stray_not_a_split() {
        let mut times: Vec<DateTime<Utc>> = (0..20).map(t).collect();
        times[7] = t(3 * 365 * DAY);
        let p = parts(&times, Some(MAX_STEP_BACK));
        let main: Vec<usize> = (0..20).filter(|&i| i != 7).collect();
        assert_eq!(p, vec![main.clone(), vec![7]]);
        assert_eq!(keep(p), (vec![main], vec![vec![7]]));
    }

    #[test]
    fn keeping() {
        let big: Vec<usize> = (0..MIN_PART).collect();
        let small = vec![100, 101];
        assert_eq!(
            keep(vec![small.clone(), big.clone(), big.clone()]),
            (vec![big.clone(), big.clone()], vec![small.clone()])
        );
        assert_eq!(keep(vec![small.clone()]), (vec![small.clone()], vec![]));
        assert_eq!(
            keep(vec![vec![1], small.clone(), vec![2, 3]]),
            (vec![small.clone()], vec![vec![1], vec![2, 3]]),
            "none is big: the first biggest is kept"
        );
        assert_eq!(
            keep_biggest(vec![small.clone(), big.clone()]),
            (vec![big], vec![small])
        );
        assert_eq!(keep(vec![]), (vec![], vec![]));
    }

    #[test]
    fn groups_and_places() {
        let g = group([(1, 'a'), (2, 'a'), (5, 'a'), (6, 'b'), (7, 'a')]);
        assert_eq!(
            g.iter()
                .map(|g| (g.first, g.last, g.count, g.key))
                .collect::<Vec<_>>(),
            vec![(1, 5, 3, 'a'), (6, 6, 1, 'b'), (7, 7, 1, 'a')]
        );
        assert_eq!(places("record", 7, 7, 1), "record 7");
        assert_eq!(places("line", 7, 9, 3), "lines 7-9");
        assert_eq!(places("record", 7, 90, 12), "records 7-90 (12 of them)");
    }

    #[test]
    fn messages() {
        let now = t(0);
        let m = Implausible::TooEarly.describe(
            Utc.with_ymd_and_hms(1989, 12, 31, 0, 0, 5).unwrap(),
            1,
            now,
        );
        assert_eq!(
            m,
            "time 1989-12-31T00:00:05Z is before 2000-01-01, earlier than any watch or strap \
             recorded (a corrupted timestamp?)"
        );
        let m = Implausible::InTheFuture.describe(t(10 * DAY), 3, now);
        assert!(m.starts_with("times (the first 2026-11-11T00:00:00Z) are more than a day after now (2026-11-01T00:00:00Z)"), "{m}");
        assert_eq!(
            stray(t(0), 1, "the activity"),
            "1 reading at 2026-11-01T00:00:00Z, more than a day away from the rest of the \
             activity (corrupted timestamps?)"
        );
    }

    proptest! {
        /// Every reading is in exactly one part; within a part, file order is kept and no
        /// step from a part's latest time to its next reading is more than a day.
        #[test]
        fn parts_partition_the_readings(
            steps in proptest::collection::vec(-3 * DAY..3 * DAY, 0..200),
            files in any::<bool>(),
        ) {
            let mut s = 0i64;
            let times: Vec<DateTime<Utc>> = steps.iter().map(|d| { s += d; t(s) }).collect();
            let back = files.then_some(MAX_STEP_BACK);
            let p = parts(&times, back);
            let mut all: Vec<usize> = p.iter().flatten().copied().collect();
            all.sort_unstable();
            prop_assert_eq!(all, (0..times.len()).collect::<Vec<_>>());
            for part in &p {
                prop_assert!(!part.is_empty());
                prop_assert!(part.windows(2).all(|w| w[0] < w[1]));
                let mut latest = times[part[0]];
                for &i in &part[1..] {
                    let step = times[i] - latest;
                    prop_assert!(step <= MAX_JUMP);
                    prop_assert!(step >= -back.unwrap_or(MAX_JUMP));
                    latest = latest.max(times[i]);
                }
            }
            let starts: Vec<usize> = p.iter().map(|part| part[0]).collect();
            prop_assert!(starts.windows(2).all(|w| w[0] < w[1]));
        }
    }
}
