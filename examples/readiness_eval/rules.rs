//! The physiological part of the readiness verdict, re-implemented on daily values, so that
//! candidate rules can be compared on the same histories (the evaluation's histories have no
//! training and no answers, so nothing else can fire).
//!
//! [`current`] is today's rule (src/physiology/baseline.rs and readiness.rs with the defaults
//! of config.toml): the evaluation checks that it agrees with the binary on every day, which
//! validates this re-implementation. It is rule P of the proposal (docs/science.md §12); the
//! other rules are [`before`] (the rule before issue 13) and the proposal's steps from it, each
//! a [`Rule`] made of these parts:
//! - [`Band::MeansT`]: the band is as wide as a stable person's week mean scatters around the
//!   range mean, `t x SD x sqrt(1/n_week + 1/n_range)` (today's rule), instead of `k x SD` of
//!   the daily values ([`Band::Days`], the rule before);
//! - floors: never narrower than the marker's resolution ([`FLOOR_RHR`], [`FLOOR_LN`]) nor than
//!   the smallest worthwhile change (0.5 x the daily SD, Plews 2012, 2014);
//! - [`Robust::Outlier`]: the extreme morning of the week is left out only when it IS an
//!   outlier (more than `c` daily SDs beyond the median of the other mornings), not always: a
//!   single bad morning is still ignored, but a real rise keeps its newest, largest day;
//! - persistence: a signal must hold on `persist` days in a row, `scale_back` on `sb_persist`;
//! - `sb_far`: `scale_back` needs both markers AND one of them far out (a chance coincidence
//!   of two markers just over their bands is not a reason for a break);
//! - the window of the mean (7 days today) and the trend signal's thresholds.

/// One day's values: (resting HR, lnRMSSD), `None` without a check.
pub type Day = Option<(f64, f64)>;

/// Calendar days in the rolling window (baseline.rs `WINDOW_DAYS`).
const WINDOW: usize = 7;
/// Calendar days of the range, before the window (baseline.rs `RANGE_DAYS`).
const RANGE: usize = 60;
/// Checks needed for a range (baseline.rs `BASELINE_NEEDED`).
const RANGE_NEEDED: usize = 14;
/// Checks needed for a 7-day mean (baseline.rs `MIN_WINDOW_CHECKS`).
const WINDOW_NEEDED: usize = 3;
/// Checks needed for the 14-day slope (baseline.rs `SLOPE_MIN_POINTS`).
const SLOPE_NEEDED: usize = 7;

/// Mean, sample SD and count of a marker's range.
#[derive(Debug, Clone, Copy)]
pub struct RangeStats {
    pub mean: f64,
    pub sd: f64,
    pub n: usize,
}

fn range_stats(values: &[f64]) -> Option<RangeStats> {
    let n = values.len();
    if n < RANGE_NEEDED {
        return None;
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    let sd = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt();
    Some(RangeStats { mean, sd, n })
}

/// What every rule needs about one day, computed once per history.
#[derive(Debug, Clone)]
pub struct DayStats {
    pub rhr: Option<RangeStats>,
    pub ln: Option<RangeStats>,
    /// The checks of the 7 days ending today: (days before today, resting HR, lnRMSSD).
    pub window: Vec<(usize, f64, f64)>,
    /// Least-squares slope of resting HR over the last 14 days, bpm a week.
    pub slope_14d: Option<f64>,
}

impl DayStats {
    /// A range and a 7-day mean: the day can be judged.
    pub fn judged(&self) -> bool {
        self.rhr.is_some() && self.ln.is_some() && self.window.len() >= WINDOW_NEEDED
    }

    /// The week's values of one marker within the last `days` days.
    fn week(&self, days: usize, f: fn(&(usize, f64, f64)) -> f64) -> Vec<f64> {
        self.window.iter().filter(|w| w.0 < days).map(f).collect()
    }
}

/// The statistics of every day of a history (`values[i]` = day `i`).
pub fn day_stats(values: &[Day]) -> Vec<DayStats> {
    let pick = |from: usize, to: usize, f: fn(&(f64, f64)) -> f64| -> Vec<f64> {
        values[from..=to].iter().flatten().map(f).collect()
    };
    let rhr = |v: &(f64, f64)| v.0;
    let ln = |v: &(f64, f64)| v.1;
    (0..values.len())
        .map(|d| {
            let w0 = d.saturating_sub(WINDOW - 1);
            let (range_rhr, range_ln) = if d >= WINDOW {
                let r0 = d.saturating_sub(WINDOW + RANGE - 1);
                (pick(r0, d - WINDOW, rhr), pick(r0, d - WINDOW, ln))
            } else {
                (Vec::new(), Vec::new())
            };
            let pts: Vec<(f64, f64)> = (d.saturating_sub(13)..=d)
                .filter_map(|i| values[i].map(|v| (i as f64 - d as f64, v.0)))
                .collect();
            let slope_14d = (pts.len() >= SLOPE_NEEDED).then(|| {
                let n = pts.len() as f64;
                let mx = pts.iter().map(|p| p.0).sum::<f64>() / n;
                let my = pts.iter().map(|p| p.1).sum::<f64>() / n;
                let sxx: f64 = pts.iter().map(|p| (p.0 - mx).powi(2)).sum();
                let sxy: f64 = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
                sxy / sxx * 7.0
            });
            DayStats {
                rhr: range_stats(&range_rhr),
                ln: range_stats(&range_ln),
                window: (w0..=d)
                    .filter_map(|i| values[i].map(|v| (d - i, v.0, v.1)))
                    .collect(),
                slope_14d,
            }
        })
        .collect()
}

/// How the half-width of the normal band is set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Band {
    /// `k` x SD of the daily values of the range (today's rule).
    Days(f64),
    /// As wide as a stable person's week mean scatters around the range mean: t x SD x
    /// sqrt(1/n_week + 1/n_range) (SD of the range's daily values, n_week = the mornings in the
    /// mean), where t is the Student t quantile with n_range - 1 degrees of freedom for the
    /// one-sided tail of the normal quantile `z` (z = 2: 2.3 %). One `z` for resting HR, one for
    /// lnRMSSD. t rather than z because the SD of a young range (14 checks) is itself
    /// uncertain: t keeps the false-alarm rate the same whatever the range's size.
    MeansT(f64, f64),
}

/// The Student t quantile with `df` degrees of freedom for the tail probability of the
/// standard normal quantile `z` (Cornish-Fisher expansion, Abramowitz & Stegun 26.7.5; within
/// 0.002 of the exact value for df >= 10 and z <= 2.5).
pub fn t_of_z(z: f64, df: usize) -> f64 {
    let v = df.max(1) as f64;
    let (z3, z5, z7) = (z.powi(3), z.powi(5), z.powi(7));
    z + (z3 + z) / (4.0 * v)
        + (5.0 * z5 + 16.0 * z3 + 3.0 * z) / (96.0 * v * v)
        + (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / (384.0 * v * v * v)
}

/// Which morning of the week the mean leaves out.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Robust {
    /// Always the most extreme one (the highest resting HR, the lowest lnRMSSD): today's rule.
    Always,
    /// The most extreme one only when it lies more than this many daily SDs beyond the median
    /// of the other mornings of the week.
    Outlier(f64),
}

/// A candidate rule for the physiological signals and the verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub name: String,
    pub band: Band,
    /// Smallest half-widths, the markers' resolution: resting HR (bpm) and lnRMSSD.
    pub floor_rhr: f64,
    pub floor_ln: f64,
    /// Also never narrower than the smallest worthwhile change, 0.5 x the daily SD.
    pub swc: bool,
    pub robust: Robust,
    /// A signal counts once its condition held on this many days in a row.
    pub persist: usize,
    /// `scale_back` once both markers held on this many days in a row (else `take_it_easy`).
    pub sb_persist: usize,
    /// `scale_back` only when, besides both markers, one of them lies at least this far out
    /// (in SDs of a stable week's mean; [`Judged::z_rhr`]); `None`: no such condition.
    pub sb_far: Option<f64>,
    /// Calendar days in the mean (7 today; at least 3 checks in them).
    pub window: usize,
    /// `rhr_trending_up`: (14-day slope above, bpm a week; mean at least this far above the
    /// range mean, bpm); `None` = no trend signal.
    pub trend: Option<(f64, f64)>,
}

/// Today's rule: P of the proposal (the defaults of config.toml, docs/science.md §12).
pub fn current() -> Rule {
    Rule {
        name: "current".into(),
        band: Band::MeansT(2.2, 2.0),
        floor_rhr: FLOOR_RHR,
        floor_ln: FLOOR_LN,
        swc: true,
        robust: Robust::Outlier(3.0),
        persist: 1,
        sb_persist: 1,
        sb_far: Some(3.5),
        window: WINDOW,
        trend: Some((2.0, 1.0)),
    }
}

/// The rule before issue 13: the 7-day mean without its most extreme morning against the
/// range mean +- 0.5 SD of the daily values; two markers give scale_back.
pub fn before() -> Rule {
    Rule {
        name: "before".into(),
        band: Band::Days(0.5),
        floor_rhr: 0.0,
        floor_ln: 0.0,
        swc: false,
        robust: Robust::Always,
        persist: 1,
        sb_persist: 1,
        sb_far: None,
        window: WINDOW,
        trend: Some((1.0, 2.0)),
    }
}

/// The resolution floors proposed: 1 bpm (docs/science.md §12) and 0.05 lnRMSSD (about 5 %
/// of RMSSD; the sampling error of lnRMSSD from ~110 beats is ~0.07, sqrt(1 / (2 n))).
pub const FLOOR_RHR: f64 = 1.0;
pub const FLOOR_LN: f64 = 0.05;

fn with(name: &str, band: Band, robust: Robust, persist: usize, trend: Option<(f64, f64)>) -> Rule {
    Rule {
        name: name.into(),
        band,
        floor_rhr: FLOOR_RHR,
        floor_ln: FLOOR_LN,
        swc: true,
        robust,
        persist,
        sb_persist: 1,
        sb_far: None,
        window: WINDOW,
        trend,
    }
}

/// The rules shown beside today's (P): the rule before, then one change at a time from it (A-E),
/// P again by its construction, and a faster alternative with a 5-day window (Q).
pub fn candidates() -> Vec<Rule> {
    let cur = before();
    let named = |name: &str, r: Rule| Rule {
        name: name.into(),
        ..r
    };
    let floors = Rule {
        floor_rhr: FLOOR_RHR,
        floor_ln: FLOOR_LN,
        swc: true,
        ..cur.clone()
    };
    let means = with("", Band::MeansT(2.0, 2.0), Robust::Always, 1, cur.trend);
    let outlier = Rule {
        robust: Robust::Outlier(3.0),
        ..means.clone()
    };
    let far = Rule {
        sb_far: Some(3.5),
        ..outlier.clone()
    };
    let proposal = Rule {
        band: Band::MeansT(2.2, 2.0),
        trend: Some((2.0, 1.0)),
        ..far.clone()
    };
    vec![
        current(),
        named("before issue 13: 0.5 SD of days", cur.clone()),
        named("A  + floors 1 bpm / 0.05 and SWC 0.5 SD", floors.clone()),
        named(
            "B  A with k = 1.0 SD",
            Rule {
                band: Band::Days(1.0),
                ..floors
            },
        ),
        named("C  band of 7-day means, t(z = 2), floors", means),
        named("D  C, leave out outliers (> 3 SD) only", outlier),
        named("E  D, scale_back: one marker >= 3.5 SD", far.clone()),
        named("P  E, z 2.2 / 2.0, trend 2 bpm/wk + 1 bpm", proposal),
        named(
            "Q  E, 5-day mean, no trend",
            Rule {
                window: 5,
                trend: None,
                ..far
            },
        ),
    ]
}

/// Every combination the grid search tries (floors and SWC always on; one day is enough for a
/// signal).
pub fn grid() -> Vec<Rule> {
    let mut bands = vec![Band::Days(0.5), Band::Days(1.0)];
    for z_rhr in [1.65, 1.8, 2.0, 2.2, 2.5] {
        for z_ln in [1.5, 1.65, 1.8, 2.0, 2.2] {
            bands.push(Band::MeansT(z_rhr, z_ln));
        }
    }
    let robust = [Robust::Outlier(3.0)];
    let trends = [None, Some((2.0, 1.0))];
    let mut out = Vec::new();
    for window in [7, 5, 4] {
        for &band in &bands {
            for r in robust {
                for (sb_persist, sb_far) in [(1, None), (2, None), (1, Some(3.0)), (1, Some(3.5))] {
                    for trend in trends {
                        let name = format!(
                            "w{window} {} {} sb{sb_persist}{} {}",
                            match band {
                                Band::Days(k) => format!("days {k}"),
                                Band::MeansT(a, b) => format!("t {a}/{b}"),
                            },
                            match r {
                                Robust::Always => "drop".to_string(),
                                Robust::Outlier(c) => format!("out{c}"),
                            },
                            sb_far.map_or(String::new(), |z| format!(" far{z}")),
                            match trend {
                                None => "no-trend".to_string(),
                                Some((s, rise)) => format!("trend {s}/{rise}"),
                            }
                        );
                        out.push(Rule {
                            window,
                            sb_persist,
                            sb_far,
                            ..with(&name, band, r, 1, trend)
                        });
                    }
                }
            }
        }
    }
    out
}

/// The week's mean as the rule takes it, and the mornings in it; `high`: resting HR (the
/// highest morning is the extreme), else lnRMSSD (the lowest).
fn week_mean(w: &[f64], sd: f64, robust: Robust, high: bool) -> Option<(f64, usize)> {
    let n = w.len();
    if n < WINDOW_NEEDED {
        return None;
    }
    let (at, extreme) = w
        .iter()
        .copied()
        .enumerate()
        .fold((0, w[0]), |best, (i, v)| {
            if (high && v > best.1) || (!high && v < best.1) {
                (i, v)
            } else {
                best
            }
        });
    let sum: f64 = w.iter().sum();
    let drop = match robust {
        Robust::Always => true,
        Robust::Outlier(c) => {
            let mut others: Vec<f64> = w
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
            let beyond = if high {
                extreme - median
            } else {
                median - extreme
            };
            beyond > c * sd
        }
    };
    Some(if drop {
        ((sum - extreme) / (n - 1) as f64, n - 1)
    } else {
        (sum / n as f64, n)
    })
}

/// The signals of one day.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Judged {
    pub elevated: bool,
    pub trending: bool,
    pub suppressed: bool,
    /// How far the week's means lie beyond the range means, in SDs of a stable week's mean
    /// (SD x sqrt(1/n_week + 1/n_range)): resting HR above, lnRMSSD below.
    pub z_rhr: f64,
    pub z_ln: f64,
    /// `ready`, `take_it_easy` or `scale_back`.
    pub verdict: &'static str,
}

impl Judged {
    /// Resting HR (elevated or trending: one marker) and HRV.
    fn markers(self) -> usize {
        usize::from(self.elevated || self.trending) + usize::from(self.suppressed)
    }

    /// The signal ids, sorted.
    pub fn signals(self) -> Vec<String> {
        let mut s = Vec::new();
        if self.suppressed {
            s.push("hrv_suppressed".to_string());
        }
        if self.elevated {
            s.push("rhr_elevated".to_string());
        }
        if self.trending {
            s.push("rhr_trending_up".to_string());
        }
        s
    }
}

fn raw(day: &DayStats, rule: &Rule) -> Judged {
    let (Some(r), Some(l)) = (day.rhr, day.ln) else {
        return Judged::default();
    };
    let (Some((rhr, n_rhr)), Some((ln, n_ln))) = (
        week_mean(&day.week(rule.window, |w| w.1), r.sd, rule.robust, true),
        week_mean(&day.week(rule.window, |w| w.2), l.sd, rule.robust, false),
    ) else {
        return Judged::default();
    };
    let half = |s: &RangeStats, n_week: usize, floor: f64, hrv: bool| {
        let w = match rule.band {
            Band::Days(k) => k * s.sd,
            Band::MeansT(z_rhr, z_ln) => {
                let z = t_of_z(if hrv { z_ln } else { z_rhr }, s.n - 1);
                z * s.sd * (1.0 / n_week as f64 + 1.0 / s.n as f64).sqrt()
            }
        };
        let w = if rule.swc { w.max(0.5 * s.sd) } else { w };
        w.max(floor)
    };
    let unit =
        |s: &RangeStats, n_week: usize| s.sd * (1.0 / n_week as f64 + 1.0 / s.n as f64).sqrt();
    Judged {
        z_rhr: (rhr - r.mean) / unit(&r, n_rhr),
        z_ln: (l.mean - ln) / unit(&l, n_ln),
        elevated: rhr > r.mean + half(&r, n_rhr, rule.floor_rhr, false),
        trending: rule.trend.is_some_and(|(slope, rise)| {
            day.slope_14d.is_some_and(|s| s > slope) && rhr - r.mean >= rise
        }),
        suppressed: ln < l.mean - half(&l, n_ln, rule.floor_ln, true),
        verdict: "ready",
    }
}

/// Every day's signals and verdict by `rule`: two markers `scale_back` (once they held
/// together on `sb_persist` days in a row, else `take_it_easy`), one `take_it_easy`.
pub fn judge(stats: &[DayStats], rule: &Rule) -> Vec<Judged> {
    let raw: Vec<Judged> = stats.iter().map(|d| raw(d, rule)).collect();
    let p = rule.persist.max(1);
    let mut out: Vec<Judged> = (0..raw.len())
        .map(|d| {
            let held = |f: fn(&Judged) -> bool| d + 1 >= p && raw[d + 1 - p..=d].iter().all(f);
            Judged {
                elevated: held(|j| j.elevated),
                trending: held(|j| j.trending),
                suppressed: held(|j| j.suppressed),
                ..raw[d]
            }
        })
        .collect();
    let q = rule.sb_persist.max(1);
    for d in 0..out.len() {
        let both_held = d + 1 >= q && out[d + 1 - q..=d].iter().all(|j| j.markers() == 2);
        let far = rule
            .sb_far
            .map_or(true, |z| out[d].z_rhr.max(out[d].z_ln) >= z);
        let both_held = both_held && far;
        out[d].verdict = match out[d].markers() {
            0 => "ready",
            2 if both_held => "scale_back",
            _ => "take_it_easy",
        };
    }
    out
}
