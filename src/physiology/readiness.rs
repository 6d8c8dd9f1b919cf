//! Readiness: this morning's verdict from the resting-HR and HRV trend, the training load and
//! how the person feels, with its reasons and advice in plain words.
//!
//! Owns the signals, the rules that combine them into a verdict, and the words. Pure: a
//! [`Trend`] (see [`crate::physiology::baseline`]), per-day loads, hard dates and today's
//! answers come in; no clock, no disk.
//!
//! Sources (docs/science.md; the rule, how it was chosen and its measured false-alarm rates:
//! §12; the signals and the verdict: §18):
//! - §5: weekly averages carry the signal, single days mean little (Plews 2013; Buchheit 2014);
//!   overreaching raises morning HR (Dressendorfer 1985: +10 bpm when runners doubled their
//!   mileage; Bosquet 2008 meta-analysis: a moderate rise, SMD 0.55) and lowers the 7-day
//!   lnRMSSD (Plews 2012); no single marker diagnoses overtraining (Meeusen 2013 consensus):
//!   combine resting HR, HRV, training load and how the person feels;
//! - §7: the acute:chronic workload ratio (Gabbett 2016: >= 1.5 "danger"), heavily criticised
//!   (Lolli 2019; Impellizzeri 2020): one input only, and the person is told so.
//!
//! # Signals
//! The week's means are taken as [`crate::physiology::baseline::WeekMean`] takes them (the
//! extreme morning left out when it is an outlier), and held against the band of
//! [`crate::physiology::baseline::NormalRange`] (as wide as a stable person's week mean
//! scatters, never narrower than the marker's resolution or the smallest worthwhile change;
//! docs/science.md §12):
//! - `rhr_elevated`: the week's resting-HR mean is above the band;
//! - `rhr_trending_up`: the 14-day slope is above [`ReadinessConfig::rhr_slope_bpm_per_week`]
//!   AND the week's mean is at least [`ReadinessConfig::rhr_rise_bpm`] above the range's mean
//!   (a slope alone can come from noise or from a low week recovering);
//! - `hrv_suppressed`: the week's lnRMSSD mean is below the band;
//! - `load_spike`: 7-day load / average weekly load over 28 days >= the threshold;
//! - `hard_days_in_a_row`: 2 or more consecutive hard days ending today or yesterday;
//! - `poor_sleep`, `sore`, `ill`, `workout_felt_harder`: today's answers.
//!
//! A bad morning far off (more than `morning.outlier_sd` SDs beyond the rest of its week) is
//! left out of the week's mean, so ALONE IT NEVER RAISES A PHYSIOLOGICAL SIGNAL, however bad;
//! one nearer moves a 7-morning mean by at most `outlier_sd / 7` SDs. Range-based signals need a
//! normal range (14 checks, see [`crate::physiology::baseline`]) and a 7-day mean (3 checks in
//! 7 days); until then they are silent, the reasons say why and [`unjudged`] says it first.
//!
//! # Verdict rules
//! Resting HR and HRV are the two physiological MARKERS; `rhr_elevated` and `rhr_trending_up`
//! both read resting HR, so together they count as ONE marker (Meeusen 2013 asks for different
//! markers to agree, not one marker twice).
//! - `scale_back`: both markers with one of them far out (at least
//!   [`ReadinessConfig::scale_back_far_sd`] SDs of a stable week's mean beyond the range's
//!   mean: two markers just over their bands together happen by chance, docs/science.md §12);
//!   or a marker (or both, not far out) plus `ill`, `load_spike`, or at least
//!   [`ReadinessConfig::wellness_flags_for_scale_back`] (2) of `poor_sleep`, `sore`,
//!   `workout_felt_harder`;
//! - `take_it_easy`: any other signal (one marker alone, or both not far out; `ill` alone, with
//!   "rest when ill" and "see a professional if it persists"; a load spike; hard days in a row;
//!   one or more wellness flags);
//! - `ready`: no signal.

use std::collections::BTreeSet;

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::physiology::baseline::{
    NormalRange, Trend, TrendToday, WeekMean, MIN_WINDOW_CHECKS, WINDOW_DAYS,
};

/// Days in the acute load window (Gabbett 2016).
pub const ACUTE_DAYS: u64 = 7;
/// Days in the chronic load window (Gabbett 2016); its sum / 4 is the average weekly load.
pub const CHRONIC_DAYS: u64 = 28;

/// Every threshold of the readiness rules, with its source; the lead exposes them in
/// config.toml.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReadinessConfig {
    /// `rhr_trending_up` needs a 14-day resting-HR slope above this, bpm per week (default
    /// 2.0). The product's rule, chosen on the readiness evaluation (docs/science.md §12):
    /// §5 gives the size of overload rises (Dressendorfer 1985: +10 bpm over weeks of doubled
    /// mileage; Bosquet 2008: moderate) but no rate of rise.
    pub rhr_slope_bpm_per_week: f64,
    /// `rhr_trending_up` also needs the week's mean at least this far above the range mean,
    /// bpm (default 1.0, the resolution of resting HR): a real rise, not a recovery from a low
    /// week. The product's rule (docs/science.md §12).
    pub rhr_rise_bpm: f64,
    /// `scale_back` on the two markers needs one of them at least this far beyond the range's
    /// mean, in SDs of a stable week's mean ([`NormalRange::mean_sd`]; default 3.5, about 1 in
    /// 4,000 by chance). Two markers just over their bands on the same day happen by chance
    /// often enough to tell a stable person to stop training once a season; chosen on the
    /// readiness evaluation (docs/science.md §12).
    pub scale_back_far_sd: f64,
    /// `load_spike` at an acute:chronic ratio at or above this (default 1.5, Gabbett 2016's
    /// "danger" zone; heavily criticised: Lolli 2019, Impellizzeri 2020).
    pub acute_chronic_spike: f64,
    /// `hard_days_in_a_row` at this many consecutive hard days (default 2: "rotate hard and
    /// easy days"; values below 1 act as 1).
    pub hard_days_in_a_row: usize,
    /// `poor_sleep` when sleep quality (1 = very poor .. 5 = very good) is at most this
    /// (default 2).
    pub poor_sleep_at_most: u8,
    /// `sore` when soreness (1 = none .. 5 = very sore) is at least this (default 4).
    pub sore_at_least: u8,
    /// Wellness flags (`poor_sleep`, `sore`, `workout_felt_harder`) that, with one
    /// physiological marker, give `scale_back` (default 2). Meeusen 2013: combine the markers
    /// with how the person feels.
    pub wellness_flags_for_scale_back: usize,
}

impl Default for ReadinessConfig {
    fn default() -> Self {
        ReadinessConfig {
            rhr_slope_bpm_per_week: 2.0,
            rhr_rise_bpm: 1.0,
            scale_back_far_sd: 3.5,
            acute_chronic_spike: 1.5,
            hard_days_in_a_row: 2,
            poor_sleep_at_most: 2,
            sore_at_least: 4,
            wellness_flags_for_scale_back: 2,
        }
    }
}

/// Training load around today.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LoadInput<'a> {
    /// Load per day (Banister TRIMP, [`crate::physiology::load`]), any order; several entries
    /// for one date add up; days without training may be left out (they count as 0). Pass at
    /// least 28 days: without an entry dated 27 or more days before today, the chronic window
    /// is not covered and no ratio is given (a new user's first weeks are not a spike).
    /// Non-finite or negative loads are ignored.
    pub daily: &'a [(NaiveDate, f64)],
    /// Hard days ([`crate::physiology::week::is_hard_day`]), any order, duplicates allowed.
    pub hard_days: &'a [NaiveDate],
}

/// Today's answers, all optional.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Wellness {
    /// 1 (very poor) to 5 (very good).
    pub sleep_quality: Option<u8>,
    /// 1 (none) to 5 (very sore).
    pub soreness: Option<u8>,
    pub ill: bool,
    /// The last workout felt harder than usual at the same pace or power.
    pub workout_felt_harder: bool,
}

/// What a signal is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignalId {
    RhrElevated,
    RhrTrendingUp,
    HrvSuppressed,
    LoadSpike,
    HardDaysInARow,
    PoorSleep,
    Sore,
    Ill,
    WorkoutFeltHarder,
}

impl SignalId {
    /// The id used in JSON.
    pub fn id(self) -> &'static str {
        match self {
            SignalId::RhrElevated => "rhr_elevated",
            SignalId::RhrTrendingUp => "rhr_trending_up",
            SignalId::HrvSuppressed => "hrv_suppressed",
            SignalId::LoadSpike => "load_spike",
            SignalId::HardDaysInARow => "hard_days_in_a_row",
            SignalId::PoorSleep => "poor_sleep",
            SignalId::Sore => "sore",
            SignalId::Ill => "ill",
            SignalId::WorkoutFeltHarder => "workout_felt_harder",
        }
    }

    /// A resting-HR or HRV signal.
    pub fn is_physiological(self) -> bool {
        matches!(
            self,
            SignalId::RhrElevated | SignalId::RhrTrendingUp | SignalId::HrvSuppressed
        )
    }

    fn is_wellness_flag(self) -> bool {
        matches!(
            self,
            SignalId::PoorSleep | SignalId::Sore | SignalId::WorkoutFeltHarder
        )
    }
}

/// One signal with what it saw, in plain words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Signal {
    pub id: SignalId,
    pub detail: String,
}

/// The morning verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Ready,
    TakeItEasy,
    ScaleBack,
}

impl Verdict {
    /// The id used in JSON.
    pub fn id(self) -> &'static str {
        match self {
            Verdict::Ready => "ready",
            Verdict::TakeItEasy => "take_it_easy",
            Verdict::ScaleBack => "scale_back",
        }
    }
}

/// The verdict with its signals, reasons and advice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Readiness {
    pub verdict: Verdict,
    pub signals: Vec<Signal>,
    /// Why this verdict, in plain words: the rule that applied, then each signal's detail,
    /// then what could not be judged yet.
    pub reasons: Vec<String>,
    pub advice: Vec<String>,
}

const ADVICE_ROTATE: &str = "rotate hard and easy days";
const ADVICE_LONG: &str = "keep long sessions occasional";
const ADVICE_SLEEP: &str = "protect your sleep";
const ADVICE_EAT: &str = "eat enough to cover your training";
const ADVICE_EASY: &str =
    "keep today easy: a session where you can talk in full sentences, or rest";
const ADVICE_SCALE_BACK: &str = "scale back for a few days: easy sessions where you can talk \
     comfortably, or rest, until your morning numbers are back in your normal range";
const ADVICE_ILL_REST: &str = "rest when ill: no hard training";
const ADVICE_ILL_SEE: &str = "see a professional if it persists";
const ADVICE_PERSISTS: &str =
    "if the signs last more than a week or two despite easier training, see a professional";

/// This morning's readiness as of `trend.today.date`.
pub fn readiness(
    trend: &Trend,
    load: &LoadInput,
    wellness: Option<&Wellness>,
    cfg: &ReadinessConfig,
) -> Readiness {
    let today = trend.today.date;
    let mut signals = physiological_signals(trend, cfg);
    signals.extend(load_signals(load, today, cfg));
    if let Some(w) = wellness {
        signals.extend(wellness_signals(w, cfg));
    }

    let has = |id: SignalId| signals.iter().any(|s| s.id == id);
    let rhr_marker = has(SignalId::RhrElevated) || has(SignalId::RhrTrendingUp);
    let hrv_marker = has(SignalId::HrvSuppressed);
    let markers = usize::from(rhr_marker) + usize::from(hrv_marker);
    let far = far_out(&trend.today, cfg.scale_back_far_sd);
    let ill = has(SignalId::Ill);
    let load_spike = has(SignalId::LoadSpike);
    let wellness_flags = signals.iter().filter(|s| s.id.is_wellness_flag()).count();
    let enough_wellness = wellness_flags >= cfg.wellness_flags_for_scale_back.max(1);

    let marker_words = match (rhr_marker, hrv_marker) {
        (true, true) => "resting heart rate and HRV",
        (true, false) => "resting heart rate",
        _ => "HRV",
    };
    let (verdict, rule) = if markers >= 2 && far {
        (
            Verdict::ScaleBack,
            "resting heart rate and HRV both point to strain: two independent markers agree"
                .to_string(),
        )
    } else if markers >= 1 && (ill || load_spike || enough_wellness) {
        let mut with = Vec::new();
        if ill {
            with.push("you feel ill");
        }
        if load_spike {
            with.push("your training load jumped");
        }
        if enough_wellness {
            with.push("you report several signs of fatigue");
        }
        (
            Verdict::ScaleBack,
            format!(
                "{marker_words} {} to strain, and {}: together these call for a break",
                if markers >= 2 { "point" } else { "points" },
                with.join(" and ")
            ),
        )
    } else if markers >= 2 {
        (
            Verdict::TakeItEasy,
            "resting heart rate and HRV both point to strain, but neither is far outside your \
             normal range yet: an easy day, not yet a break (two markers just beyond their \
             bands happen together by chance now and then)"
                .to_string(),
        )
    } else if markers == 1 {
        (
            Verdict::TakeItEasy,
            format!(
                "{marker_words} points to strain, but nothing else does: one marker alone \
                 calls for an easy day, not a break (no single marker diagnoses overtraining)"
            ),
        )
    } else if ill {
        (
            Verdict::TakeItEasy,
            "you feel ill: rest, whatever the numbers say".to_string(),
        )
    } else if !signals.is_empty() {
        (
            Verdict::TakeItEasy,
            "your heart-rate numbers are in your normal range, but there is a sign worth an \
             easy day"
                .to_string(),
        )
    } else {
        (Verdict::Ready, ready_reason(trend))
    };

    let mut reasons = vec![rule];
    reasons.extend(signals.iter().map(|s| s.detail.clone()));
    reasons.extend(not_judged(trend));

    let mut advice: Vec<&str> = Vec::new();
    if ill {
        advice.extend([ADVICE_ILL_REST, ADVICE_ILL_SEE]);
    }
    match verdict {
        Verdict::Ready => advice.extend([ADVICE_ROTATE, ADVICE_LONG, ADVICE_SLEEP, ADVICE_EAT]),
        Verdict::TakeItEasy => {
            advice.extend([ADVICE_EASY, ADVICE_ROTATE, ADVICE_SLEEP, ADVICE_EAT]);
        }
        Verdict::ScaleBack => {
            advice.extend([ADVICE_SCALE_BACK, ADVICE_LONG, ADVICE_SLEEP, ADVICE_EAT]);
            if !ill {
                advice.push(ADVICE_PERSISTS);
            }
        }
    }
    Readiness {
        verdict,
        signals,
        reasons,
        advice: advice.into_iter().map(String::from).collect(),
    }
}

/// What keeps resting HR and HRV from being judged today, in words for the first line of the
/// verdict (instead of "ready", which would claim more than was checked); `None` when they can
/// be judged. A missing week first (a check today is what helps), then a missing baseline
/// (docs/science.md §18).
pub fn unjudged(t: &TrendToday) -> Option<String> {
    let n = t.window_checks;
    if n == 0 && t.baseline_days == 0 {
        Some(format!(
            "no morning check yet: readiness needs at least {MIN_WINDOW_CHECKS} a week"
        ))
    } else if n == 0 {
        Some(format!(
            "no morning check in the last {WINDOW_DAYS} days: readiness needs at least \
             {MIN_WINDOW_CHECKS} a week"
        ))
    } else if n < MIN_WINDOW_CHECKS {
        Some(format!(
            "only {n} morning check{} in the last {WINDOW_DAYS} days: readiness needs at least \
             {MIN_WINDOW_CHECKS} a week",
            if n == 1 { "" } else { "s" }
        ))
    } else if t.rhr_range.is_none() || t.ln_rmssd_range.is_none() {
        Some(format!(
            "building your baseline: {} of {} mornings: readiness compares your week with your \
             normal range once {} mornings lie before it",
            t.baseline_days, t.baseline_needed, t.baseline_needed
        ))
    } else {
        None
    }
}

fn ready_reason(trend: &Trend) -> String {
    let t = &trend.today;
    if t.rhr_range.is_some() && t.rhr_7d.is_some() {
        "resting heart rate and HRV are in your normal range, and nothing else stands out"
            .to_string()
    } else {
        "nothing stands out in what could be checked".to_string()
    }
}

/// What could not be judged yet, and why.
fn not_judged(trend: &Trend) -> Vec<String> {
    let t = &trend.today;
    let mut out = Vec::new();
    if let Some(status) = &t.baseline_status {
        out.push(format!(
            "{status}: resting heart rate and HRV are compared with your normal range once \
             {} mornings lie before the current week",
            t.baseline_needed
        ));
    }
    if t.rhr_7d.is_none() {
        out.push(format!(
            "only {} morning check{} in the last {WINDOW_DAYS} days: weekly averages need at \
             least 3 (Plews 2014)",
            t.window_checks,
            if t.window_checks == 1 { "" } else { "s" }
        ));
    }
    out
}

/// Whether one of the two markers lies at least `far_sd` SDs of a stable week's mean beyond
/// its range's mean (resting HR above, lnRMSSD below). Written as `beyond >= far_sd x mean_sd`
/// so that a range with SD 0 needs no division.
fn far_out(t: &TrendToday, far_sd: f64) -> bool {
    let far = |week: Option<WeekMean>, range: Option<NormalRange>, up: bool| match (week, range) {
        (Some(w), Some(r)) => {
            let beyond = if up { w.mean - r.mean } else { r.mean - w.mean };
            beyond >= far_sd * r.mean_sd
        }
        _ => false,
    };
    far(t.rhr_week, t.rhr_range, true) || far(t.ln_rmssd_week, t.ln_rmssd_range, false)
}

/// "over 6 mornings (one of 68.2 left out as an outlier)".
fn week_words(week: &WeekMean, decimals: usize) -> String {
    let left_out = week
        .left_out
        .map(|v| format!(" (one of {v:.decimals$} left out as a one-off)"))
        .unwrap_or_default();
    format!("over {} mornings{left_out}", week.mornings)
}

fn physiological_signals(trend: &Trend, cfg: &ReadinessConfig) -> Vec<Signal> {
    let t = &trend.today;
    let mut out = Vec::new();
    if let (Some(range), Some(week)) = (t.rhr_range, t.rhr_week) {
        let mean = week.mean;
        if mean > range.high {
            out.push(Signal {
                id: SignalId::RhrElevated,
                detail: format!(
                    "resting heart rate this week averages {mean:.1} bpm {}, above your normal \
                     band of {} for a week like this",
                    week_words(&week, 0),
                    bpm_range(&range)
                ),
            });
        }
        let rise = mean - range.mean;
        if let Some(slope) = t.slope_14d {
            if slope > cfg.rhr_slope_bpm_per_week && rise >= cfg.rhr_rise_bpm {
                out.push(Signal {
                    id: SignalId::RhrTrendingUp,
                    detail: format!(
                        "resting heart rate is rising: {slope:+.1} bpm a week over the last 14 \
                         days, and this week averages {rise:.1} bpm above your normal {:.1} bpm",
                        range.mean
                    ),
                });
            }
        }
    }
    if let (Some(range), Some(week)) = (t.ln_rmssd_range, t.ln_rmssd_week) {
        let mean = week.mean;
        if mean < range.low {
            out.push(Signal {
                id: SignalId::HrvSuppressed,
                detail: format!(
                    "HRV is low this week: lnRMSSD averages {mean:.2} (RMSSD about {:.0} ms) {}, \
                     below your normal band of {:.2}-{:.2} for a week like this",
                    mean.exp(),
                    week_words(&week, 2),
                    range.low,
                    range.high
                ),
            });
        }
    }
    out
}

fn bpm_range(range: &NormalRange) -> String {
    format!("{:.1}-{:.1} bpm", range.low, range.high)
}

/// The date `n` days before `date`, if representable.
fn days_before(date: NaiveDate, n: u64) -> Option<NaiveDate> {
    date.checked_sub_days(Days::new(n))
}

/// Sum of the valid loads dated `date - (days - 1)` ..= `date`.
fn load_over(daily: &[(NaiveDate, f64)], date: NaiveDate, days: u64) -> f64 {
    let first = days_before(date, days - 1).unwrap_or(NaiveDate::MIN);
    daily
        .iter()
        .filter(|(d, v)| (first..=date).contains(d) && v.is_finite() && *v >= 0.0)
        .map(|(_, v)| v)
        .sum()
}

fn load_signals(load: &LoadInput, today: NaiveDate, cfg: &ReadinessConfig) -> Vec<Signal> {
    let mut out = Vec::new();
    let covered = days_before(today, CHRONIC_DAYS - 1)
        .is_some_and(|start| load.daily.iter().any(|(d, _)| *d <= start));
    let acute = load_over(load.daily, today, ACUTE_DAYS);
    let chronic_weekly =
        load_over(load.daily, today, CHRONIC_DAYS) / (CHRONIC_DAYS / ACUTE_DAYS) as f64;
    if covered && chronic_weekly > 0.0 {
        let ratio = acute / chronic_weekly;
        if ratio >= cfg.acute_chronic_spike {
            out.push(Signal {
                id: SignalId::LoadSpike,
                detail: format!(
                    "training load over the last 7 days is {ratio:.1} x your weekly average over \
                     28 days (TRIMP {acute:.0} against {chronic_weekly:.0} a week). A ratio of \
                     {:.1} or more has been called a danger zone (Gabbett 2016), but the ratio is \
                     heavily criticised (Lolli 2019; Impellizzeri 2020), so it is only one input \
                     here",
                    cfg.acute_chronic_spike
                ),
            });
        }
    }

    let hard: BTreeSet<NaiveDate> = load.hard_days.iter().copied().collect();
    let end = if hard.contains(&today) {
        Some((today, "today"))
    } else {
        days_before(today, 1)
            .filter(|d| hard.contains(d))
            .map(|d| (d, "yesterday"))
    };
    if let Some((end, when)) = end {
        let run = std::iter::successors(Some(end), |d| d.pred_opt())
            .take_while(|d| hard.contains(d))
            .count();
        if run >= cfg.hard_days_in_a_row.max(1) {
            out.push(Signal {
                id: SignalId::HardDaysInARow,
                detail: format!(
                    "{run} hard day{} in a row up to {when}: rotate hard and easy days",
                    if run == 1 { "" } else { "s" }
                ),
            });
        }
    }
    out
}

fn wellness_signals(w: &Wellness, cfg: &ReadinessConfig) -> Vec<Signal> {
    let mut out = Vec::new();
    if let Some(q) = w.sleep_quality.filter(|&q| q <= cfg.poor_sleep_at_most) {
        out.push(Signal {
            id: SignalId::PoorSleep,
            detail: format!("you slept poorly ({q} of 5)"),
        });
    }
    if let Some(s) = w.soreness.filter(|&s| s >= cfg.sore_at_least) {
        out.push(Signal {
            id: SignalId::Sore,
            detail: format!("you feel sore ({s} of 5)"),
        });
    }
    if w.ill {
        out.push(Signal {
            id: SignalId::Ill,
            detail: "you feel ill".to_string(),
        });
    }
    if w.workout_felt_harder {
        out.push(Signal {
            id: SignalId::WorkoutFeltHarder,
            detail: "your last workout felt harder than usual at the same pace".to_string(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::physiology::baseline::{trend, BaselineConfig, DailyCheck};
    use proptest::prelude::*;

    /// Day `d` counted from 1 Jan 2025.
    fn day(d: i64) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 1, 1).unwrap() + chrono::Duration::days(d)
    }

    /// A fixed weekly wobble that sums to 0 over any 7 consecutive days.
    const WOBBLE: [f64; 7] = [0.0, 0.6, -0.4, 0.2, -0.6, 0.4, -0.2];

    /// `days` days of resting HR 55 and lnRMSSD 4.0 with the wobble (+-0.6 bpm, +-0.06).
    fn steady(days: i64) -> Vec<DailyCheck> {
        (0..days)
            .map(|d| DailyCheck {
                date: day(d),
                resting_hr: 55.0 + WOBBLE[d as usize % 7],
                ln_rmssd: 4.0 + WOBBLE[d as usize % 7] / 10.0,
            })
            .collect()
    }

    fn ids(r: &Readiness) -> Vec<&'static str> {
        r.signals.iter().map(|s| s.id.id()).collect()
    }

    fn judge(history: &[DailyCheck], today: i64, wellness: Option<&Wellness>) -> Readiness {
        let t = trend(history, day(today), &BaselineConfig::default());
        readiness(
            &t,
            &LoadInput::default(),
            wellness,
            &ReadinessConfig::default(),
        )
    }

    #[test]
    fn steady_is_ready() {
        let r = judge(&steady(60), 59, None);
        assert_eq!(r.verdict, Verdict::Ready, "{r:#?}");
        assert!(r.signals.is_empty());
        assert_eq!(
            r.reasons,
            vec![
                "resting heart rate and HRV are in your normal range, and nothing else stands out"
            ]
        );
        assert!(r.advice.iter().any(|a| a == ADVICE_ROTATE));
    }

    /// The last 10 days rise by 1 bpm a day (+1 .. +10).
    fn rising() -> Vec<DailyCheck> {
        let mut history = steady(60);
        for (i, c) in history[50..].iter_mut().enumerate() {
            c.resting_hr += (i + 1) as f64;
        }
        history
    }

    #[test]
    fn a_rise_of_1_bpm_a_day_is_one_marker_take_it_easy() {
        // Window days 53..=59 hold +4..+10: mean 62, 61.5 without the highest; the range
        // (days 0..=52, including +1..+3) tops out near 55.5. The 14-day slope is ~6 bpm a
        // week. Both resting-HR signals fire, but they read ONE marker: take_it_easy.
        let history = rising();
        let t = trend(&history, day(59), &BaselineConfig::default());
        assert!((t.today.rhr_7d.unwrap() - 62.0).abs() < 1e-9);
        assert!(
            (t.today.rhr_7d_without_highest.unwrap() - (62.0 * 7.0 - 65.0 - 0.2) / 6.0).abs()
                < 1e-9
        );
        assert!(t.today.slope_14d.unwrap() > 5.0);
        let r = judge(&history, 59, None);
        assert_eq!(ids(&r), vec!["rhr_elevated", "rhr_trending_up"]);
        assert_eq!(r.verdict, Verdict::TakeItEasy);
        assert!(r.reasons[0].starts_with("resting heart rate points to strain, but nothing else"));
        assert!(r.advice.iter().any(|a| a == ADVICE_EASY));
    }

    #[test]
    fn a_rise_with_suppressed_hrv_is_scale_back() {
        // The same rise, with lnRMSSD falling 0.05 a day: two markers agree.
        let mut history = rising();
        for (i, c) in history[50..].iter_mut().enumerate() {
            c.ln_rmssd -= 0.05 * (i + 1) as f64;
        }
        let r = judge(&history, 59, None);
        assert_eq!(
            ids(&r),
            vec!["rhr_elevated", "rhr_trending_up", "hrv_suppressed"]
        );
        assert_eq!(r.verdict, Verdict::ScaleBack);
        assert!(r.reasons[0].starts_with("resting heart rate and HRV both point"));
        assert!(r.advice.iter().any(|a| a == ADVICE_SCALE_BACK));
        assert!(r.advice.iter().any(|a| a == ADVICE_PERSISTS));
        // One marker plus two wellness flags is scale_back too.
        let r = judge(
            &rising(),
            59,
            Some(&Wellness {
                sleep_quality: Some(2),
                soreness: Some(4),
                ..Wellness::default()
            }),
        );
        assert_eq!(r.verdict, Verdict::ScaleBack);
        assert_eq!(
            ids(&r),
            vec!["rhr_elevated", "rhr_trending_up", "poor_sleep", "sore"]
        );
        // ...but one wellness flag is not.
        let r = judge(
            &rising(),
            59,
            Some(&Wellness {
                sleep_quality: Some(3),
                soreness: Some(4),
                ..Wellness::default()
            }),
        );
        assert_eq!(r.verdict, Verdict::TakeItEasy);
    }

    #[test]
    fn one_bad_morning_does_not_alarm() {
        // Today +15 bpm and lnRMSSD -0.5: the raw 7-day means leave the range (57.1 bpm),
        // but without that morning they do not, so no physiological signal.
        let mut history = steady(60);
        history[59].resting_hr += 15.0;
        history[59].ln_rmssd -= 0.5;
        let t = trend(&history, day(59), &BaselineConfig::default());
        let range = t.today.rhr_range.unwrap();
        assert!(t.today.rhr_7d.unwrap() > range.high);
        let r = judge(&history, 59, None);
        assert!(r.signals.is_empty(), "{r:#?}");
        assert_eq!(r.verdict, Verdict::Ready);
    }

    #[test]
    fn gaps_still_work() {
        // Every third day missing, and a 10-day hole: steady stays ready.
        let history: Vec<DailyCheck> = steady(90)
            .into_iter()
            .enumerate()
            .filter(|(d, _)| d % 3 != 2 && !(40..50).contains(d))
            .map(|(_, c)| c)
            .collect();
        let r = judge(&history, 89, None);
        assert_eq!(r.verdict, Verdict::Ready, "{r:#?}");
        // The rise on the same gappy history is still seen.
        let mut rising = history.clone();
        for c in rising.iter_mut().filter(|c| c.date >= day(80)) {
            c.resting_hr += (c.date - day(79)).num_days() as f64;
        }
        let r = judge(&rising, 89, None);
        assert_eq!(ids(&r), vec!["rhr_elevated", "rhr_trending_up"]);
        // Today inside a hole that covers the whole week: nothing to judge, no panic.
        let r = judge(&history, 49, None);
        assert_eq!(r.verdict, Verdict::Ready);
        assert!(r
            .reasons
            .iter()
            .any(|s| s.starts_with("only 0 morning checks in the last 7 days")));
    }

    #[test]
    fn building_baseline_gives_no_range_signals() {
        // 10 days, rising fast: no range yet, so no physiological signal.
        let history: Vec<DailyCheck> = steady(10)
            .into_iter()
            .enumerate()
            .map(|(d, mut c)| {
                c.resting_hr += 2.0 * d as f64;
                c
            })
            .collect();
        let r = judge(&history, 9, None);
        assert!(r.signals.is_empty());
        assert_eq!(r.verdict, Verdict::Ready);
        assert_eq!(r.reasons[0], "nothing stands out in what could be checked");
        assert!(
            r.reasons[1].starts_with("building baseline: 3 of 14 days"),
            "{:?}",
            r.reasons
        );
    }

    #[test]
    fn ill_alone_is_take_it_easy_with_a_professional() {
        let r = judge(
            &steady(60),
            59,
            Some(&Wellness {
                ill: true,
                ..Wellness::default()
            }),
        );
        assert_eq!(r.verdict, Verdict::TakeItEasy);
        assert_eq!(ids(&r), vec!["ill"]);
        assert_eq!(r.advice[0], "rest when ill: no hard training");
        assert_eq!(r.advice[1], "see a professional if it persists");
        // Ill with one marker: scale_back.
        let r = judge(
            &rising(),
            59,
            Some(&Wellness {
                ill: true,
                ..Wellness::default()
            }),
        );
        assert_eq!(r.verdict, Verdict::ScaleBack);
        assert!(r.reasons[0].contains("and you feel ill"));
    }

    #[test]
    fn single_wellness_flags_are_take_it_easy() {
        for w in [
            Wellness {
                sleep_quality: Some(1),
                ..Wellness::default()
            },
            Wellness {
                soreness: Some(5),
                ..Wellness::default()
            },
            Wellness {
                workout_felt_harder: true,
                ..Wellness::default()
            },
        ] {
            let r = judge(&steady(60), 59, Some(&w));
            assert_eq!(r.verdict, Verdict::TakeItEasy, "{w:?}");
            assert_eq!(r.signals.len(), 1);
        }
        // Two wellness flags without a marker: still take_it_easy.
        let w = Wellness {
            sleep_quality: Some(2),
            soreness: Some(4),
            ill: false,
            workout_felt_harder: true,
        };
        assert_eq!(
            judge(&steady(60), 59, Some(&w)).verdict,
            Verdict::TakeItEasy
        );
        // Good answers: ready.
        let w = Wellness {
            sleep_quality: Some(3),
            soreness: Some(3),
            ..Wellness::default()
        };
        assert_eq!(judge(&steady(60), 59, Some(&w)).verdict, Verdict::Ready);
    }

    #[test]
    fn load_spike_and_hard_days() {
        let t = trend(&steady(60), day(59), &BaselineConfig::default());
        let cfg = ReadinessConfig::default();
        // 100 a day for 21 days, then 200 a day for the last 7 (days 53..=59):
        // acute 1400, chronic (2100 + 1400) / 4 = 875 a week, ratio 1.6.
        let daily: Vec<(NaiveDate, f64)> = (32..60)
            .map(|d| (day(d), if d >= 53 { 200.0 } else { 100.0 }))
            .collect();
        let load = LoadInput {
            daily: &daily,
            hard_days: &[],
        };
        let r = readiness(&t, &load, None, &cfg);
        assert_eq!(ids(&r), vec!["load_spike"]);
        assert!(
            r.signals[0].detail.contains("1.6 x"),
            "{}",
            r.signals[0].detail
        );
        assert!(r.signals[0].detail.contains("heavily criticised"));
        assert_eq!(r.verdict, Verdict::TakeItEasy);
        // The same spike with a resting-HR marker: scale_back.
        let rising_trend = trend(&rising(), day(59), &BaselineConfig::default());
        let r = readiness(&rising_trend, &load, None, &cfg);
        assert_eq!(r.verdict, Verdict::ScaleBack);
        // Without 28 days of load record there is no ratio.
        let r = readiness(
            &t,
            &LoadInput {
                daily: &daily[1..],
                hard_days: &[],
            },
            None,
            &cfg,
        );
        assert!(r.signals.is_empty());
        // Steady load: ratio 1.0, nothing.
        let flat: Vec<(NaiveDate, f64)> = (0..60).map(|d| (day(d), 100.0)).collect();
        let flat_load = LoadInput {
            daily: &flat,
            hard_days: &[],
        };
        assert!(readiness(&t, &flat_load, None, &cfg).signals.is_empty());

        // Hard yesterday and the day before: a signal; hard only yesterday: none.
        let hard = [day(58), day(57), day(55), day(57)];
        let r = readiness(
            &t,
            &LoadInput {
                daily: &[],
                hard_days: &hard,
            },
            None,
            &cfg,
        );
        assert_eq!(ids(&r), vec!["hard_days_in_a_row"]);
        assert_eq!(
            r.signals[0].detail,
            "2 hard days in a row up to yesterday: rotate hard and easy days"
        );
        assert_eq!(r.verdict, Verdict::TakeItEasy);
        let r = readiness(
            &t,
            &LoadInput {
                daily: &[],
                hard_days: &[day(58), day(56)],
            },
            None,
            &cfg,
        );
        assert!(r.signals.is_empty());
        let r = readiness(
            &t,
            &LoadInput {
                daily: &[],
                hard_days: &[day(59), day(58), day(57)],
            },
            None,
            &cfg,
        );
        assert!(r.signals[0]
            .detail
            .starts_with("3 hard days in a row up to today"));
    }

    #[test]
    fn json_shape() {
        let r = judge(
            &rising(),
            59,
            Some(&Wellness {
                ill: true,
                ..Wellness::default()
            }),
        );
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["verdict"], "scale_back");
        assert_eq!(json["signals"][0]["id"], "rhr_elevated");
        assert!(json["signals"][0]["detail"].is_string());
        assert!(json["reasons"][0].is_string());
        assert!(json["advice"][0].is_string());
        let keys: Vec<&String> = json.as_object().unwrap().keys().collect();
        assert_eq!(keys.len(), 4);
        for id in [SignalId::HardDaysInARow, SignalId::WorkoutFeltHarder] {
            assert_eq!(serde_json::to_value(id).unwrap(), id.id());
        }
        assert_eq!(
            serde_json::to_value(Verdict::TakeItEasy).unwrap(),
            "take_it_easy"
        );
    }

    /// 14 range days (days 0..=13) alternating resting HR 55 -+ `rhr_step` and lnRMSSD
    /// 4.0 -+ `ln_step`, then 7 mornings (days 14..=20) at 55 + `rise` and 4.0 - `fall`.
    fn range_then_week(rhr_step: f64, ln_step: f64, rise: f64, fall: f64) -> Vec<DailyCheck> {
        let sign = |d: i64| if d % 2 == 0 { -1.0 } else { 1.0 };
        (0..21)
            .map(|d| DailyCheck {
                date: day(d),
                resting_hr: if d < 14 {
                    55.0 + sign(d) * rhr_step
                } else {
                    55.0 + rise
                },
                ln_rmssd: if d < 14 {
                    4.0 + sign(d) * ln_step
                } else {
                    4.0 - fall
                },
            })
            .collect()
    }

    #[test]
    fn two_markers_just_over_their_bands_are_an_easy_day_far_out_a_break() {
        // Range SDs 1 x sqrt(14/13) = 1.037749 bpm and 0.103775; for a 7-morning mean against
        // 14 range days a stable week's mean scatters with SD x sqrt(1/7 + 1/14) = 0.480384 bpm
        // and 0.048038. Bands: t(2.2, 13 df) 2.476091 x 0.480384 = 1.189 bpm and t(2.0, 13)
        // 2.211730 x 0.048038 = 0.1062.
        // +1.3 bpm (2.71 of those SDs) and -0.11 (2.29): both markers, neither far out.
        let r = judge(&range_then_week(1.0, 0.1, 1.3, 0.11), 20, None);
        assert!(ids(&r).contains(&"rhr_elevated") && ids(&r).contains(&"hrv_suppressed"));
        assert_eq!(r.verdict, Verdict::TakeItEasy, "{r:#?}");
        assert!(
            r.reasons[0].contains("neither is far outside"),
            "{}",
            r.reasons[0]
        );
        // With two wellness flags it is a break after all.
        let tired = Wellness {
            sleep_quality: Some(2),
            soreness: Some(4),
            ..Wellness::default()
        };
        let r = judge(&range_then_week(1.0, 0.1, 1.3, 0.11), 20, Some(&tired));
        assert_eq!(r.verdict, Verdict::ScaleBack);
        assert!(r.reasons[0].starts_with("resting heart rate and HRV point to strain, and"));
        // +1.7 bpm is 3.54 SDs of a stable week's mean: at least 3.5, scale_back.
        let r = judge(&range_then_week(1.0, 0.1, 1.7, 0.11), 20, None);
        assert_eq!(r.verdict, Verdict::ScaleBack, "{r:#?}");
        // And so is -0.17 lnRMSSD (3.54) with resting HR just over.
        let r = judge(&range_then_week(1.0, 0.1, 1.3, 0.17), 20, None);
        assert_eq!(r.verdict, Verdict::ScaleBack, "{r:#?}");
    }

    #[test]
    fn a_very_quiet_person_is_not_told_hrv_is_low_on_two_percent() {
        // The quiet history: lnRMSSD SD 0.03 x sqrt(14/13) = 0.0311. Its statistical
        // band would be 2.211730 x 0.0311 x 0.462910 = 0.0319 either side; the 0.05 floor
        // makes it 3.95-4.05. A week 0.03 lower (RMSSD 3 % lower) is inside it; the rule
        // before (0.5 SD: 3.984-4.016) called it "HRV is low".
        let r = judge(&range_then_week(0.6, 0.03, 0.0, 0.03), 20, None);
        assert!(r.signals.is_empty(), "{r:#?}");
        assert_eq!(r.verdict, Verdict::Ready);
        // 0.06 lower is beyond the floor: a signal.
        let r = judge(&range_then_week(0.6, 0.03, 0.0, 0.06), 20, None);
        assert_eq!(ids(&r), vec!["hrv_suppressed"]);
        assert!(
            r.signals[0].detail.contains("over 7 mornings")
                && r.signals[0].detail.contains("3.95-4.05"),
            "{}",
            r.signals[0].detail
        );
    }

    #[test]
    fn an_overload_keeps_its_newest_morning_unless_it_is_far_off() {
        // Steady (SD 0.43 bpm), then 10 mornings of +1 bpm a day. Today (+10, 65.2) is 3.5 bpm
        // above the median of the other 6 (+4..+9), more than 3 x the range's SD (~0.6 with
        // +1..+3 in it): left out, and the week is still far above the band.
        let history = rising();
        let t = trend(&history, day(59), &BaselineConfig::default());
        let week = t.today.rhr_week.unwrap();
        assert_eq!((week.mornings, week.left_out), (6, Some(65.2)));
        assert!(week.mean > t.today.rhr_range.unwrap().high);
        // Range SD 1.037749 bpm (3 SDs: 3.113): a week of 55, 55, 55, 55, 56, 57, 58 keeps its
        // newest morning (3.0 above the others' median 55), mean 55 + 6/7.
        let mut history = range_then_week(1.0, 0.1, 0.0, 0.0);
        for (c, rise) in history[18..].iter_mut().zip([1.0, 2.0, 3.0]) {
            c.resting_hr += rise;
        }
        let t = trend(&history, day(20), &BaselineConfig::default());
        let week = t.today.rhr_week.unwrap();
        assert_eq!((week.mornings, week.left_out), (7, None));
        assert!((week.mean - (55.0 + 6.0 / 7.0)).abs() < 1e-9);
    }

    #[test]
    fn unjudged_says_what_is_missing() {
        let say = |history: &[DailyCheck], today: i64| {
            unjudged(&trend(history, day(today), &BaselineConfig::default()).today)
        };
        assert_eq!(
            say(&[], 0).as_deref(),
            Some("no morning check yet: readiness needs at least 3 a week")
        );
        assert_eq!(
            say(&steady(60), 69).as_deref(),
            Some("no morning check in the last 7 days: readiness needs at least 3 a week")
        );
        let two: Vec<DailyCheck> = steady(60)
            .into_iter()
            .filter(|c| c.date < day(53) || c.date == day(56) || c.date == day(59))
            .collect();
        assert_eq!(
            say(&two, 59).as_deref(),
            Some("only 2 morning checks in the last 7 days: readiness needs at least 3 a week")
        );
        assert_eq!(
            say(&steady(10), 9).as_deref(),
            Some(
                "building your baseline: 3 of 14 mornings: readiness compares your week with \
                 your normal range once 14 mornings lie before it"
            )
        );
        assert_eq!(say(&steady(60), 59), None);
    }

    proptest! {
        /// One morning anywhere in a steady history, however far off, never raises a
        /// physiological signal, so never gives scale_back without other signs.
        #[test]
        fn one_bad_morning_never_raises_a_physiological_signal(
            at in 0usize..60,
            rhr_delta in -30.0f64..60.0,
            ln_delta in -3.0f64..3.0,
        ) {
            let mut history = steady(60);
            history[at].resting_hr += rhr_delta;
            history[at].ln_rmssd += ln_delta;
            let r = judge(&history, 59, None);
            prop_assert!(r.signals.is_empty(), "{:?}", r.signals);
            prop_assert_eq!(r.verdict, Verdict::Ready);
        }

        #[test]
        fn readiness_never_panics(
            history in prop::collection::vec(
                ((-100i64..100), 20.0f64..200.0, -2.0f64..8.0)
                    .prop_map(|(d, resting_hr, ln_rmssd)| DailyCheck { date: day(d), resting_hr, ln_rmssd }),
                0..150,
            ),
            today in -100i64..100,
            daily in prop::collection::vec(((-100i64..100), -10.0f64..500.0), 0..60),
            hard in prop::collection::vec(-100i64..100, 0..20),
            sleep in prop::option::of(0u8..7),
            ill in any::<bool>(),
        ) {
            let t = trend(&history, day(today), &BaselineConfig::default());
            let daily: Vec<(NaiveDate, f64)> = daily.into_iter().map(|(d, v)| (day(d), v)).collect();
            let hard: Vec<NaiveDate> = hard.into_iter().map(day).collect();
            let w = Wellness { sleep_quality: sleep, ill, ..Wellness::default() };
            let r = readiness(&t, &LoadInput { daily: &daily, hard_days: &hard }, Some(&w), &ReadinessConfig::default());
            prop_assert!(!r.reasons.is_empty());
            prop_assert!(!r.advice.is_empty());
            if r.verdict == Verdict::ScaleBack {
                prop_assert!(r.signals.iter().any(|s| s.id.is_physiological()));
            }
        }
    }
}
