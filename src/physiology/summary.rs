//! One recorded session, summarised: where the time went, how hard it was, what it counts for.
//!
//! Owns the accounting rules for stored readings and the session-level verdict. Pure: readings
//! and the zone table in force come in, a [`Summary`] goes out; no clock, no disk.
//!
//! Accounting: each reading stands for the interval until the next one. An interval longer than
//! `max_gap` (default 10 s) is a gap and counts for nothing: a strap that went silent (battery,
//! radio; Runalyze #2219) must not have its last reading stretched over the silence
//! (docs/science.md §14). The last reading counts nothing. A reading with HR 0 or contact "not detected" is "no signal": no zone, not active.
//! Contact "not supported" counts as a signal (optical sensors cannot tell; nothing better is
//! known). So `time in zones + no signal + gaps = duration`, exactly (kept in integer
//! nanoseconds).
//!
//! Sources (docs/science.md; talkzone's own rules: §14):
//! - zones and talk-test wording: ACSM, Garber 2011 Table 1; CDC (§1);
//! - moderate-equivalent minutes, 1 vigorous min = 2 moderate min: WHO 2020 (Bull et al., BJSM
//!   54:1451) and the US Physical Activity Guidelines, 2nd ed. (§4);
//! - training load: Banister TRIMP (§7), see [`crate::physiology::load`].

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::physiology::load::TrimpBasis;
use crate::physiology::person::Sex;
use crate::physiology::zones::{PerZone, ZoneTable};
use crate::reading::{Contact, Reading};

/// An interval between readings longer than this is a gap, by default.
pub const DEFAULT_MAX_GAP: Duration = Duration::from_secs(10);

/// More than this many minutes at vigorous or harder in one session raises
/// [`Flag::LongHardSession`]. The product's rule ("keep long hard sessions occasional"); for
/// scale, WHO 2020 asks for 75-150 vigorous minutes in a whole week.
pub const LONG_HARD_SESSION_MIN: f64 = 60.0;

const NS_PER_S: i128 = 1_000_000_000;

/// The heart rates a human heart can have: a reading outside is an artifact (a strap's glitch,
/// a corrupt file: the 0x2A37 field holds up to 65,535). Stored as received, but it counts as
/// no signal and never reaches a maximum, an average, a zone or the load (docs/science.md
/// §11: resting values down to ~30 bpm in endurance athletes, maximal ~220 bpm; 25-250 by
/// default, `[summary] plausible_min_hr` / `plausible_max_hr`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlausibleHr {
    /// Lowest plausible heart rate, bpm (included).
    pub min: u16,
    /// Highest plausible heart rate, bpm (included).
    pub max: u16,
}

impl PlausibleHr {
    /// 25-250 bpm (docs/science.md §11).
    pub const DEFAULT: PlausibleHr = PlausibleHr { min: 25, max: 250 };

    /// Whether `hr` lies in the range.
    pub fn contains(self, hr: u16) -> bool {
        (self.min..=self.max).contains(&hr)
    }
}

impl Default for PlausibleHr {
    fn default() -> Self {
        PlausibleHr::DEFAULT
    }
}

/// Settings for [`summarise`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SummaryOptions {
    /// Intervals longer than this are gaps ([`DEFAULT_MAX_GAP`]).
    pub max_gap: Duration,
    /// For the TRIMP weighting curve (the mean of both curves when `None`).
    pub sex: Option<Sex>,
    /// When the exercise ended, if known: heart-rate recovery is measured from here.
    pub exercise_end: Option<DateTime<Utc>>,
    /// Readings outside it count as no signal.
    pub plausible: PlausibleHr,
}

impl Default for SummaryOptions {
    fn default() -> Self {
        SummaryOptions {
            max_gap: DEFAULT_MAX_GAP,
            sex: None,
            exercise_end: None,
            plausible: PlausibleHr::DEFAULT,
        }
    }
}

/// What kind of session it was, by where at least half of the active time went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionClass {
    /// No active time at all.
    None,
    /// Very light + light hold at least half of the active time.
    Light,
    /// Moderate holds at least half.
    Moderate,
    /// Vigorous + near max hold at least half.
    Vigorous,
    /// No group holds half.
    Mixed,
}

impl SessionClass {
    /// The id used in JSON and storage.
    pub fn id(self) -> &'static str {
        match self {
            SessionClass::None => "none",
            SessionClass::Light => "light",
            SessionClass::Moderate => "moderate",
            SessionClass::Vigorous => "vigorous",
            SessionClass::Mixed => "mixed",
        }
    }
}

/// Something worth pointing out about a session or a week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    /// More than [`LONG_HARD_SESSION_MIN`] minutes at vigorous or harder in one session.
    LongHardSession,
    /// A hard day right after a hard day (rotate hard and easy days); see
    /// [`crate::physiology::week::is_hard_day`]. [`summarise`] cannot see other days: callers
    /// add it with [`crate::physiology::week::hard_day_after_hard_day`].
    HardDayAfterHardDay,
    /// Some readings had a heart rate outside [`PlausibleHr`]: counted as no signal.
    ImplausibleHeartRate,
}

impl Flag {
    /// The id used in JSON and storage.
    pub fn id(self) -> &'static str {
        match self {
            Flag::LongHardSession => "long_hard_session",
            Flag::HardDayAfterHardDay => "hard_day_after_hard_day",
            Flag::ImplausibleHeartRate => "implausible_heart_rate",
        }
    }

    /// What the flag means for the person.
    pub fn advice(self) -> &'static str {
        match self {
            Flag::LongHardSession => {
                "over an hour at vigorous or harder: keep sessions this long and hard occasional"
            }
            Flag::HardDayAfterHardDay => {
                "a hard day right after a hard day: rotate hard and easy days"
            }
            Flag::ImplausibleHeartRate => {
                "some readings had a heart rate no heart can have: they count as no signal \
                 (check the strap's fit and battery)"
            }
        }
    }
}

/// A session summarised. Seconds are `f64`; every zone id is present in the per-zone maps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// How many readings were summarised.
    pub readings: usize,
    /// The first reading's time (`None` with no readings).
    pub start: Option<DateTime<Utc>>,
    /// The last reading's time.
    pub end: Option<DateTime<Utc>>,
    /// `end - start`, seconds: `time_in_zone_s` + `no_signal_s` + `gap_s`.
    pub duration_s: f64,
    /// Time with a heart-rate signal, in any zone.
    pub active_s: f64,
    /// Time covered by readings with HR 0, no skin contact, or an implausible heart rate.
    pub no_signal_s: f64,
    /// Readings whose heart rate was outside the plausible range (counted as no signal).
    #[serde(default)]
    pub implausible_readings: usize,
    /// Time in intervals longer than `max_gap`.
    pub gap_s: f64,
    /// Time-weighted mean HR over the active time; `None` when there is none.
    pub avg_hr: Option<f64>,
    /// Highest HR among readings with a signal.
    pub max_hr: Option<u16>,
    pub time_in_zone_s: PerZone<f64>,
    /// Each zone's share of the active time, 0..1 (all 0 with no active time).
    pub share_in_zone: PerZone<f64>,
    pub class: SessionClass,
    /// (moderate + 2 x (vigorous + near max)) minutes (WHO 2020; US PAG 2nd ed.).
    pub moderate_equivalent_min: f64,
    /// Banister TRIMP over the active time.
    pub trimp: f64,
    /// What `trimp` was computed from (assumed resting HR, which curve).
    pub trimp_basis: TrimpBasis,
    /// HR at `exercise_end` minus HR 60 s later, from the nearest readings with a signal
    /// (each within `max_gap` of its moment); `None` unless readings go on past end + 60 s.
    pub hrr_1min: Option<f64>,
    /// The session in talk-test words.
    pub verdict: String,
    pub flags: Vec<Flag>,
    /// What DFA alpha1 of its RR intervals says ([`super::dfa`]), when it has RR intervals.
    /// Not worked out by [`summarise`] (it keeps to a millisecond a day of readings); the
    /// session shell adds it when a session is finished.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alpha1: Option<super::dfa::SessionAlpha1>,
}

/// A span the user paused the session: `[start, end)`; an open span (`end` `None`) runs on.
pub type PausedSpan = (DateTime<Utc>, Option<DateTime<Utc>>);

/// The readings outside the paused spans: paused time is not active time. A pause longer than
/// `max_gap` leaves an interval that counts nothing; a shorter one is bridged by the reading
/// before it, like any short silence.
pub fn without_paused(readings: &[Reading], paused: &[PausedSpan]) -> Vec<Reading> {
    readings
        .iter()
        .filter(|r| {
            !paused
                .iter()
                .any(|(start, end)| r.t >= *start && end.map_or(true, |e| r.t < e))
        })
        .cloned()
        .collect()
}

/// Whether a reading carries a heart-rate signal: HR within `plausible` (so above 0) and
/// contact not "not detected".
pub fn has_signal(reading: &Reading, plausible: PlausibleHr) -> bool {
    plausible.contains(reading.hr) && reading.contact != Contact::NotDetected
}

/// Summarises `readings` (normally in time order; any order is accepted and sorted) under the
/// zone table in force. One pass, no allocation per reading: 86,400 readings (a day at 1 Hz)
/// take a few milliseconds.
pub fn summarise(readings: &[Reading], zones: &ZoneTable, opts: &SummaryOptions) -> Summary {
    let basis = TrimpBasis::new(zones, opts.sex);
    let totals = if readings.windows(2).all(|w| w[0].t <= w[1].t) {
        Totals::add_up(readings.iter(), zones, &basis, opts)
    } else {
        // Stored readings come in order; this is for anything else. Stable: equal times keep
        // their order.
        let mut sorted: Vec<&Reading> = readings.iter().collect();
        sorted.sort_by_key(|r| r.t);
        Totals::add_up(sorted.into_iter(), zones, &basis, opts)
    };
    totals.into_summary(basis, opts)
}

/// Running totals over the readings, in integer nanoseconds so the parts add up exactly.
struct Totals {
    readings: usize,
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
    zone_ns: [i128; 5],
    no_signal_ns: i128,
    gap_ns: i128,
    /// Sum of HR x seconds over active intervals.
    hr_seconds: f64,
    trimp: f64,
    max_hr: Option<u16>,
    implausible: usize,
    /// Nearest reading with a signal to the exercise end and to 60 s after it:
    /// (distance in ns, HR).
    hrr_at_end: Option<(i128, u16)>,
    hrr_after: Option<(i128, u16)>,
}

fn nanos(d: TimeDelta) -> i128 {
    i128::from(d.num_seconds()) * NS_PER_S + i128::from(d.subsec_nanos())
}

fn seconds(ns: i128) -> f64 {
    ns as f64 / 1e9
}

/// Keeps whichever of `best` and (distance, hr) is nearer.
fn nearer(best: &mut Option<(i128, u16)>, distance: i128, hr: u16) {
    if best.map_or(true, |(d, _)| distance < d) {
        *best = Some((distance, hr));
    }
}

impl Totals {
    fn add_up<'a>(
        readings: impl Iterator<Item = &'a Reading>,
        zones: &ZoneTable,
        basis: &TrimpBasis,
        opts: &SummaryOptions,
    ) -> Totals {
        let max_gap_ns = i128::try_from(opts.max_gap.as_nanos()).unwrap_or(i128::MAX);
        // TRIMP per minute for every plausible HR, once: keeps `exp` out of the loop.
        let trimp_per_min: [f64; 256] = std::array::from_fn(|hr| basis.per_minute(hr as f64));
        let mut totals = Totals {
            readings: 0,
            start: None,
            end: None,
            zone_ns: [0; 5],
            no_signal_ns: 0,
            gap_ns: 0,
            hr_seconds: 0.0,
            trimp: 0.0,
            max_hr: None,
            implausible: 0,
            hrr_at_end: None,
            hrr_after: None,
        };
        // The zone of every whole-beat HR a strap can send in one byte, once.
        let zone_by_hr: [usize; 256] = std::array::from_fn(|hr| zones.zone_of(hr as f64).index());
        // The previous reading, its signal and its time in ns since the epoch (`None` outside
        // 1677-2262, where i64 nanoseconds end: then the exact `TimeDelta` path is taken).
        let mut previous: Option<(&Reading, bool, Option<i64>)> = None;
        for reading in readings {
            totals.readings += 1;
            totals.start.get_or_insert(reading.t);
            let signal = has_signal(reading, opts.plausible);
            let t_ns = reading.t.timestamp_nanos_opt();
            if reading.hr > 0 && !opts.plausible.contains(reading.hr) {
                totals.implausible += 1;
            }
            if signal {
                totals.max_hr = totals.max_hr.max(Some(reading.hr));
                if let Some(end) = opts.exercise_end {
                    let to_end = nanos(reading.t - end);
                    nearer(&mut totals.hrr_at_end, to_end.abs(), reading.hr);
                    let to_after = to_end - 60 * NS_PER_S;
                    nearer(&mut totals.hrr_after, to_after.abs(), reading.hr);
                }
            }
            if let Some((prev, prev_signal, prev_ns)) = previous {
                let dt = match (t_ns, prev_ns) {
                    (Some(a), Some(b)) => i128::from(a) - i128::from(b),
                    _ => nanos(reading.t - prev.t),
                };
                if dt > max_gap_ns {
                    totals.gap_ns += dt;
                } else if !prev_signal {
                    totals.no_signal_ns += dt;
                } else {
                    let hr = f64::from(prev.hr);
                    let secs = seconds(dt);
                    let zone = match zone_by_hr.get(usize::from(prev.hr)) {
                        Some(&z) => z,
                        None => zones.zone_of(hr).index(),
                    };
                    totals.zone_ns[zone] += dt;
                    totals.hr_seconds += hr * secs;
                    totals.trimp += match trimp_per_min.get(usize::from(prev.hr)) {
                        Some(per_min) => secs / 60.0 * per_min,
                        None => basis.for_interval(hr, secs),
                    };
                }
            }
            previous = Some((reading, signal, t_ns));
        }
        totals.end = previous.map(|(r, _, _)| r.t);
        totals
    }

    fn into_summary(self, basis: TrimpBasis, opts: &SummaryOptions) -> Summary {
        let zone_ns = PerZone::from_fn(|z| self.zone_ns[z.index()]);
        let active_ns: i128 = self.zone_ns.iter().sum();
        let duration_ns = match (self.start, self.end) {
            (Some(start), Some(end)) => nanos(end - start),
            _ => 0,
        };
        let time_in_zone_s = zone_ns.map(|ns| seconds(*ns));
        let share_in_zone = zone_ns.map(|ns| {
            if active_ns > 0 {
                *ns as f64 / active_ns as f64
            } else {
                0.0
            }
        });
        let class = classify(&zone_ns);
        let hard_s = time_in_zone_s.vigorous + time_in_zone_s.near_max;
        let moderate_equivalent_min = (time_in_zone_s.moderate + 2.0 * hard_s) / 60.0;
        let hrr_1min = self.hrr_1min(opts);
        let mut flags = Vec::new();
        if hard_s > LONG_HARD_SESSION_MIN * 60.0 {
            flags.push(Flag::LongHardSession);
        }
        if self.implausible > 0 {
            flags.push(Flag::ImplausibleHeartRate);
        }
        let verdict = verdict(
            class,
            &time_in_zone_s,
            self.readings,
            duration_ns,
            self.no_signal_ns,
            opts.max_gap,
        );
        Summary {
            readings: self.readings,
            start: self.start,
            end: self.end,
            duration_s: seconds(duration_ns),
            active_s: seconds(active_ns),
            no_signal_s: seconds(self.no_signal_ns),
            implausible_readings: self.implausible,
            gap_s: seconds(self.gap_ns),
            avg_hr: (active_ns > 0).then(|| self.hr_seconds / seconds(active_ns)),
            max_hr: self.max_hr,
            time_in_zone_s,
            share_in_zone,
            class,
            moderate_equivalent_min,
            trimp: self.trimp,
            trimp_basis: basis,
            hrr_1min,
            verdict,
            flags,
            alpha1: None,
        }
    }

    fn hrr_1min(&self, opts: &SummaryOptions) -> Option<f64> {
        let exercise_end = opts.exercise_end?;
        let last = self.end?;
        if nanos(last - exercise_end) < 60 * NS_PER_S {
            return None;
        }
        let tolerance = i128::try_from(opts.max_gap.as_nanos()).unwrap_or(i128::MAX);
        let (d_end, hr_end) = self.hrr_at_end?;
        let (d_after, hr_after) = self.hrr_after?;
        (d_end <= tolerance && d_after <= tolerance)
            .then(|| f64::from(hr_end) - f64::from(hr_after))
    }
}

/// The group holding at least half of the active time. At exactly half-and-half the harder
/// group wins, so a hard half is never hidden from the hard/easy accounting.
fn classify(zone_ns: &PerZone<i128>) -> SessionClass {
    let easy = zone_ns.very_light + zone_ns.light;
    let moderate = zone_ns.moderate;
    let hard = zone_ns.vigorous + zone_ns.near_max;
    let active = easy + moderate + hard;
    if active <= 0 {
        SessionClass::None
    } else if 2 * hard >= active {
        SessionClass::Vigorous
    } else if 2 * moderate >= active {
        SessionClass::Moderate
    } else if 2 * easy >= active {
        SessionClass::Light
    } else {
        SessionClass::Mixed
    }
}

/// "38 min"; "40 s" under a minute.
fn amount(seconds: f64) -> String {
    if seconds > 0.0 && seconds < 59.5 {
        format!("{} s", seconds.round())
    } else {
        format!("{} min", (seconds / 60.0).round())
    }
}

fn verdict(
    class: SessionClass,
    in_zone: &PerZone<f64>,
    readings: usize,
    duration_ns: i128,
    no_signal_ns: i128,
    max_gap: Duration,
) -> String {
    let easy = in_zone.very_light + in_zone.light;
    let hard = in_zone.vigorous + in_zone.near_max;
    match class {
        SessionClass::Light => format!("Light session: {} where you could sing", amount(easy)),
        SessionClass::Moderate => format!(
            "Moderate session: {} where you could talk but not sing",
            amount(in_zone.moderate)
        ),
        SessionClass::Vigorous => format!(
            "Vigorous session: {} where you could only say a few words",
            amount(hard)
        ),
        SessionClass::Mixed => format!(
            "Mixed session: {} easy (you could sing), {} moderate (talk, not sing), {} vigorous \
             or harder (only a few words)",
            amount(easy),
            amount(in_zone.moderate),
            amount(hard)
        ),
        SessionClass::None if readings < 2 || duration_ns == 0 => {
            "Nothing to summarise: fewer than two readings".to_owned()
        }
        SessionClass::None if no_signal_ns == 0 => format!(
            "No continuous heart-rate signal: readings were more than {} s apart",
            max_gap.as_secs_f64()
        ),
        SessionClass::None => "No heart-rate signal recorded: check the strap's contact".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::physiology::zones::{zone_table, PersonInputs, ZoneConfig};
    use crate::reading::Source;
    use chrono::TimeZone;

    /// Age 40, Tanaka, %HRmax: light 102.6, moderate 115.2, vigorous 138.6, near max 172.8;
    /// resting HR 60 (for TRIMP: HRR 120).
    fn zones() -> ZoneTable {
        let person = PersonInputs {
            age: Some(40),
            resting_hr: Some(60),
            ..PersonInputs::default()
        };
        zone_table(&ZoneConfig::default(), &person).unwrap()
    }

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 3, 3, 7, 0, 0).unwrap()
    }

    fn reading_at(ms: i64, hr: u16, contact: Contact) -> Reading {
        Reading {
            t: t0() + TimeDelta::milliseconds(ms),
            hr,
            contact,
            energy_kj: None,
            rr: Vec::new(),
            source: Source::Simulator,
        }
    }

    /// Readings every `step_s` seconds, `count` of each (hr) in turn.
    fn steady(parts: &[(u16, usize)], step_s: i64) -> Vec<Reading> {
        parts
            .iter()
            .flat_map(|&(hr, n)| std::iter::repeat(hr).take(n))
            .enumerate()
            .map(|(i, hr)| reading_at(i as i64 * step_s * 1000, hr, Contact::Detected))
            .collect()
    }

    fn summary(readings: &[Reading]) -> Summary {
        summarise(readings, &zones(), &SummaryOptions::default())
    }

    fn assert_close(actual: f64, expected: f64) {
        assert!(
            (actual - expected).abs() < 1e-6,
            "expected {expected}, got {actual}"
        );
    }

    /// Intervals across midnight, across years and around a leap second add up exactly as
    /// chrono's own subtraction (the hot loop's epoch-nanosecond shortcut must not change a
    /// sum).
    #[test]
    fn intervals_across_midnight_and_leap_seconds_add_up_exactly() {
        use chrono::NaiveDate;
        let at = |y, mo, d, h, mi, s, nano| {
            let t = NaiveDate::from_ymd_opt(y, mo, d)
                .unwrap()
                .and_hms_nano_opt(h, mi, s, nano)
                .unwrap();
            Reading {
                t: Utc.from_utc_datetime(&t),
                ..reading_at(0, 120, Contact::Detected)
            }
        };
        let readings = vec![
            at(2016, 12, 31, 23, 59, 55, 250_000_000),
            at(2016, 12, 31, 23, 59, 59, 0),
            at(2016, 12, 31, 23, 59, 59, 1_500_000_000), // a leap second
            at(2017, 1, 1, 0, 0, 3, 750_000_000),
            at(2017, 1, 1, 0, 0, 9, 0),
        ];
        let s = summary(&readings);
        let by_chrono: f64 = readings
            .windows(2)
            .map(|w| nanos(w[1].t - w[0].t) as f64 / 1e9)
            .sum();
        assert_close(s.time_in_zone_s.moderate, by_chrono);
        // And the parts add up to the session's length (last - first).
        assert_close(
            s.duration_s,
            nanos(readings[4].t - readings[0].t) as f64 / 1e9,
        );
        assert_close(s.active_s, s.duration_s);
    }

    #[test]
    fn one_hertz_moderate_session() {
        // 1801 readings at 1 Hz, HR 120 (moderate): 1800 s counted, the last reading none.
        let s = summary(&steady(&[(120, 1801)], 1));
        assert_close(s.duration_s, 1800.0);
        assert_close(s.active_s, 1800.0);
        assert_close(s.time_in_zone_s.moderate, 1800.0);
        assert_close(s.share_in_zone.moderate, 1.0);
        assert_eq!(s.class, SessionClass::Moderate);
        assert_close(s.avg_hr.unwrap(), 120.0);
        assert_eq!(s.max_hr, Some(120));
        // 30 moderate minutes = 30 moderate-equivalent minutes.
        assert_close(s.moderate_equivalent_min, 30.0);
        assert_eq!(
            s.verdict,
            "Moderate session: 30 min where you could talk but not sing"
        );
        assert!(s.flags.is_empty());
    }

    /// A strap's glitch (HR 65535, the field's maximum) or a corrupt file: stored, but counted
    /// as no signal; it reaches neither the maximum, the average, a zone nor the load, and the
    /// summary points it out. 24 bpm and 251 bpm are out, 25 and 250 in.
    #[test]
    fn implausible_heart_rates_count_as_no_signal() {
        let clean = summary(&steady(&[(120, 11)], 1));
        let mut glitched = steady(&[(120, 11)], 1);
        glitched[4].hr = 65_535;
        glitched[7].hr = 251;
        let s = summary(&glitched);
        assert_eq!(s.readings, 11);
        assert_eq!(s.max_hr, Some(120));
        assert_close(s.avg_hr.unwrap(), 120.0);
        // The two glitched readings stand for 2 s without a signal.
        assert_close(s.active_s, 8.0);
        assert_close(s.no_signal_s, 2.0);
        assert_close(s.time_in_zone_s.near_max, 0.0);
        assert_close(s.trimp, clean.trimp * 8.0 / 10.0);
        assert_eq!(s.implausible_readings, 2);
        assert_eq!(s.flags, vec![Flag::ImplausibleHeartRate]);
        assert!(clean.flags.is_empty() && clean.implausible_readings == 0);

        let edges = summary(&steady(&[(25, 2), (250, 2), (24, 1)], 1));
        assert_eq!(edges.max_hr, Some(250));
        assert_eq!(edges.implausible_readings, 1);
        // HR 0 is a strap's "no signal", not an implausible value.
        let zeros = summary(&steady(&[(0, 3), (120, 2)], 1));
        assert_eq!(zeros.implausible_readings, 0);
        assert!(zeros.flags.is_empty());
        // A configured range is obeyed.
        let narrow = SummaryOptions {
            plausible: PlausibleHr { min: 25, max: 200 },
            ..SummaryOptions::default()
        };
        let s = summarise(&steady(&[(120, 3), (210, 2)], 1), &zones(), &narrow);
        assert_eq!(s.max_hr, Some(120));
        assert_eq!(s.implausible_readings, 2);
    }

    #[test]
    fn five_second_sampling_vigorous_session() {
        // 265 readings 5 s apart: 264 intervals x 5 s = 1320 s = 22 min at 150 (vigorous).
        let s = summary(&steady(&[(150, 265)], 5));
        assert_close(s.time_in_zone_s.vigorous, 1320.0);
        assert_eq!(s.class, SessionClass::Vigorous);
        // 22 vigorous minutes count double: 44.
        assert_close(s.moderate_equivalent_min, 44.0);
        assert_eq!(
            s.verdict,
            "Vigorous session: 22 min where you could only say a few words"
        );
    }

    #[test]
    fn trimp_for_a_constant_hr_session() {
        // 30 min at 120 with rest 60 and HRmax 180: dHR 0.5.
        // Male: 30 x 0.5 x 0.64 e^0.96 = 25.0723; no rest known: assumed 60, same answer.
        let readings = steady(&[(120, 1801)], 1);
        let opts = SummaryOptions {
            sex: Some(Sex::Male),
            ..SummaryOptions::default()
        };
        let s = summarise(&readings, &zones(), &opts);
        assert!((s.trimp - 25.0723).abs() < 1e-3, "{}", s.trimp);
        assert!(!s.trimp_basis.resting_hr_assumed);
        let no_rest = ZoneTable {
            resting_hr: None,
            ..zones()
        };
        let s = summarise(&readings, &no_rest, &opts);
        assert!((s.trimp - 25.0723).abs() < 1e-3, "{}", s.trimp);
        assert!(s.trimp_basis.resting_hr_assumed);
    }

    #[test]
    fn a_gap_counts_nothing() {
        // 0..=60 s at 1 Hz, then silence until 90 s, then 90..=120 s: 60 + 30 s in zone, a
        // 30 s gap, duration 120 s.
        let mut readings: Vec<Reading> = (0..=60)
            .map(|s| reading_at(s * 1000, 120, Contact::Detected))
            .collect();
        readings.extend((90..=120).map(|s| reading_at(s * 1000, 120, Contact::Detected)));
        let s = summary(&readings);
        assert_close(s.duration_s, 120.0);
        assert_close(s.gap_s, 30.0);
        assert_close(s.active_s, 90.0);
        // Exactly 10 s is not a gap, 10.001 s is.
        let s = summary(&[
            reading_at(0, 120, Contact::Detected),
            reading_at(10_000, 120, Contact::Detected),
            reading_at(20_001, 120, Contact::Detected),
        ]);
        assert_close(s.active_s, 10.0);
        assert_close(s.gap_s, 10.001);
    }

    #[test]
    fn zero_hr_and_no_contact_are_no_signal() {
        let readings = [
            reading_at(0, 120, Contact::Detected),        // 1 s moderate
            reading_at(1000, 0, Contact::Detected),       // 1 s no signal (HR 0)
            reading_at(2000, 130, Contact::NotDetected),  // 1 s no signal (no contact)
            reading_at(3000, 130, Contact::NotSupported), // 1 s moderate (unknown = signal)
            reading_at(4000, 200, Contact::NotDetected),  // last: counts nothing
        ];
        let s = summary(&readings);
        assert_close(s.no_signal_s, 2.0);
        assert_close(s.active_s, 2.0);
        assert_close(s.time_in_zone_s.moderate, 2.0);
        // 200 had no contact, so it is not the maximum.
        assert_eq!(s.max_hr, Some(130));
        assert_close(s.avg_hr.unwrap(), 125.0);

        let dead = steady(&[(0, 30)], 1);
        let s = summary(&dead);
        assert_eq!(s.class, SessionClass::None);
        assert_eq!(s.avg_hr, None);
        assert_eq!(s.max_hr, None);
        assert_close(s.no_signal_s, 29.0);
        assert_eq!(
            s.verdict,
            "No heart-rate signal recorded: check the strap's contact"
        );
    }

    #[test]
    fn single_and_no_reading() {
        for readings in [vec![], vec![reading_at(0, 120, Contact::Detected)]] {
            let s = summary(&readings);
            assert_eq!(s.class, SessionClass::None);
            assert_eq!(s.duration_s, 0.0);
            assert_eq!(s.active_s, 0.0);
            assert_eq!(s.time_in_zone_s, PerZone::default());
            assert_eq!(s.moderate_equivalent_min, 0.0);
            assert_eq!(s.trimp, 0.0);
            assert_eq!(s.avg_hr, None);
            assert_eq!(s.verdict, "Nothing to summarise: fewer than two readings");
        }
        let only_gaps = steady(&[(120, 3)], 20);
        let s = summary(&only_gaps);
        assert_eq!(s.class, SessionClass::None);
        assert!(s.verdict.contains("more than 10 s apart"), "{}", s.verdict);
    }

    #[test]
    fn class_boundaries_at_exactly_half() {
        // 100 s light (110) + 100 s moderate (120): a tie goes to the harder group.
        let s = summary(&steady(&[(110, 100), (120, 101)], 1));
        assert_eq!(s.class, SessionClass::Moderate);
        // 100 s very light (90) + 100 s vigorous (150): vigorous.
        let s = summary(&steady(&[(90, 100), (150, 101)], 1));
        assert_eq!(s.class, SessionClass::Vigorous);
        // 100 s light + 99 s moderate: light holds 100/199 >= 50 %.
        let s = summary(&steady(&[(110, 100), (120, 100)], 1));
        assert_eq!(s.class, SessionClass::Light);
        assert_eq!(s.verdict, "Light session: 2 min where you could sing");
        // Very light + light together: 50 very light + 50 light + 100 near max: vigorous at
        // exactly half (near max counts as vigorous).
        let s = summary(&steady(&[(90, 50), (110, 50), (180, 101)], 1));
        assert_eq!(s.class, SessionClass::Vigorous);
        // 60 s each of light, moderate, vigorous: nobody holds half.
        let s = summary(&steady(&[(110, 60), (120, 60), (150, 61)], 1));
        assert_eq!(s.class, SessionClass::Mixed);
        assert_eq!(
            s.verdict,
            "Mixed session: 1 min easy (you could sing), 1 min moderate (talk, not sing), 1 min \
             vigorous or harder (only a few words)"
        );
        // (60 moderate + 2 x 60 vigorous) s / 60 = 3 moderate-equivalent minutes.
        assert_close(s.moderate_equivalent_min, 3.0);
        assert_close(s.share_in_zone.light, 1.0 / 3.0);
    }

    #[test]
    fn moderate_equivalent_minutes_count_vigorous_double() {
        // 10 min light, 20 min moderate, 5 min vigorous, 2 min near max at 5 s sampling:
        // meq = 20 + 2 x (5 + 2) = 34; light counts nothing.
        let s = summary(&steady(&[(110, 120), (120, 240), (150, 60), (180, 25)], 5));
        assert_close(s.time_in_zone_s.near_max, 120.0);
        assert_close(s.moderate_equivalent_min, 34.0);
    }

    #[test]
    fn long_hard_session_flag() {
        // 61 min vigorous at 5 s: 732 intervals.
        let s = summary(&steady(&[(150, 733)], 5));
        assert_eq!(s.flags, vec![Flag::LongHardSession]);
        // Exactly 60 min is not "more than 60".
        let s = summary(&steady(&[(150, 721)], 5));
        assert!(s.flags.is_empty());
    }

    #[test]
    fn heart_rate_recovery_one_minute() {
        // Exercise at 160 for 120 s at 1 Hz, then recovery falling 0.5 bpm/s from 160:
        // HR at the end (t = 120 s) is 160, at t = 180 s it is 130: HRR 30 bpm.
        let mut readings: Vec<Reading> = (0..120)
            .map(|s| reading_at(s * 1000, 160, Contact::Detected))
            .collect();
        readings.extend(
            (120..=200)
                .map(|s| reading_at(s * 1000, (160 - (s - 120) / 2) as u16, Contact::Detected)),
        );
        let end = t0() + TimeDelta::seconds(120);
        let opts = SummaryOptions {
            exercise_end: Some(end),
            ..SummaryOptions::default()
        };
        let s = summarise(&readings, &zones(), &opts);
        assert_eq!(s.hrr_1min, Some(30.0));
        // Readings stop before end + 60 s: no recovery figure.
        let s = summarise(&readings[..170], &zones(), &opts);
        assert_eq!(s.hrr_1min, None);
        // No exercise end given: none.
        assert_eq!(summary(&readings).hrr_1min, None);
    }

    #[test]
    fn unsorted_readings_are_sorted() {
        let mut readings = steady(&[(120, 61)], 1);
        readings.reverse();
        let s = summary(&readings);
        assert_close(s.time_in_zone_s.moderate, 60.0);
        assert_eq!(s.start, Some(t0()));
    }

    #[test]
    fn json_keys() {
        let s = summary(&steady(&[(120, 61)], 1));
        let json = serde_json::to_value(&s).unwrap();
        for key in [
            "start",
            "end",
            "duration_s",
            "active_s",
            "no_signal_s",
            "gap_s",
            "avg_hr",
            "max_hr",
            "time_in_zone_s",
            "share_in_zone",
            "class",
            "moderate_equivalent_min",
            "trimp",
            "hrr_1min",
            "verdict",
            "flags",
        ] {
            assert!(json.get(key).is_some(), "missing {key}: {json}");
        }
        assert_eq!(json["class"], "moderate");
        assert_eq!(json["time_in_zone_s"]["near_max"], 0.0);
        assert_eq!(json["hrr_1min"], serde_json::Value::Null);
        assert_eq!(
            serde_json::to_value([Flag::LongHardSession, Flag::HardDayAfterHardDay]).unwrap(),
            serde_json::json!(["long_hard_session", "hard_day_after_hard_day"])
        );
        let back: Summary = serde_json::from_value(json).unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn a_day_at_one_hertz() {
        // 86,400 readings; timing is checked in release builds by hand (a few ms).
        let readings: Vec<Reading> = (0..86_400)
            .map(|s| reading_at(s * 1000, 60 + (s % 120) as u16, Contact::Detected))
            .collect();
        let s = summary(&readings);
        assert_close(s.duration_s, 86_399.0);
        assert_close(s.active_s, 86_399.0);
    }

    /// The 20 ms budget for a day of 1 Hz readings; meaningful only in an optimised build:
    /// `cargo test --release --lib physiology -- --ignored`.
    #[test]
    #[ignore = "timing: run with --release"]
    fn a_day_at_one_hertz_is_fast() {
        let readings: Vec<Reading> = (0..86_400)
            .map(|s| reading_at(s * 1000, 60 + (s % 120) as u16, Contact::Detected))
            .collect();
        let zones = zones();
        let opts = SummaryOptions {
            exercise_end: Some(t0() + TimeDelta::hours(20)),
            ..SummaryOptions::default()
        };
        let best = (0..5)
            .map(|_| {
                let started = std::time::Instant::now();
                std::hint::black_box(summarise(&readings, &zones, &opts));
                started.elapsed()
            })
            .min()
            .unwrap();
        eprintln!("86,400 readings summarised in {best:?}");
        assert!(best < Duration::from_millis(20), "{best:?}");
    }

    proptest::proptest! {
        #[test]
        fn parts_add_up_to_the_duration(
            steps in proptest::collection::vec(
                (-5_000i64..30_000, 0u16..260, 0u8..3), 0..200),
            max_gap_ms in 0u64..20_000,
        ) {
            let mut t = 0i64;
            let readings: Vec<Reading> = steps
                .iter()
                .map(|&(dt, hr, contact)| {
                    t += dt;
                    let contact = [Contact::NotSupported, Contact::NotDetected, Contact::Detected]
                        [usize::from(contact)];
                    reading_at(t, hr, contact)
                })
                .collect();
            let opts = SummaryOptions {
                max_gap: Duration::from_millis(max_gap_ms),
                sex: None,
                exercise_end: Some(t0() + TimeDelta::milliseconds(1000)),
                plausible: PlausibleHr::DEFAULT,
            };
            let s = summarise(&readings, &zones(), &opts);
            let in_zones: f64 = s.time_in_zone_s.to_array().iter().sum();
            proptest::prop_assert!((in_zones - s.active_s).abs() < 1e-6);
            proptest::prop_assert!(
                (in_zones + s.no_signal_s + s.gap_s - s.duration_s).abs() < 1e-6,
                "{s:?}"
            );
            proptest::prop_assert!(s.trimp >= 0.0 && s.moderate_equivalent_min >= 0.0);
            if s.active_s > 0.0 {
                let shares: f64 = s.share_in_zone.to_array().iter().sum();
                proptest::prop_assert!((shares - 1.0).abs() < 1e-9);
            }
        }
    }
}
