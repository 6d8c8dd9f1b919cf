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
//! - the normal range: HRV4Training compares the 7-day average with the mean +- 0.5 SD (or 1 SD,
//!   user-selectable) of the last 60 days; Elite HRV and Garmin settle a baseline over 2-3 weeks:
//!   hence 14 days of data before a range is shown.
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
/// Default half-width of the normal range in SDs (HRV4Training's narrower option: 0.5 SD).
pub const DEFAULT_RANGE_K: f64 = 0.5;
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

/// Settings for [`trend`]; the lead exposes them in config.toml.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BaselineConfig {
    /// Half-width of the normal range in standard deviations: 0.5 (default) or 1.0
    /// (HRV4Training's two settings; 1.0 gives fewer, later alerts).
    pub range_k: f64,
    /// Days shown in [`Trend::days`], ending today (capped at [`MAX_DAYS_SHOWN`]).
    pub days_shown: usize,
}

impl Default for BaselineConfig {
    fn default() -> Self {
        BaselineConfig {
            range_k: DEFAULT_RANGE_K,
            days_shown: DEFAULT_DAYS_SHOWN,
        }
    }
}

/// A normal range: mean +- k x SD (sample SD, n-1) of the daily values in the range's days.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct NormalRange {
    pub low: f64,
    pub mean: f64,
    pub high: f64,
    pub sd: f64,
    /// Checks it was built from (>= [`BASELINE_NEEDED`]).
    pub days: usize,
}

impl NormalRange {
    fn of(values: impl Iterator<Item = f64> + Clone, k: f64) -> Option<Self> {
        let days = values.clone().count();
        if days < BASELINE_NEEDED {
            return None;
        }
        let mean = values.clone().sum::<f64>() / days as f64;
        let sd = (values.map(|v| (v - mean).powi(2)).sum::<f64>() / (days - 1) as f64).sqrt();
        Some(NormalRange {
            low: mean - k * sd,
            mean,
            high: mean + k * sd,
            sd,
            days,
        })
    }
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
    /// That day's normal range (from the 60 days before its 7-day window).
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
    /// The same mean with its highest morning left out: what a physiological signal needs to
    /// see too, so that one bad morning alone can never raise one (see
    /// [`crate::physiology::readiness`]).
    pub rhr_7d_without_highest: Option<f64>,
    /// The 7-day lnRMSSD mean with its lowest morning left out.
    pub ln_rmssd_7d_without_lowest: Option<f64>,
    /// Today's normal ranges: the [`RANGE_DAYS`] days before the 7-day window.
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
        .map(|date| checks.row(date, cfg.range_k))
        .collect();
    days.reverse();

    let window = checks.window(Some(today));
    let rhr_range = checks.rhr_range(today, cfg.range_k);
    let baseline_days = checks.range_days(today).len();
    let days_above = match rhr_range {
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
        rhr_range,
        ln_rmssd_range: checks.ln_rmssd_range(today, cfg.range_k),
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

    fn rhr_range(self, date: NaiveDate, k: f64) -> Option<NormalRange> {
        NormalRange::of(self.range_days(date).iter().map(|c| c.resting_hr), k)
    }

    fn ln_rmssd_range(self, date: NaiveDate, k: f64) -> Option<NormalRange> {
        NormalRange::of(self.range_days(date).iter().map(|c| c.ln_rmssd), k)
    }

    fn row(self, date: NaiveDate, k: f64) -> TrendRow {
        let check = self
            .0
            .binary_search_by_key(&date, |c| c.date)
            .ok()
            .and_then(|i| self.0.get(i));
        let window = self.window(Some(date));
        let rhr = self.rhr_range(date, k);
        let ln = self.ln_rmssd_range(date, k);
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
        let range = t.today.rhr_range.unwrap();
        assert_eq!(
            (range.low, range.mean, range.high, range.days),
            (55.0, 55.0, 55.0, 14)
        );
    }

    #[test]
    fn the_range_is_the_60_days_before_the_window() {
        // Days 0..=99 with resting HR = day number; today = 99. Window 93..=99, range days
        // 33..=92: mean 62.5; SD of 60 consecutive integers = sqrt(60 x 61 / 12) = sqrt(305).
        let history: Vec<DailyCheck> = (0..100).map(|d| check(d, d as f64, 4.0)).collect();
        let cfg = BaselineConfig {
            range_k: 1.0,
            ..BaselineConfig::default()
        };
        let t = trend(&history, day(99), &cfg);
        let range = t.today.rhr_range.unwrap();
        assert_eq!(range.days, 60);
        assert!(close(range.mean, 62.5));
        assert!(close(range.sd, 305f64.sqrt()));
        assert!(close(range.high, 62.5 + 305f64.sqrt()));
        assert!(close(t.today.rhr_7d.unwrap(), 96.0));
        // 1 bpm a day: 7 bpm a week over 14 and 28 days.
        assert!(close(t.today.slope_14d.unwrap(), 7.0));
        assert!(close(t.today.slope_28d.unwrap(), 7.0));
        // Every check from day 80 (> 62.5 + 17.46) on is above the range: 20 in a row.
        assert_eq!(t.today.days_above, 20);
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
            range_k in prop_oneof![Just(0.5), Just(1.0), 0.0f64..3.0],
            days_shown in 0usize..100,
        ) {
            let cfg = BaselineConfig { range_k, days_shown };
            let t = trend(&history, today, &cfg);
            prop_assert!(t.days.len() <= days_shown);
            prop_assert!(t.today.window_checks <= 7);
            prop_assert!(t.days.windows(2).all(|w| w[0].date < w[1].date));
        }
    }
}
