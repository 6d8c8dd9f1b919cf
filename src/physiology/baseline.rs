//! Personal baselines from the daily morning checks: 7-day rolling means of resting HR and
//! lnRMSSD, the person's normal range, the resting-HR slope, and how long it has been high.
//!
//! Owns the day-level statistics that [`crate::physiology::readiness`] turns into signals. Pure:
//! the checks and "today" come in as arguments; no clock, no disk. Days are calendar dates
//! (the caller's local date of each check); missing days are normal: every window is a range of
//! calendar dates, searched in the sorted checks, never an index offset, so any pattern of gaps
//! works.
//!
//! Sources (docs/science.md §5; talkzone's own rules: §17):
//! - single days mean little (typical error ~10 % for resting HR, ~12 % for lnRMSSD; Buchheit
//!   2014, Front Physiol 5:73); weekly averages carry the signal (Plews 2013, IJSPP 8:688), with
//!   at least 3 valid days a week (Plews 2014): hence 7-day means over >= 3 checks;
//! - the normal range: HRV4Training compares the 7-day average with the last 60 days; Elite HRV
//!   and Garmin settle a baseline over 2-3 weeks: hence 14 days of data before a range is shown;
//! - the band the week's mean is held against (docs/science.md §12): as wide as a stable
//!   person's week mean scatters around the range mean, `t x SD x sqrt(1/n_week + 1/n_range)`
//!   (Student t for the one-sided tail of `z`), never narrower than the smallest worthwhile
//!   change (0.5 x SD, Plews 2012, 2014) nor than the marker's resolution (1 bpm, 0.05
//!   lnRMSSD); see [`NormalRange`] and [`BaselineConfig`];
//! - the week's mean leaves out its most extreme morning only when that morning IS an outlier,
//!   more than [`BaselineConfig::outlier_sd`] daily SDs beyond the median of the other mornings
//!   ([`WeekMean`]): a single bad morning is ignored, a real rise keeps its newest, largest day.
//!
//! Decisions (each also documented where it is implemented):
//! - one value per date: a later check on the same date REPLACES the earlier one
//!   ([`one_per_day`]); checks with a non-finite value are dropped; checks after `today` are
//!   ignored;
//! - the normal range for a date excludes that date's own 7-day window: it is built from the
//!   [`RANGE_DAYS`] (60) calendar days BEFORE the window, so a rising trend cannot hide inside its
//!   own baseline. A new user therefore sees a range once 14 checks lie before the current week;
//! - slopes are least squares over the checks present in the last 14 / 28 calendar days and
//!   need at least [`SLOPE_MIN_POINTS`] (7) of them.

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::physiology::hrv::HrvMetrics;

/// Calendar days in the rolling window (today and the 6 days before).
pub const WINDOW_DAYS: u64 = 7;
/// Checks needed in a rolling window for its means (Plews 2014: >= 3 valid days a week).
pub const MIN_WINDOW_CHECKS: usize = 3;
/// Calendar days the normal range is built from (HRV4Training: the last 60 days), ending the
/// day before the 7-day window starts.
pub const RANGE_DAYS: u64 = 60;
/// Checks needed in the range's 60 days before a normal range is given (Elite HRV settles over
/// ~2 weeks; Garmin HRV status needs 3 weeks).
pub const BASELINE_NEEDED: usize = 14;
/// Checks needed in a slope's window (14 or 28 days): a line through fewer points is mostly
/// noise at ~10 % day-to-day error (Buchheit 2014). The product's rule.
pub const SLOPE_MIN_POINTS: usize = 7;
/// Default one-sided normal quantile of the resting-HR band: a stable person's week mean lies
/// above it on ~1.4 % of days (docs/science.md §12; chosen on the readiness evaluation).
pub const DEFAULT_BAND_Z_RHR: f64 = 2.2;
/// Default one-sided normal quantile of the lnRMSSD band (~2.3 % of days below it).
pub const DEFAULT_BAND_Z_LN_RMSSD: f64 = 2.0;
/// The resolution of a morning resting HR, bpm (docs/science.md §12): the band's smallest
/// half-width.
pub const DEFAULT_BAND_FLOOR_RHR_BPM: f64 = 1.0;
/// The resolution of a morning lnRMSSD (~5 % of RMSSD; the sampling error of lnRMSSD from ~110
/// beats is ~0.07, sqrt(1 / (2 n)); docs/science.md §12): the band's smallest half-width.
pub const DEFAULT_BAND_FLOOR_LN_RMSSD: f64 = 0.05;
/// The smallest worthwhile change, in daily SDs (Plews 2012, 2014: ~0.5 x the person's own
/// day-to-day variation): the band is never narrower.
pub const DEFAULT_BAND_SWC_SD: f64 = 0.5;
/// A week's most extreme morning is left out of its mean when it lies more than this many
/// daily SDs beyond the median of the other mornings (docs/science.md §12).
pub const DEFAULT_OUTLIER_SD: f64 = 3.0;
/// Default number of days in [`Trend::days`].
pub const DEFAULT_DAYS_SHOWN: usize = 28;
/// [`BaselineConfig::days_shown`] is capped here (10 years), so a wild setting cannot ask for
/// millions of rows.
pub const MAX_DAYS_SHOWN: usize = 3_660;

/// One morning check, reduced to what the baselines use.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DailyCheck {
    /// The person's local date of the check.
    pub date: NaiveDate,
    /// Resting HR, bpm: [`HrvMetrics::resting_hr_lowest_30_beats`] for checks made here.
    pub resting_hr: f64,
    /// ln(RMSSD in ms).
    pub ln_rmssd: f64,
}

impl DailyCheck {
    /// The daily values of an accepted morning check: resting HR is the lowest 30-beat mean
    /// (docs/science.md §5: "say which you use"), HRV is lnRMSSD.
    pub fn from_metrics(date: NaiveDate, metrics: &HrvMetrics) -> Self {
        DailyCheck {
            date,
            resting_hr: metrics.resting_hr_lowest_30_beats,
            ln_rmssd: metrics.ln_rmssd,
        }
    }

    fn is_valid(&self) -> bool {
        self.resting_hr.is_finite() && self.ln_rmssd.is_finite()
    }
}

/// One check per date, sorted by date. Pass the checks in the order they were taken: for a date
/// with several checks the LAST one wins. A repeat check on the same morning is nearly always a
/// retake because the first was disturbed (the person moved, talked, the strap slipped), so the
/// retake should count, not be averaged with what it replaces. Checks with a non-finite resting
/// HR or lnRMSSD are dropped.
pub fn one_per_day(checks: &[DailyCheck]) -> Vec<DailyCheck> {
    let mut by_date = BTreeMap::new();
    for check in checks.iter().filter(|c| c.is_valid()) {
        by_date.insert(check.date, *check);
    }
    by_date.into_values().collect()
}

/// Settings for [`trend`]: the band and the week's mean (`[morning]` in config.toml, where each
/// has its source). The defaults are the rule the readiness evaluation chose
/// (docs/science.md §12).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BaselineConfig {
    /// One-sided normal quantile of the resting-HR band (default [`DEFAULT_BAND_Z_RHR`]).
    pub band_z_rhr: f64,
    /// One-sided normal quantile of the lnRMSSD band (default [`DEFAULT_BAND_Z_LN_RMSSD`]).
    pub band_z_ln_rmssd: f64,
    /// Smallest half-width of the resting-HR band, bpm ([`DEFAULT_BAND_FLOOR_RHR_BPM`]).
    pub band_floor_rhr_bpm: f64,
    /// Smallest half-width of the lnRMSSD band ([`DEFAULT_BAND_FLOOR_LN_RMSSD`]).
    pub band_floor_ln_rmssd: f64,
    /// Smallest half-width of either band in daily SDs ([`DEFAULT_BAND_SWC_SD`]).
    pub band_swc_sd: f64,
    /// The week's extreme morning is an outlier beyond this many daily SDs
    /// ([`DEFAULT_OUTLIER_SD`]).
    pub outlier_sd: f64,
    /// Days shown in [`Trend::days`], ending today (capped at [`MAX_DAYS_SHOWN`]).
    pub days_shown: usize,
}

impl Default for BaselineConfig {
    fn default() -> Self {
        BaselineConfig {
            band_z_rhr: DEFAULT_BAND_Z_RHR,
            band_z_ln_rmssd: DEFAULT_BAND_Z_LN_RMSSD,
            band_floor_rhr_bpm: DEFAULT_BAND_FLOOR_RHR_BPM,
            band_floor_ln_rmssd: DEFAULT_BAND_FLOOR_LN_RMSSD,
            band_swc_sd: DEFAULT_BAND_SWC_SD,
            outlier_sd: DEFAULT_OUTLIER_SD,
            days_shown: DEFAULT_DAYS_SHOWN,
        }
    }
}

/// Which marker: its band settings, and which way is strain.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Marker {
    /// Resting HR: strain is high, the extreme morning is the highest.
    RestingHr,
    /// lnRMSSD: strain is low, the extreme morning is the lowest.
    LnRmssd,
}

impl Marker {
    fn value(self, c: &DailyCheck) -> f64 {
        match self {
            Marker::RestingHr => c.resting_hr,
            Marker::LnRmssd => c.ln_rmssd,
        }
    }

    /// (z, floor) of its band.
    fn band(self, cfg: &BaselineConfig) -> (f64, f64) {
        match self {
            Marker::RestingHr => (cfg.band_z_rhr, cfg.band_floor_rhr_bpm),
            Marker::LnRmssd => (cfg.band_z_ln_rmssd, cfg.band_floor_ln_rmssd),
        }
    }

    /// How far `value` lies beyond `from` in the direction of strain.
    fn beyond(self, value: f64, from: f64) -> f64 {
        match self {
            Marker::RestingHr => value - from,
            Marker::LnRmssd => from - value,
        }
    }
}

/// A marker's normal range and today's band: the band is `mean +- half`, where `half` is how
/// far a stable person's mean of [`NormalRange::mornings`] mornings can lie from `mean` by
/// chance (docs/science.md §12):
/// `half = max(t x sd x sqrt(1 / mornings + 1 / days), swc x sd, floor)`, with `t` the Student
/// t quantile ([`t_of_z`], `days - 1` degrees of freedom) for the one-sided tail of the
/// configured `z`, `swc` the smallest worthwhile change and `floor` the marker's resolution.
/// `mean` and `sd` (sample SD, n - 1) are those of the daily values in the range's days.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct NormalRange {
    pub low: f64,
    pub mean: f64,
    pub high: f64,
    pub sd: f64,
    /// Checks it was built from (>= [`BASELINE_NEEDED`]).
    pub days: usize,
    /// The mornings of the week's mean the band is for: those of [`WeekMean::mornings`], or
    /// without a week's mean the checks of the week (at least [`MIN_WINDOW_CHECKS`]).
    pub mornings: usize,
    /// How far a stable person's mean of that many mornings scatters around `mean` (its SD):
    /// `sd x sqrt(1 / mornings + 1 / days)`. A week's distance from `mean` in these units is
    /// what `readiness.scale_back_far_sd` is compared with.
    pub mean_sd: f64,
}

/// Mean, sample SD and count of a marker's daily values in a range's days.
#[derive(Debug, Clone, Copy, PartialEq)]
struct RangeStats {
    mean: f64,
    sd: f64,
    days: usize,
}

impl RangeStats {
    fn of(values: impl Iterator<Item = f64> + Clone) -> Option<Self> {
        let days = values.clone().count();
        if days < BASELINE_NEEDED {
            return None;
        }
        let mean = values.clone().sum::<f64>() / days as f64;
        let sd = (values.map(|v| (v - mean).powi(2)).sum::<f64>() / (days - 1) as f64).sqrt();
        Some(RangeStats { mean, sd, days })
    }

    /// The band for a mean of `mornings` mornings (see [`NormalRange`]).
    fn band(self, mornings: usize, z: f64, floor: f64, swc_sd: f64) -> NormalRange {
        let mornings = mornings.max(1);
        let mean_sd = self.sd * (1.0 / mornings as f64 + 1.0 / self.days as f64).sqrt();
        let half = (t_of_z(z, self.days - 1) * mean_sd)
            .max(swc_sd * self.sd)
            .max(floor);
        NormalRange {
            low: self.mean - half,
            mean: self.mean,
            high: self.mean + half,
            sd: self.sd,
            days: self.days,
            mornings,
            mean_sd,
        }
    }
}

/// The Student t quantile with `df` degrees of freedom for the tail probability of the
/// standard normal quantile `z` (Cornish-Fisher expansion, Abramowitz & Stegun 1964, 26.7.5;
/// within 0.002 of the exact value for df >= 10 and z <= 2.5). t rather than z because the SD
/// of a young range (14 checks) is itself uncertain: t keeps the chance of a false alarm the
/// same whatever the range's size (docs/science.md §12).
pub fn t_of_z(z: f64, df: usize) -> f64 {
    let v = df.max(1) as f64;
    let (z3, z5, z7) = (z.powi(3), z.powi(5), z.powi(7));
    z + (z3 + z) / (4.0 * v)
        + (5.0 * z5 + 16.0 * z3 + 3.0 * z) / (96.0 * v * v)
        + (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / (384.0 * v * v * v)
}

/// A week's mean as the readiness rule takes it (docs/science.md §12).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct WeekMean {
    pub mean: f64,
    /// The mornings in it.
    pub mornings: usize,
    /// The week's most extreme morning (the highest resting HR, the lowest lnRMSSD), when it
    /// was left out as an outlier: more than [`BaselineConfig::outlier_sd`] daily SDs of the
    /// range beyond the median of the other mornings.
    pub left_out: Option<f64>,
}

impl WeekMean {
    /// The mean of `window` (>= [`MIN_WINDOW_CHECKS`] checks), its extreme morning left out
    /// when it lies more than `outlier_sd x sd` beyond the median of the others.
    fn of(window: &[DailyCheck], marker: Marker, sd: f64, outlier_sd: f64) -> Option<Self> {
        let n = window.len();
        if n < MIN_WINDOW_CHECKS {
            return None;
        }
        let values: Vec<f64> = window.iter().map(|c| marker.value(c)).collect();
        // The first of the most extreme values (strictly beyond every earlier one).
        let mut at = 0;
        for (i, &v) in values.iter().enumerate() {
            if marker.beyond(v, values[at]) > 0.0 {
                at = i;
            }
        }
        let extreme = values[at];
        let mut others: Vec<f64> = values
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != at)
            .map(|(_, v)| *v)
            .collect();
        others.sort_by(f64::total_cmp);
        let m = others.len();
        let median = if m % 2 == 1 {
            others[m / 2]
        } else {
            (others[m / 2 - 1] + others[m / 2]) / 2.0
        };
        let sum: f64 = values.iter().sum();
        Some(if marker.beyond(extreme, median) > outlier_sd * sd {
            WeekMean {
                mean: (sum - extreme) / (n - 1) as f64,
                mornings: n - 1,
                left_out: Some(extreme),
            }
        } else {
            WeekMean {
                mean: sum / n as f64,
                mornings: n,
                left_out: None,
            }
        })
    }
}

/// A marker's week and band on one date.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Judged {
    week: Option<WeekMean>,
    range: Option<NormalRange>,
}

/// One calendar day of the trend. Every statistic is `None` when its data is missing.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TrendRow {
    pub date: NaiveDate,
    /// That day's check (none on a day without one).
    pub resting_hr: Option<f64>,
    pub ln_rmssd: Option<f64>,
    /// Mean over the checks in the 7 days ending that day (>= 3 needed).
    pub rhr_7d: Option<f64>,
    pub ln_rmssd_7d: Option<f64>,
    /// That day's band (from the 60 days before its 7-day window, for that day's week mean).
    pub rhr_low: Option<f64>,
    pub rhr_high: Option<f64>,
    pub ln_rmssd_low: Option<f64>,
    pub ln_rmssd_high: Option<f64>,
}

/// Where things stand today.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrendToday {
    pub date: NaiveDate,
    /// Checks in the 7 days ending today.
    pub window_checks: usize,
    /// Mean resting HR over those checks (>= [`MIN_WINDOW_CHECKS`] needed).
    pub rhr_7d: Option<f64>,
    pub ln_rmssd_7d: Option<f64>,
    /// The same mean with its highest morning left out, whatever that morning was (for
    /// comparison: the readiness rule uses [`TrendToday::rhr_week`]).
    pub rhr_7d_without_highest: Option<f64>,
    /// The 7-day lnRMSSD mean with its lowest morning left out.
    pub ln_rmssd_7d_without_lowest: Option<f64>,
    /// The week's means as the readiness rule takes them ([`WeekMean`]: an outlier left out);
    /// they need a range (its SD says what an outlier is).
    pub rhr_week: Option<WeekMean>,
    pub ln_rmssd_week: Option<WeekMean>,
    /// Today's normal ranges: the [`RANGE_DAYS`] days before the 7-day window, with the band
    /// for this week's mean ([`NormalRange`]).
    pub rhr_range: Option<NormalRange>,
    pub ln_rmssd_range: Option<NormalRange>,
    /// Least-squares slope of resting HR over the checks of the last 14 / 28 days, bpm per
    /// week; `None` with fewer than [`SLOPE_MIN_POINTS`] checks in the window.
    pub slope_14d: Option<f64>,
    pub slope_28d: Option<f64>,
    /// Counting back from the newest check, the checks in a row whose resting HR is above
    /// today's range. Days without a check are skipped (they neither end nor extend the run);
    /// the first check at or below the top of the range ends it. 0 without a range or without
    /// a check in the 7-day window.
    pub days_above: usize,
    /// Checks in the range's 60 days.
    pub baseline_days: usize,
    /// [`BASELINE_NEEDED`].
    pub baseline_needed: usize,
    /// "building baseline: 9 of 14 days" until the range exists.
    pub baseline_status: Option<String>,
}

/// Resting HR and HRV over time, for `trend` and `readiness`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trend {
    pub today: TrendToday,
    /// One row per calendar day, oldest first, ending today.
    pub days: Vec<TrendRow>,
}

/// The trend of `history` (any order, duplicates and gaps allowed; see [`one_per_day`] for
/// same-date checks) as of `today`. Checks after `today` are ignored.
pub fn trend(history: &[DailyCheck], today: NaiveDate, cfg: &BaselineConfig) -> Trend {
    let mut checks = one_per_day(history);
    checks.retain(|c| c.date <= today);
    let checks = Checks(&checks);

    let days_shown = cfg.days_shown.min(MAX_DAYS_SHOWN) as u64;
    let mut days: Vec<TrendRow> = (0..days_shown)
        .map_while(|back| today.checked_sub_days(Days::new(back)))
        .map(|date| checks.row(date, cfg))
        .collect();
    days.reverse();

    let window = checks.window(Some(today));
    let rhr = checks.judged(today, Marker::RestingHr, cfg);
    let ln = checks.judged(today, Marker::LnRmssd, cfg);
    let baseline_days = checks.range_days(today).len();
    let days_above = match rhr.range {
        Some(range) if !window.is_empty() => checks
            .0
            .iter()
            .rev()
            .take_while(|c| c.resting_hr > range.high)
            .count(),
        _ => 0,
    };
    let today_state = TrendToday {
        date: today,
        window_checks: window.len(),
        rhr_7d: mean_of(window, |c| c.resting_hr),
        ln_rmssd_7d: mean_of(window, |c| c.ln_rmssd),
        rhr_7d_without_highest: mean_without_extreme(window, |c| c.resting_hr, f64::max),
        ln_rmssd_7d_without_lowest: mean_without_extreme(window, |c| c.ln_rmssd, f64::min),
        rhr_week: rhr.week,
        ln_rmssd_week: ln.week,
        rhr_range: rhr.range,
        ln_rmssd_range: ln.range,
        slope_14d: slope_per_week(checks.ending(Some(today), 14), today),
        slope_28d: slope_per_week(checks.ending(Some(today), 28), today),
        days_above,
        baseline_days,
        baseline_needed: BASELINE_NEEDED,
        baseline_status: (baseline_days < BASELINE_NEEDED)
            .then(|| format!("building baseline: {baseline_days} of {BASELINE_NEEDED} days")),
    };
    Trend {
        today: today_state,
        days,
    }
}

/// One check per date, sorted by date, none after today.
#[derive(Clone, Copy)]
struct Checks<'a>(&'a [DailyCheck]);

impl<'a> Checks<'a> {
    /// The checks dated `last - (len - 1)` ..= `last` (clipped at the first representable
    /// date); none when `last` is `None`.
    fn ending(self, last: Option<NaiveDate>, len: u64) -> &'a [DailyCheck] {
        let Some(last) = last else {
            return &[];
        };
        let first = last
            .checked_sub_days(Days::new(len.saturating_sub(1)))
            .unwrap_or(NaiveDate::MIN);
        let from = self.0.partition_point(|c| c.date < first);
        let to = self.0.partition_point(|c| c.date <= last).max(from);
        &self.0[from..to]
    }

    /// The 7-day window ending on `date`.
    fn window(self, date: Option<NaiveDate>) -> &'a [DailyCheck] {
        self.ending(date, WINDOW_DAYS)
    }

    /// The 60 days before the 7-day window ending on `date`.
    fn range_days(self, date: NaiveDate) -> &'a [DailyCheck] {
        self.ending(date.checked_sub_days(Days::new(WINDOW_DAYS)), RANGE_DAYS)
    }

    /// A marker's range, the week's mean as the rule takes it, and the band for that mean, on
    /// `date`. Without a range there is no week mean either: what an outlier is depends on the
    /// range's SD.
    fn judged(self, date: NaiveDate, marker: Marker, cfg: &BaselineConfig) -> Judged {
        let Some(stats) = RangeStats::of(self.range_days(date).iter().map(|c| marker.value(c)))
        else {
            return Judged {
                week: None,
                range: None,
            };
        };
        let window = self.window(Some(date));
        let week = WeekMean::of(window, marker, stats.sd, cfg.outlier_sd);
        let mornings = week.map_or(window.len().max(MIN_WINDOW_CHECKS), |w| w.mornings);
        let (z, floor) = marker.band(cfg);
        Judged {
            week,
            range: Some(stats.band(mornings, z, floor, cfg.band_swc_sd)),
        }
    }

    fn row(self, date: NaiveDate, cfg: &BaselineConfig) -> TrendRow {
        let check = self
            .0
            .binary_search_by_key(&date, |c| c.date)
            .ok()
            .and_then(|i| self.0.get(i));
        let window = self.window(Some(date));
        let rhr = self.judged(date, Marker::RestingHr, cfg).range;
        let ln = self.judged(date, Marker::LnRmssd, cfg).range;
        TrendRow {
            date,
            resting_hr: check.map(|c| c.resting_hr),
            ln_rmssd: check.map(|c| c.ln_rmssd),
            rhr_7d: mean_of(window, |c| c.resting_hr),
            ln_rmssd_7d: mean_of(window, |c| c.ln_rmssd),
            rhr_low: rhr.map(|r| r.low),
            rhr_high: rhr.map(|r| r.high),
            ln_rmssd_low: ln.map(|r| r.low),
            ln_rmssd_high: ln.map(|r| r.high),
        }
    }
}

/// The mean of a 7-day window, when it holds >= [`MIN_WINDOW_CHECKS`] checks.
fn mean_of(window: &[DailyCheck], value: impl Fn(&DailyCheck) -> f64) -> Option<f64> {
    (window.len() >= MIN_WINDOW_CHECKS)
        .then(|| window.iter().map(value).sum::<f64>() / window.len() as f64)
}

/// The mean of a 7-day window (>= [`MIN_WINDOW_CHECKS`] checks) without its most extreme value
/// (`pick` = `f64::max` leaves out the highest, `f64::min` the lowest).
fn mean_without_extreme(
    window: &[DailyCheck],
    value: impl Fn(&DailyCheck) -> f64,
    pick: fn(f64, f64) -> f64,
) -> Option<f64> {
    if window.len() < MIN_WINDOW_CHECKS {
        return None;
    }
    let extreme = window.iter().map(&value).reduce(pick)?;
    let sum: f64 = window.iter().map(&value).sum();
    Some((sum - extreme) / (window.len() - 1) as f64)
}

/// Least-squares slope of resting HR against the day number, x 7 (bpm per week), over the
/// checks given; `None` with fewer than [`SLOPE_MIN_POINTS`].
fn slope_per_week(checks: &[DailyCheck], today: NaiveDate) -> Option<f64> {
    if checks.len() < SLOPE_MIN_POINTS {
        return None;
    }
    let n = checks.len() as f64;
    let x = |c: &DailyCheck| (c.date - today).num_days() as f64;
    let mean_x = checks.iter().map(x).sum::<f64>() / n;
    let mean_y = checks.iter().map(|c| c.resting_hr).sum::<f64>() / n;
    let sxx: f64 = checks.iter().map(|c| (x(c) - mean_x).powi(2)).sum();
    let sxy: f64 = checks
        .iter()
        .map(|c| (x(c) - mean_x) * (c.resting_hr - mean_y))
        .sum();
    // Dates are distinct, so with >= 2 points sxx > 0.
    (sxx > 0.0).then(|| sxy / sxx * 7.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Day `d` counted from 1 Jan 2025.
    fn day(d: i64) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 1, 1).unwrap() + chrono::Duration::days(d)
    }

    fn check(d: i64, resting_hr: f64, ln_rmssd: f64) -> DailyCheck {
        DailyCheck {
            date: day(d),
            resting_hr,
            ln_rmssd,
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn a_later_check_on_the_same_date_replaces_the_earlier() {
        let checks = [
            check(3, 60.0, 4.0),
            check(1, 50.0, 4.1),
            check(3, 55.0, 4.2),
            check(2, f64::NAN, 4.0),
            check(2, 52.0, f64::INFINITY),
        ];
        let one = one_per_day(&checks);
        assert_eq!(one, vec![check(1, 50.0, 4.1), check(3, 55.0, 4.2)]);
    }

    #[test]
    fn seven_day_means_need_three_checks() {
        // Checks on days 0, 3 and 9 (today = 9): the window 3..=9 holds 2: no mean.
        let history = [
            check(0, 50.0, 4.0),
            check(3, 52.0, 4.2),
            check(9, 56.0, 3.8),
        ];
        let t = trend(&history, day(9), &BaselineConfig::default());
        assert_eq!(t.today.window_checks, 2);
        assert_eq!(t.today.rhr_7d, None);
        assert_eq!(t.today.rhr_7d_without_highest, None);
        // Add day 5: 3 checks, mean (52 + 53 + 56) / 3.
        let mut history = history.to_vec();
        history.push(check(5, 53.0, 4.0));
        let t = trend(&history, day(9), &BaselineConfig::default());
        assert!(close(t.today.rhr_7d.unwrap(), 161.0 / 3.0));
        assert!(close(t.today.ln_rmssd_7d.unwrap(), 12.0 / 3.0));
        assert!(close(t.today.rhr_7d_without_highest.unwrap(), 52.5));
        assert!(close(t.today.ln_rmssd_7d_without_lowest.unwrap(), 4.1));
    }

    #[test]
    fn fewer_than_14_baseline_days_is_building() {
        // 10 days ending today: only days -9..=-7 lie before the 7-day window.
        let history: Vec<DailyCheck> = (0..10).map(|d| check(d, 55.0, 4.0)).collect();
        let t = trend(&history, day(9), &BaselineConfig::default());
        assert_eq!(t.today.baseline_days, 3);
        assert_eq!(
            t.today.baseline_status.as_deref(),
            Some("building baseline: 3 of 14 days")
        );
        assert_eq!(t.today.rhr_range, None);
        assert_eq!(t.today.ln_rmssd_range, None);
        assert_eq!(t.today.days_above, 0);
        assert!(t.today.rhr_7d.is_some());
        // 20 days: 13 before the window; 21 days: 14, the range appears.
        let history: Vec<DailyCheck> = (0..21).map(|d| check(d, 55.0, 4.0)).collect();
        let t = trend(&history, day(19), &BaselineConfig::default());
        assert_eq!(
            t.today.baseline_status.as_deref(),
            Some("building baseline: 13 of 14 days")
        );
        let t = trend(&history, day(20), &BaselineConfig::default());
        assert_eq!(t.today.baseline_status, None);
        assert_eq!(t.today.baseline_days, 14);
        // SD 0: the band is the resolution floor, 1 bpm either side.
        let range = t.today.rhr_range.unwrap();
        assert_eq!(
            (range.low, range.mean, range.high, range.days),
            (54.0, 55.0, 56.0, 14)
        );
    }

    #[test]
    fn the_range_is_the_60_days_before_the_window() {
        // Days 0..=99 with resting HR = day number; today = 99. Window 93..=99, range days
        // 33..=92: mean 62.5; SD of 60 consecutive integers = sqrt(60 x 61 / 12) = sqrt(305).
        let history: Vec<DailyCheck> = (0..100).map(|d| check(d, d as f64, 4.0)).collect();
        let cfg = BaselineConfig::default();
        let t = trend(&history, day(99), &cfg);
        let range = t.today.rhr_range.unwrap();
        assert_eq!(range.days, 60);
        assert!(close(range.mean, 62.5));
        assert!(close(range.sd, 305f64.sqrt()));
        // The band for a mean of 7 mornings (99 is 3.5 above the others' median 95.5, far
        // less than 3 SDs: kept): t(2.2, 59 df) = 2.255765, x sqrt(305) x sqrt(1/7 + 1/60)
        // = 15.734631 (above 0.5 SD = 8.73 and the 1 bpm floor).
        assert_eq!(range.mornings, 7);
        assert!((range.high - 78.234631).abs() < 1e-6, "{range:?}");
        assert!((range.mean_sd - 305f64.sqrt() * (1.0 / 7.0 + 1.0 / 60.0f64).sqrt()).abs() < 1e-9);
        assert!(close(t.today.rhr_7d.unwrap(), 96.0));
        // 1 bpm a day: 7 bpm a week over 14 and 28 days.
        assert!(close(t.today.slope_14d.unwrap(), 7.0));
        assert!(close(t.today.slope_28d.unwrap(), 7.0));
        // Every check from day 79 (> 78.23) on is above the band: 21 in a row.
        assert_eq!(t.today.days_above, 21);
        // The rows: 28 days ending today, each with its own range.
        assert_eq!(t.days.len(), 28);
        assert_eq!(t.days[27].date, day(99));
        assert_eq!(t.days[0].date, day(72));
        assert_eq!(t.days[27].rhr_high, Some(range.high));
        assert!(close(t.days[0].rhr_7d.unwrap(), 69.0));
        // Day 72's range: days 6..=65, mean 35.5.
        assert!(close(
            (t.days[0].rhr_low.unwrap() + t.days[0].rhr_high.unwrap()) / 2.0,
            35.5
        ));
    }

    #[test]
    fn slope_on_an_exact_linear_series() {
        // +0.5 bpm a day = 3.5 bpm a week.
        let history: Vec<DailyCheck> = (0..28)
            .map(|d| check(d, 50.0 + 0.5 * d as f64, 4.0))
            .collect();
        let t = trend(&history, day(27), &BaselineConfig::default());
        assert!(close(t.today.slope_14d.unwrap(), 3.5));
        assert!(close(t.today.slope_28d.unwrap(), 3.5));
        // Days 14..=27 only every third day (14, 17, 20, 23, 26): 5 checks in the last 14
        // days, too few for a 14-day slope; the 28-day one still has 19.
        let sparse: Vec<DailyCheck> = (0..28)
            .filter(|d| *d <= 13 || d % 3 == 2)
            .map(|d| check(d, 50.0 + 0.5 * d as f64, 4.0))
            .collect();
        let t = trend(&sparse, day(27), &BaselineConfig::default());
        assert_eq!(sparse.iter().filter(|c| c.date >= day(14)).count(), 5);
        assert_eq!(t.today.slope_14d, None);
        assert!(close(t.today.slope_28d.unwrap(), 3.5));
    }

    #[test]
    fn every_third_day_missing() {
        // Days 0..=59 without d % 3 == 2, resting HR = 50 + d. Today = 59 (missing itself).
        let history: Vec<DailyCheck> = (0..60)
            .filter(|d| d % 3 != 2)
            .map(|d| check(d, 50.0 + d as f64, 4.0))
            .collect();
        let t = trend(&history, day(59), &BaselineConfig::default());
        // Window 53..=59 holds 54, 55, 57, 58: mean 50 + 56.
        assert_eq!(t.today.window_checks, 4);
        assert!(close(t.today.rhr_7d.unwrap(), 106.0));
        // A straight line stays a straight line with gaps: 7 bpm a week.
        assert!(close(t.today.slope_14d.unwrap(), 7.0));
        assert!(close(t.today.slope_28d.unwrap(), 7.0));
        // Range days 0..=52 minus every third: 36 checks.
        assert_eq!(t.today.baseline_days, 36);
        assert_eq!(t.days.len(), 28);
        assert_eq!(t.days[27].resting_hr, None);
        assert_eq!(t.days[26].resting_hr, Some(108.0));
        // The newest check (58) is above; so are those before it back past the range top.
        assert!(t.today.days_above > 0);
    }

    #[test]
    fn a_ten_day_hole() {
        // 60 days at 55 with days 30..=39 missing: the range still forms.
        let history: Vec<DailyCheck> = (0..60)
            .filter(|d| !(30..40).contains(d))
            .map(|d| check(d, 55.0, 4.0))
            .collect();
        let t = trend(&history, day(59), &BaselineConfig::default());
        assert_eq!(t.today.baseline_days, 43);
        assert!(t.today.rhr_range.is_some());
        // Inside the hole the rows have no check and, at its end, no 7-day mean.
        let row = t.days.iter().find(|r| r.date == day(39)).unwrap();
        assert_eq!(row.resting_hr, None);
        assert_eq!(row.rhr_7d, None);
        // The hole ending today: no 7-day mean, no 14-day slope, nothing above.
        let t = trend(&history, day(39), &BaselineConfig::default());
        assert_eq!(t.today.window_checks, 0);
        assert_eq!(t.today.rhr_7d, None);
        assert_eq!(t.today.slope_14d, None);
        assert_eq!(t.today.days_above, 0);
    }

    #[test]
    fn days_above_skips_missing_days_and_stops_at_a_normal_check() {
        // 30 days at 55 (range 55..55), then 62 on days 30, 32 and 33 but 55 on day 31.
        let mut history: Vec<DailyCheck> = (0..30).map(|d| check(d, 55.0, 4.0)).collect();
        history.extend([
            check(30, 62.0, 4.0),
            check(31, 55.0, 4.0),
            check(32, 62.0, 4.0),
            check(33, 62.0, 4.0),
        ]);
        // Today = 35: days 34-35 have no check and are skipped; 33 and 32 count; 31 stops it.
        let t = trend(&history, day(35), &BaselineConfig::default());
        assert_eq!(t.today.days_above, 2);
        // Checks after today are ignored.
        let t = trend(&history, day(30), &BaselineConfig::default());
        assert_eq!(t.today.days_above, 1);
        assert_eq!(t.days.last().unwrap().resting_hr, Some(62.0));
    }

    #[test]
    fn days_shown_and_json_shape() {
        let history: Vec<DailyCheck> = (0..40).map(|d| check(d, 55.0, 4.0)).collect();
        let cfg = BaselineConfig {
            days_shown: 0,
            ..BaselineConfig::default()
        };
        assert!(trend(&history, day(39), &cfg).days.is_empty());
        let t = trend(&history, day(39), &BaselineConfig::default());
        let json = serde_json::to_value(&t).unwrap();
        assert_eq!(json["today"]["baseline_needed"], 14);
        assert!(json["today"]["rhr_range"]["high"].is_number());
        assert!(json["today"]["baseline_status"].is_null());
        assert_eq!(json["days"][0]["date"], "2025-01-13");
        assert!(json["days"][0]["ln_rmssd_7d"].is_number());
        let back: Trend = serde_json::from_value(json).unwrap();
        assert_eq!(back, t);
        // The first representable date does not trip the arithmetic.
        let t = trend(&history, NaiveDate::MIN, &BaselineConfig::default());
        assert_eq!(t.days.len(), 1);
        let t = trend(
            &[DailyCheck {
                date: NaiveDate::MAX,
                resting_hr: 50.0,
                ln_rmssd: 4.0,
            }],
            NaiveDate::MAX,
            &BaselineConfig::default(),
        );
        assert_eq!(t.today.window_checks, 1);
    }

    #[test]
    fn t_of_z_matches_student_t_tables() {
        // Two-sided 95 % with 10 and 60 df, one-sided 99 % with 20 df, one-sided 95 % with 13.
        for (z, df, table) in [
            (1.959964, 10, 2.2281),
            (1.959964, 60, 2.0003),
            (2.326348, 20, 2.5280),
            (1.644854, 13, 1.7709),
        ] {
            assert!((t_of_z(z, df) - table).abs() < 0.0005, "{z} {df}");
        }
    }

    /// 14 range days (days 0..=13) alternating `rhr -+ rhr_step` and `ln -+ ln_step`, then
    /// a week (days 14..=20) of `week` (resting HR, lnRMSSD); today = day 20.
    fn range_then_week(rhr_step: f64, ln_step: f64, week: [(f64, f64); 7]) -> Vec<DailyCheck> {
        let sign = |d: i64| if d % 2 == 0 { -1.0 } else { 1.0 };
        let mut h: Vec<DailyCheck> = (0..14)
            .map(|d| check(d, 55.0 + sign(d) * rhr_step, 4.0 + sign(d) * ln_step))
            .collect();
        h.extend((14..21).zip(week).map(|(d, (r, l))| check(d, r, l)));
        h
    }

    #[test]
    fn the_band_is_never_narrower_than_the_resolution_or_the_smallest_worthwhile_change() {
        // The very quiet person: lnRMSSD SD 0.03 x sqrt(14/13) = 0.031132. The band of
        // a 7-morning mean would be t(2.0, 13 df) = 2.211730 x 0.031132 x sqrt(1/7 + 1/14)
        // = 0.031874 wide either side, 2 % of RMSSD: the 0.05 floor holds it at 3.95-4.05.
        // Resting HR SD 0.6 x sqrt(14/13) = 0.622649: t(2.2, 13) = 2.476091 x 0.622649 x
        // 0.462910 = 0.713685, floored at 1 bpm.
        let h = range_then_week(0.6, 0.03, [(55.0, 3.97); 7]);
        let t = trend(&h, day(20), &BaselineConfig::default());
        let ln = t.today.ln_rmssd_range.unwrap();
        assert!(close(ln.sd, 0.03 * (14.0f64 / 13.0).sqrt()));
        assert_eq!((ln.days, ln.mornings), (14, 7));
        assert!(close(ln.low, 3.95) && close(ln.high, 4.05), "{ln:?}");
        let rhr = t.today.rhr_range.unwrap();
        assert!(close(rhr.low, 54.0) && close(rhr.high, 56.0), "{rhr:?}");
        // A wider range: the statistical half-width wins, 2.476091 x 3.113247 x 0.462910
        // = 3.568426 bpm.
        let h = range_then_week(3.0, 0.03, [(55.0, 3.97); 7]);
        let rhr = trend(&h, day(20), &BaselineConfig::default())
            .today
            .rhr_range
            .unwrap();
        assert!((rhr.high - 58.568426).abs() < 1e-6, "{rhr:?}");
        // With the floor off and a tiny z, the smallest worthwhile change is what is left:
        // 0.5 x 0.622649 = 0.311325.
        let cfg = BaselineConfig {
            band_z_rhr: 0.01,
            band_floor_rhr_bpm: 0.0,
            ..BaselineConfig::default()
        };
        let h = range_then_week(0.6, 0.03, [(55.0, 3.97); 7]);
        let rhr = trend(&h, day(20), &cfg).today.rhr_range.unwrap();
        assert!((rhr.high - 55.311325).abs() < 1e-6, "{rhr:?}");
    }

    #[test]
    fn the_extreme_morning_is_left_out_only_when_it_is_an_outlier() {
        // Range SDs: resting HR 1 x sqrt(14/13) = 1.037749 (3 SD = 3.113 bpm), lnRMSSD 0.1 x
        // sqrt(14/13) = 0.103775 (3 SD = 0.311).
        let mut week = [(55.0, 4.0); 7];
        week[3] = (58.2, 3.6); // 3.2 bpm above the others' median, 0.4 below: outliers
        let t = trend(
            &range_then_week(1.0, 0.1, week),
            day(20),
            &BaselineConfig::default(),
        );
        let rhr = t.today.rhr_week.unwrap();
        assert_eq!((rhr.mornings, rhr.left_out), (6, Some(58.2)));
        assert!(close(rhr.mean, 55.0));
        let ln = t.today.ln_rmssd_week.unwrap();
        assert_eq!((ln.mornings, ln.left_out), (6, Some(3.6)));
        assert!(close(ln.mean, 4.0));
        // The band is the one for a mean of 6 mornings.
        assert_eq!(t.today.rhr_range.unwrap().mornings, 6);
        // 3.0 bpm and 0.3 beyond: within 3 SDs, kept (a real rise keeps its newest day).
        week[3] = (58.0, 3.7);
        let t = trend(
            &range_then_week(1.0, 0.1, week),
            day(20),
            &BaselineConfig::default(),
        );
        let rhr = t.today.rhr_week.unwrap();
        assert_eq!((rhr.mornings, rhr.left_out), (7, None));
        assert!(close(rhr.mean, 55.0 + 3.0 / 7.0));
        assert!(close(t.today.ln_rmssd_week.unwrap().mean, 4.0 - 0.3 / 7.0));
        // The plain means and the always-without-the-extreme ones are still reported.
        assert!(close(t.today.rhr_7d.unwrap(), 55.0 + 3.0 / 7.0));
        assert!(close(t.today.rhr_7d_without_highest.unwrap(), 55.0));
        // No range: no week mean as the rule takes it.
        let t = trend(
            &range_then_week(1.0, 0.1, week)[7..],
            day(20),
            &BaselineConfig::default(),
        );
        assert_eq!((t.today.rhr_week, t.today.rhr_range), (None, None));
        assert!(t.today.rhr_7d.is_some());
    }

    fn any_date() -> impl Strategy<Value = NaiveDate> {
        prop_oneof![
            8 => (-400i64..400).prop_map(day),
            1 => Just(NaiveDate::MIN),
            1 => Just(NaiveDate::MAX),
        ]
    }

    fn any_value() -> impl Strategy<Value = f64> {
        prop_oneof![
            4 => 30.0f64..120.0,
            1 => any::<f64>().prop_filter("NaN-free", |v| !v.is_nan()),
        ]
    }

    proptest! {
        #[test]
        fn trend_never_panics(
            history in prop::collection::vec(
                (any_date(), any_value(), any_value())
                    .prop_map(|(date, resting_hr, ln_rmssd)| DailyCheck { date, resting_hr, ln_rmssd }),
                0..120,
            ),
            today in any_date(),
            band_z_rhr in prop_oneof![Just(2.2), 0.0f64..5.0],
            outlier_sd in prop_oneof![Just(3.0), 0.0f64..10.0],
            days_shown in 0usize..100,
        ) {
            let cfg = BaselineConfig { band_z_rhr, outlier_sd, days_shown, ..BaselineConfig::default() };
            let t = trend(&history, today, &cfg);
            prop_assert!(t.days.len() <= days_shown);
            prop_assert!(t.today.window_checks <= 7);
            prop_assert!(t.days.windows(2).all(|w| w[0].date < w[1].date));
        }
    }
}
