//! The running numbers of a session while it is recorded: time in each zone, active time,
//! moderate-equivalent minutes for the session and the week so far, the live RMSSD and DFA
//! alpha1 (window by window, [`super::dfa::LiveDfa`]). Plus the talk-test cue toward the target
//! zone.
//!
//! Pure: readings come in with their own times, pause and link changes are told; no clock, no
//! terminal. The session runner ([`crate::runner`]) owns one [`LiveNumbers`] per session and
//! every view (the dashboard, the plain and JSON lines) only reads it, so the numbers on screen
//! are the numbers of the physiology core.
//!
//! Time in zones follows the session summary's rules ([`super::summary`], docs/science.md
//! §14): a reading stands for the time until the next one (in the readings' own times, so a
//! replay adds up like the stored session), an interval longer than `max_gap` counts nothing,
//! and a reading without a signal (HR 0, no skin contact) counts nothing. On top of that,
//! paused time counts nothing: the interval running when the session is paused or resumed (at
//! most one reading interval) is dropped too.
//!
//! The live RMSSD uses the morning check's RR correction ([`super::rr_correction`],
//! docs/science.md §10, §16) over the RR intervals of the last [`RR_WINDOW`] of reading time. Beats are
//! adjacent only within one run: a reading without a signal, a reading more than
//! [`RUN_BREAK`] after the previous one (packets, hence beats, were missed) or a link change
//! starts a new run; each run is cleaned on its own and nothing is differenced across runs.

use std::collections::VecDeque;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::dfa::{DfaOptions, DfaWindow, LiveDfa};
use super::rr_correction::correct_rr;
use super::summary::{has_signal, PlausibleHr};
use super::week::WHO_WEEKLY_MIN;
use super::zones::{PerZone, TalkZone, ZoneTable};
use crate::reading::Reading;

/// The live RMSSD is worked out over the RR intervals of the last minute (reading times).
pub const RR_WINDOW: Duration = Duration::from_secs(60);
/// Fewer successive differences than this in the window: no RMSSD yet.
pub const RR_MIN_PAIRS: usize = 10;
/// Readings further apart than this break the run of adjacent beats (a strap sends about one
/// packet a second; 3 s means packets, hence beats, were lost).
pub const RUN_BREAK: Duration = Duration::from_secs(3);
/// The week's goal in moderate-equivalent minutes (WHO 2020: 150-300 min a week, §4).
pub const WEEK_GOAL_MIN: f64 = WHO_WEEKLY_MIN;

/// What the running numbers are told once, at the start of the session.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveSettings {
    /// The zone table in force (the one the session is recorded under); `None` for a session
    /// without zones (the morning check), which counts no zone time.
    pub zones: Option<ZoneTable>,
    /// Reading intervals longer than this count nothing (the summary's `max_gap`).
    pub max_gap: Duration,
    /// Moderate-equivalent minutes already done this week, before this session.
    pub week_minutes_before: f64,
    /// Readings outside it count as no signal (see [`PlausibleHr`]).
    pub plausible: PlausibleHr,
    /// Time between two DFA alpha1 windows (5-60 s; each over the last 120 s).
    pub alpha1_step: Duration,
}

/// The reading that opened the interval being counted.
#[derive(Debug, Clone, Copy, PartialEq)]
struct IntervalStart {
    t: DateTime<Utc>,
    hr: u16,
    signal: bool,
}

/// One RR interval in the rolling window; `run` numbers the runs of adjacent beats.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Beat {
    t: DateTime<Utc>,
    ms: f64,
    run: u32,
}

/// The running numbers of one session.
#[derive(Debug, Clone)]
pub struct LiveNumbers {
    settings: LiveSettings,
    counting_from: Option<IntervalStart>,
    zone_time: [Duration; 5],
    paused: bool,
    beats: VecDeque<Beat>,
    run: u32,
    rr_seen: bool,
    first_t: Option<DateTime<Utc>>,
    last_t: Option<DateTime<Utc>>,
    readings: u64,
    dfa: LiveDfa,
    alpha1_latest: Option<DfaWindow>,
    alpha1_new: Vec<DfaWindow>,
}

impl LiveNumbers {
    /// A session with nothing received yet.
    pub fn new(settings: LiveSettings) -> Self {
        let dfa = LiveDfa::new(&DfaOptions {
            step: settings.alpha1_step,
            max_gap: settings.max_gap,
            ..DfaOptions::default()
        });
        LiveNumbers {
            settings,
            dfa,
            alpha1_latest: None,
            alpha1_new: Vec::new(),
            counting_from: None,
            zone_time: [Duration::ZERO; 5],
            paused: false,
            beats: VecDeque::new(),
            run: 0,
            rr_seen: false,
            first_t: None,
            last_t: None,
            readings: 0,
        }
    }

    /// The settings the session started with.
    pub fn settings(&self) -> &LiveSettings {
        &self.settings
    }

    /// A reading arrived.
    pub fn reading(&mut self, r: &Reading) {
        let signal = has_signal(r, self.settings.plausible);
        self.collect_rr(r, signal);
        if !self.paused {
            if let Some(start) = self.counting_from {
                self.count(start, r.t);
            }
            self.counting_from = Some(IntervalStart {
                t: r.t,
                hr: r.hr,
                signal,
            });
        }
        self.first_t.get_or_insert(r.t);
        self.last_t = Some(r.t);
        self.readings += 1;
        self.alpha1_new = self.dfa.push(r);
        if let Some(w) = self.alpha1_new.last() {
            self.alpha1_latest = Some(w.clone());
        }
    }

    /// The latest DFA alpha1 window (the last 120 s of RR at its end), once one exists.
    pub fn alpha1(&self) -> Option<&DfaWindow> {
        self.alpha1_latest.as_ref()
    }

    /// The alpha1 windows the latest reading completed (usually none, sometimes one).
    pub fn new_alpha1_windows(&self) -> &[DfaWindow] {
        &self.alpha1_new
    }

    /// The link was lost or came back: no beat is adjacent across it.
    pub fn link_changed(&mut self) {
        self.break_run();
    }

    /// Pause: from now on nothing counts, and the interval running now is dropped.
    pub fn pause(&mut self) {
        self.paused = true;
        self.counting_from = None;
    }

    /// Resume counting (from the next reading).
    pub fn resume(&mut self) {
        self.paused = false;
        self.counting_from = None;
    }

    /// Whether the session is paused.
    pub fn paused(&self) -> bool {
        self.paused
    }

    /// Time counted in each zone (not paused, no gaps, with a signal).
    pub fn time_in_zones(&self) -> PerZone<Duration> {
        PerZone::from_fn(|z| self.zone_time[z.index()])
    }

    /// Time in all zones together.
    pub fn active_time(&self) -> Duration {
        self.zone_time.iter().sum()
    }

    /// This session's moderate-equivalent minutes: moderate + 2 x (vigorous + near max)
    /// (WHO 2020 and the US guidelines: a vigorous minute counts twice, docs/science.md §4).
    pub fn moderate_equivalent_min(&self) -> f64 {
        let z = self.time_in_zones();
        (z.moderate.as_secs_f64() + 2.0 * (z.vigorous + z.near_max).as_secs_f64()) / 60.0
    }

    /// The week's moderate-equivalent minutes including this session so far.
    pub fn week_total_min(&self) -> f64 {
        self.settings.week_minutes_before + self.moderate_equivalent_min()
    }

    /// The week's total as a share of [`WEEK_GOAL_MIN`] (1.0 = reached).
    pub fn week_progress(&self) -> f64 {
        self.week_total_min() / WEEK_GOAL_MIN
    }

    /// RMSSD (ms) over the RR intervals of the last [`RR_WINDOW`], each run corrected as the
    /// morning check corrects (Lipponen & Tarvainen 2019), successive differences only between
    /// adjacent recorded beats of one run. `None` until [`RR_MIN_PAIRS`] differences are in.
    pub fn rmssd_ms(&self) -> Option<f64> {
        let mut sum = 0.0;
        let mut pairs = 0usize;
        let mut start = 0;
        while start < self.beats.len() {
            let run = self.beats[start].run;
            let end = (start..self.beats.len())
                .find(|&i| self.beats[i].run != run)
                .unwrap_or(self.beats.len());
            let ms: Vec<f64> = self.beats.range(start..end).map(|b| b.ms).collect();
            let corrected = correct_rr(&ms);
            let recorded = corrected.recorded_pairs();
            for (pair, &adjacent) in corrected.nn_ms.windows(2).zip(&recorded) {
                if adjacent {
                    let d = pair[1] - pair[0];
                    sum += d * d;
                    pairs += 1;
                }
            }
            start = end;
        }
        (pairs >= RR_MIN_PAIRS).then(|| (sum / pairs as f64).sqrt())
    }

    /// Whether any reading so far carried RR intervals.
    pub fn rr_seen(&self) -> bool {
        self.rr_seen
    }

    /// Readings received.
    pub fn readings(&self) -> u64 {
        self.readings
    }

    /// The first reading's time.
    pub fn first_reading_t(&self) -> Option<DateTime<Utc>> {
        self.first_t
    }

    /// The latest reading's time.
    pub fn last_reading_t(&self) -> Option<DateTime<Utc>> {
        self.last_t
    }

    /// Reading time from the first reading to the latest (the session's own clock, also in a
    /// fast replay).
    pub fn reading_time(&self) -> Duration {
        match (self.first_t, self.last_t) {
            (Some(first), Some(last)) => (last - first).to_std().unwrap_or_default(),
            _ => Duration::ZERO,
        }
    }

    /// Counts the interval from `start` to `end` in the zone of `start`'s heart rate.
    fn count(&mut self, start: IntervalStart, end: DateTime<Utc>) {
        let Ok(dt) = (end - start.t).to_std() else {
            return;
        };
        if let Some(zones) = self.settings.zones.as_ref() {
            if start.signal && dt <= self.settings.max_gap {
                let zone = zones.zone_of(f64::from(start.hr));
                self.zone_time[zone.index()] += dt;
            }
        }
    }

    fn collect_rr(&mut self, r: &Reading, signal: bool) {
        let late = self
            .last_t
            .is_some_and(|prev| (r.t - prev).to_std().map_or(true, |dt| dt > RUN_BREAK));
        if !signal || late {
            self.break_run();
        }
        if signal {
            self.rr_seen |= !r.rr.is_empty();
            for rr in &r.rr {
                self.beats.push_back(Beat {
                    t: r.t,
                    ms: rr.ms(),
                    run: self.run,
                });
            }
        }
        while self
            .beats
            .front()
            .is_some_and(|b| (r.t - b.t).to_std().is_ok_and(|age| age > RR_WINDOW))
        {
            self.beats.pop_front();
        }
    }

    fn break_run(&mut self) {
        self.run = self.run.wrapping_add(1);
    }
}

/// How the current zone stands against the target zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetCue {
    /// Harder than the target: a gentle "ease off" with the talk test of the target zone.
    Above(&'static str),
    /// In the target zone.
    OnTarget,
    /// Easier than the target: "pick it up" with the talk test of the target zone.
    Below(&'static str),
}

/// The cue for being in `current` when aiming for `target`, in the talk test's words (CDC;
/// ACSM, docs/science.md §1).
pub fn target_cue(current: TalkZone, target: TalkZone) -> TargetCue {
    use std::cmp::Ordering;
    match current.cmp(&target) {
        Ordering::Equal => TargetCue::OnTarget,
        Ordering::Greater => TargetCue::Above(match target {
            TalkZone::VeryLight => "ease off: you should be able to chat easily",
            TalkZone::Light => "ease off: you should be able to sing",
            TalkZone::Moderate => "ease off: you should be able to talk in full sentences",
            TalkZone::Vigorous | TalkZone::NearMax => {
                "ease off: you should still manage a few words"
            }
        }),
        Ordering::Less => TargetCue::Below(match target {
            TalkZone::VeryLight | TalkZone::Light => {
                "pick it up a little: breathe a bit harder, you should still be able to sing"
            }
            TalkZone::Moderate => "pick it up a little: you should find singing hard",
            TalkZone::Vigorous => "pick it up a little: you should manage only a few words",
            TalkZone::NearMax => "pick it up: you should not be able to talk",
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::physiology::zones::ZoneModel;
    use crate::reading::{Contact, RrInterval, Source};
    use chrono::{TimeDelta, TimeZone};

    /// HRmax 180, ACSM %HRmax: light 102.6, moderate 115.2, vigorous 138.6, near max 172.8.
    pub(crate) fn zones() -> ZoneTable {
        ZoneTable {
            model: ZoneModel::HrMax,
            max_hr: 180.0,
            max_hr_source: "test".into(),
            resting_hr: None,
            resting_hr_source: None,
            min_bpm: [0.0, 102.6, 115.2, 138.6, 172.8],
        }
    }

    fn numbers() -> LiveNumbers {
        LiveNumbers::new(LiveSettings {
            zones: Some(zones()),
            max_gap: Duration::from_secs(10),
            week_minutes_before: 100.0,
            plausible: PlausibleHr::DEFAULT,
            alpha1_step: crate::physiology::dfa::STEP,
        })
    }

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 7, 0, 0).unwrap()
    }

    fn reading_with(ms: i64, hr: u16, contact: Contact, rr: Vec<u16>) -> Reading {
        Reading {
            t: t0() + TimeDelta::milliseconds(ms),
            hr,
            contact,
            energy_kj: None,
            rr: rr.into_iter().map(RrInterval::Ticks).collect(),
            source: Source::Simulator,
        }
    }

    fn reading(ms: i64, hr: u16) -> Reading {
        reading_with(ms, hr, Contact::Detected, vec![])
    }

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    fn feed(n: &mut LiveNumbers, readings: impl IntoIterator<Item = Reading>) {
        for r in readings {
            n.reading(&r);
        }
    }

    #[test]
    fn zone_time_follows_the_reading_intervals() {
        let mut n = numbers();
        // Readings at 0..59 s moderate, 60..=90 s vigorous.
        feed(&mut n, (0..60).map(|s| reading(s * 1000, 120)));
        feed(&mut n, (60..=90).map(|s| reading(s * 1000, 150)));
        // The last vigorous reading stands for the second up to this one.
        n.reading(&reading(91_000, 150));
        let z = n.time_in_zones();
        assert_eq!(z.moderate, secs(60));
        assert_eq!(z.vigorous, secs(31));
        assert_eq!(n.active_time(), secs(91));
        // (60 + 2 x 31) s = 122 s.
        assert!((n.moderate_equivalent_min() - 122.0 / 60.0).abs() < 1e-12);
        assert!((n.week_total_min() - (100.0 + 122.0 / 60.0)).abs() < 1e-12);
        assert!((n.week_progress() - (100.0 + 122.0 / 60.0) / 150.0).abs() < 1e-12);
        assert_eq!(n.reading_time(), secs(91));
        assert_eq!(n.readings(), 92);
    }

    #[test]
    fn gaps_and_readings_without_signal_count_nothing() {
        let mut n = numbers();
        feed(
            &mut n,
            [
                // Each comment is about the interval the reading closes.
                reading(0, 120),
                reading(5_000, 120),  // 5 s moderate
                reading(16_000, 120), // 11 s > max_gap: a gap
                reading(17_000, 0),   // 1 s moderate
                reading(18_000, 120), // opened by HR 0: nothing
                reading_with(19_000, 120, Contact::NotDetected, vec![]), // 1 s moderate
                reading(20_000, 120), // opened without contact: nothing
                reading_with(21_000, 120, Contact::NotSupported, vec![]), // 1 s moderate
                reading(22_000, 120), // opened by "not supported": counts, 1 s
            ],
        );
        assert_eq!(n.time_in_zones().moderate, secs(9));
        assert_eq!(n.active_time(), secs(9));
        // Exactly at max_gap still counts.
        n.reading(&reading(32_000, 120));
        assert_eq!(n.active_time(), secs(19));
    }

    #[test]
    fn implausible_heart_rates_count_nothing() {
        let mut n = numbers();
        feed(
            &mut n,
            [
                reading(0, 120),
                reading(1_000, 65_535), // 1 s moderate
                reading(2_000, 120),    // opened by 65535: nothing
                reading(3_000, 120),    // 1 s moderate
            ],
        );
        assert_eq!(n.active_time(), secs(2));
        assert_eq!(n.time_in_zones().near_max, Duration::ZERO);
    }

    #[test]
    fn paused_time_counts_nothing() {
        let mut n = numbers();
        feed(&mut n, (0..=10).map(|s| reading(s * 1000, 120)));
        n.pause();
        assert!(n.paused());
        feed(&mut n, (11..=20).map(|s| reading(s * 1000, 150)));
        n.resume();
        assert!(!n.paused());
        feed(&mut n, (21..=30).map(|s| reading(s * 1000, 120)));
        let z = n.time_in_zones();
        // 0..10 s and 21..30 s; the intervals across the switches are dropped.
        assert_eq!(z.moderate, secs(19));
        assert_eq!(z.vigorous, Duration::ZERO);
    }

    /// The alternating series 1024, 1044 (1/1024 s) has every successive difference 20 raw
    /// units = 19.53125 ms, so its RMSSD is 19.53125 ms exactly.
    #[test]
    fn rmssd_on_a_hand_checkable_series() {
        let mut n = numbers();
        let mut ms = 0;
        let mut send = |n: &mut LiveNumbers, rr: Vec<u16>| {
            n.reading(&reading_with(ms, 60, Contact::Detected, rr));
            ms += 1000;
        };
        // 5 readings x 2 beats: 10 beats, 9 differences: not enough yet.
        for _ in 0..5 {
            send(&mut n, vec![1024, 1044]);
        }
        assert!(n.rr_seen());
        assert_eq!(n.rmssd_ms(), None);
        send(&mut n, vec![1024]);
        let rmssd = n.rmssd_ms().unwrap();
        assert!((rmssd - 19.53125).abs() < 1e-9, "{rmssd}");

        // An ectopic-looking 1400 (+34 % on its neighbours): corrected by the morning check's
        // rule, and both differences around it are left out (it is not a recorded value).
        send(&mut n, vec![1400, 1044]);
        let rmssd = n.rmssd_ms().unwrap();
        assert!((rmssd - 19.53125).abs() < 1e-9, "{rmssd}");

        // 250 raw = 244 ms is an artifact: 1044 -> 1084 is not a pair of recorded beats.
        // 1084 -> 1044 is (40 raw), and 1044 -> 1024 (20 raw): 11 x 20 and 1 x 40 in all.
        send(&mut n, vec![250, 1084, 1044, 1024]);
        let raw = (11.0 * 400.0 + 1600.0) / 12.0;
        let expected = f64::sqrt(raw) * 1000.0 / 1024.0;
        let rmssd = n.rmssd_ms().unwrap();
        assert!((rmssd - expected).abs() < 1e-9, "{rmssd} vs {expected}");
    }

    #[test]
    fn rmssd_window_and_runs() {
        let mut n = numbers();
        for s in 0..12 {
            n.reading(&reading_with(
                s * 1000,
                60,
                Contact::Detected,
                vec![1024, 1044],
            ));
        }
        assert!(n.rmssd_ms().is_some());
        // A link change breaks the run: the next beats are not differenced with the old ones.
        n.link_changed();
        // Over a minute later every old beat has left the window: 1 difference only.
        n.reading(&reading_with(
            80_000,
            60,
            Contact::Detected,
            vec![1024, 1044],
        ));
        assert_eq!(n.rmssd_ms(), None);
        // Two runs of 6 beats each (a late reading breaks the run): 5 + 5 differences.
        let mut n = numbers();
        for s in [0, 1, 2, 10, 11, 12] {
            n.reading(&reading_with(
                s * 1000,
                60,
                Contact::Detected,
                vec![1024, 1044],
            ));
        }
        let rmssd = n.rmssd_ms().unwrap();
        assert!((rmssd - 19.53125).abs() < 1e-9, "{rmssd}");
    }

    #[test]
    fn target_cues_above_and_below() {
        assert_eq!(
            target_cue(TalkZone::Vigorous, TalkZone::Moderate),
            TargetCue::Above("ease off: you should be able to talk in full sentences")
        );
        assert_eq!(
            target_cue(TalkZone::Light, TalkZone::Moderate),
            TargetCue::Below("pick it up a little: you should find singing hard")
        );
        assert_eq!(
            target_cue(TalkZone::Moderate, TalkZone::Moderate),
            TargetCue::OnTarget
        );
        assert_eq!(
            target_cue(TalkZone::Light, TalkZone::Vigorous),
            TargetCue::Below("pick it up a little: you should manage only a few words")
        );
        assert!(matches!(
            target_cue(TalkZone::NearMax, TalkZone::Vigorous),
            TargetCue::Above(_)
        ));
    }
}
