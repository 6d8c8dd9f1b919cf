//! Heart-rate variability from RR intervals: the Task Force 1996 time-domain metrics, the
//! morning check's accept-or-refuse decision, and the simple dropping cleaner.
//!
//! Owns the metric definitions, the refusal thresholds, the plausible range and the simple
//! cleaning rule. Pure: RR intervals in milliseconds come in (from
//! [`crate::reading::RrInterval::ms`], which is exact), numbers or a refusal go out; no clock, no
//! disk, no terminal.
//!
//! Sources (docs/science.md; the rules below, step by step: §10, §16):
//! - definitions (§6): Task Force of the ESC and NASPE 1996, Eur Heart J 17:354: RMSSD, lnRMSSD,
//!   SDNN (sample SD, n-1), pNN50, mean NN, mean HR = 60000 / mean NN;
//! - cleaning (§6): reject an interval outside 300-2000 ms or differing > 20 % from the previous
//!   accepted one (Malik-style filters), and compare with the local median (Xu & Schuckers 2001);
//! - correction (§10): Lipponen & Tarvainen 2019, in [`super::rr_correction`];
//! - protocol (§5): 60 s of lnRMSSD agrees with 5 min (Esco & Flatt 2014, ICC 0.98); discard the
//!   first ~30-60 s while the heart settles.
//!
//! # The morning check ([`morning_metrics`])
//!
//! The morning check computes HRV from CORRECTED RR: [`super::rr_correction::correct_rr`]
//! (Lipponen & Tarvainen 2019, docs/science.md §10) splits missed beats, merges extra ones,
//! interpolates ectopic, long and short ones, and then removes what is still outside
//! 300-2000 ms. A strap that misses or adds a beat no longer costs the beats around it. The
//! mean NN, SDNN and the resting HR come from the whole corrected series; RMSSD and pNN50
//! from the successive differences between adjacent RECORDED values only (not the halves of a
//! split beat nor interpolated values, which are smooth by construction and would bias RMSSD
//! down: see the module documentation of `rr_correction`). The
//! artifact share it refuses on is the share of the input intervals that were corrected or
//! removed, and the result carries the counts by type.
//!
//! # Cleaning ([`clean_rr`])
//!
//! The simple filter plus a local-median comparison, which DROPS beats instead of correcting
//! them: the rule [`metrics_of_rr`] applies, kept as the documented, reference-checked baseline
//! (tests/hrv_reference.rs) that the correction is measured against. The morning check no
//! longer uses it. An interval is ACCEPTED as a normal-to-normal (NN) beat when all three
//! hold, checked in this order:
//! 1. it is finite and within [`RR_MIN_MS`]..=[`RR_MAX_MS`] (300-2000 ms, both included);
//! 2. it differs from the local median by at most [`MAX_RELATIVE_CHANGE`] (20 %) of that median:
//!    `|rr - median| <= 0.2 x median`, where the median is taken over the in-range intervals
//!    among the [`MEDIAN_HALF_WINDOW`] (5) before, the interval itself and the 5 after (11 beats,
//!    fewer at the ends; an even count takes the mean of the two middle values);
//! 3. it differs from the previous ACCEPTED interval by at most 20 % of that interval
//!    (`|rr - prev| <= 0.2 x prev`), when that interval lies at most 5 positions back. After a
//!    longer run of rejected beats the local median alone decides, so a real change of rate
//!    during a burst of artifacts cannot lock every later beat out. The first interval has no
//!    previous one: rule 3 does not apply to it.
//!
//! When rule 3 fails, one of the two intervals is an artifact, and the local median decides
//! which: the one farther from its own local median (relative distance `|rr - median| /
//! median`) is rejected; on a tie, the newer one. If that is the previous interval, it is
//! rejected after all, and the current interval is compared in the same way with the accepted
//! interval before it (again only within 5 positions back), until it is accepted or rejected.
//! Without this, a mildly premature beat that slips through rules 1-2 (an 18 % early atrial
//! beat in MIT-BIH record 1003) would stay in, and as the reference of rule 3 it would reject
//! the normal beats after it.
//!
//! Every other interval is REJECTED and counts as an artifact. Rejected intervals are dropped,
//! not interpolated. Their [`BeatFlag`] names the likely cause, borrowing the classes of
//! Lipponen & Tarvainen (the label is descriptive only: acceptance never depends on it). The
//! artifact share is `rejected / total`, where total counts every interval handed in (after
//! the settling time, for a morning check), so a missed beat (one 1600 ms interval spanning
//! two beats) counts once.
//!
//! # Successive differences
//!
//! RMSSD and pNN50 use differences between successive NN intervals. A difference is formed only
//! between two intervals that were ADJACENT in the original series and both accepted: a rejected
//! interval breaks the pair, so nothing is differenced across a removed beat (the two intervals
//! around a removed ectopic beat are seconds apart and their difference is not a beat-to-beat
//! change; differencing across it would inflate RMSSD). The adjacency goes with the NN series
//! ([`CleanedRr::adjacent`]) into [`metrics_of_nn`].

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::rr_correction::{correct_rr, ArtifactCounts, RrCorrection};

/// Shortest plausible RR interval, ms (200 bpm). docs/science.md §6, §11.
pub const RR_MIN_MS: f64 = 300.0;
/// Longest plausible RR interval, ms (30 bpm). docs/science.md §6, §11.
pub const RR_MAX_MS: f64 = 2000.0;
/// The largest accepted change against the previous accepted interval and against the local
/// median, as a share of the reference (20 %: Malik-style filters, docs/science.md §6; its use against the median is talkzone's, §16).
pub const MAX_RELATIVE_CHANGE: f64 = 0.20;
/// Beats on each side of an interval in its local median (11 beats in all; the window of the
/// median filter in Lipponen & Tarvainen 2019, docs/science.md §10), and how far back the previous accepted interval
/// may lie to still count as the reference (see the module documentation).
pub const MEDIAN_HALF_WINDOW: usize = 5;
/// A successive difference larger than this (strictly) counts toward pNN50 (Task Force 1996).
pub const PNN50_MS: f64 = 50.0;
/// Consecutive NN beats in the window of [`HrvMetrics::resting_hr_lowest_30_beats`]. Firstbeat
/// takes the lowest mean of 50 beats (docs/science.md §5, §16); 30 beats fit in the shortest check (60 s
/// of clean RR hold at least 30 beats, since no NN interval is longer than 2 s).
pub const RESTING_HR_BEATS: usize = 30;
/// A morning check with a larger share of rejected intervals is refused. The product's rule:
/// docs/science.md §6 only says "refuse a reading with too many" (the rule: §16); beyond a fifth of the beats the
/// remaining ones no longer describe an undisturbed rest.
pub const MAX_ARTIFACT_SHARE: f64 = 0.20;
/// A morning check needs at least this many seconds of clean RR (sum of NN intervals): 60 s of
/// lnRMSSD agrees with 5 min (Esco & Flatt 2014, ICC 0.98); 10 s does not (docs/science.md §5).
pub const MIN_CLEAN_S: f64 = 60.0;

/// What the cleaner ([`clean_rr`]) or the correction ([`super::rr_correction::correct_rr`]) made
/// of one RR interval. For the cleaner every flag but `Normal` means "rejected (dropped)"; for
/// the correction `Ectopic`, `Missed`, `Extra`, `Short` and `Long` mean "corrected as such" and
/// `OutOfRange` means "removed".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BeatFlag {
    /// Accepted (kept as it was): a normal-to-normal interval.
    Normal,
    /// Not a finite value within 300-2000 ms (for the correction: not a finite positive value,
    /// or outside 300-2000 ms after correction).
    OutOfRange,
    /// A premature beat or its compensatory pause (cleaner: one of a short-long pair adding up
    /// to within 20 % of twice the local median; correction: the S11-S12 decision).
    Ectopic,
    /// The strap missed a beat, so one interval spans two (cleaner: half of it within 20 % of
    /// the local median; correction: long, and half of it within the threshold of the median).
    Missed,
    /// A spurious detection split one interval in two (cleaner: it adds up with a neighbour to
    /// within 20 % of the local median; correction: short, and it adds up with a neighbour to
    /// within the threshold of the median).
    Extra,
    /// Shorter than its reference, fitting none of the patterns above.
    Short,
    /// Longer than its reference, fitting none of the patterns above.
    Long,
}

impl BeatFlag {
    /// The id used in JSON.
    pub fn id(self) -> &'static str {
        match self {
            BeatFlag::Normal => "normal",
            BeatFlag::OutOfRange => "out_of_range",
            BeatFlag::Ectopic => "ectopic",
            BeatFlag::Missed => "missed",
            BeatFlag::Extra => "extra",
            BeatFlag::Short => "short",
            BeatFlag::Long => "long",
        }
    }

    /// Whether the interval was accepted as NN.
    pub fn is_normal(self) -> bool {
        self == BeatFlag::Normal
    }
}

/// An RR series after cleaning.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CleanedRr {
    /// The accepted (NN) intervals, ms, in their original order.
    pub nn_ms: Vec<f64>,
    /// `adjacent[k]`: `nn_ms[k]` and `nn_ms[k + 1]` were next to each other in the original
    /// series (no rejected interval between them). `nn_ms.len() - 1` entries (none when empty).
    pub adjacent: Vec<bool>,
    /// One flag per input interval.
    pub flags: Vec<BeatFlag>,
    /// Input intervals rejected.
    pub rejected: usize,
    /// `rejected / flags.len()`, 0..1; 0 for an empty series.
    pub artifact_share: f64,
}

/// Cleans an RR series (ms) by the rule in the module documentation. Never fails: anything can
/// come in, non-finite values are rejected as out of range.
pub fn clean_rr(rr_ms: &[f64]) -> CleanedRr {
    let medians: Vec<Option<f64>> = (0..rr_ms.len()).map(|i| local_median(rr_ms, i)).collect();
    // Relative distance from the local median; only asked of intervals that passed rules 1-2.
    let distance = |i: usize| medians[i].map_or(f64::INFINITY, |m| (rr_ms[i] - m).abs() / m);
    // Indices of the intervals accepted so far, in order (rule 3 may take the last ones back).
    let mut accepted: Vec<usize> = Vec::with_capacity(rr_ms.len());
    for (i, &rr) in rr_ms.iter().enumerate() {
        if !(in_range(rr) && medians[i].is_some_and(|m| within(rr, m))) {
            continue;
        }
        loop {
            match accepted.last() {
                Some(&j) if i - j <= MEDIAN_HALF_WINDOW && !within(rr, rr_ms[j]) => {
                    if distance(i) < distance(j) {
                        accepted.pop();
                    } else {
                        break;
                    }
                }
                _ => {
                    accepted.push(i);
                    break;
                }
            }
        }
    }

    let mut flags = vec![BeatFlag::Normal; rr_ms.len()];
    let mut next_accepted = accepted.iter().copied().peekable();
    let mut previous: Option<usize> = None;
    for (i, flag) in flags.iter_mut().enumerate() {
        if next_accepted.next_if_eq(&i).is_some() {
            previous = Some(i);
        } else {
            let reference = previous
                .filter(|&j| i - j <= MEDIAN_HALF_WINDOW)
                .map(|j| rr_ms[j]);
            *flag = classify(rr_ms, &medians, i, reference);
        }
    }
    let nn_ms = accepted.iter().map(|&i| rr_ms[i]).collect();
    let adjacent = accepted.windows(2).map(|w| w[0] + 1 == w[1]).collect();
    let rejected = rr_ms.len() - accepted.len();
    let artifact_share = if rr_ms.is_empty() {
        0.0
    } else {
        rejected as f64 / rr_ms.len() as f64
    };
    CleanedRr {
        nn_ms,
        adjacent,
        flags,
        rejected,
        artifact_share,
    }
}

fn in_range(rr: f64) -> bool {
    (RR_MIN_MS..=RR_MAX_MS).contains(&rr)
}

/// `|value - reference| <= 20 % of reference`.
fn within(value: f64, reference: f64) -> bool {
    (value - reference).abs() <= MAX_RELATIVE_CHANGE * reference
}

/// The median of the in-range intervals among `i - 5 ..= i + 5`; `None` when there are none.
fn local_median(rr_ms: &[f64], i: usize) -> Option<f64> {
    let first = i.saturating_sub(MEDIAN_HALF_WINDOW);
    let last = (i + MEDIAN_HALF_WINDOW + 1).min(rr_ms.len());
    let mut window: Vec<f64> = rr_ms
        .get(first..last)
        .unwrap_or_default()
        .iter()
        .copied()
        .filter(|&v| in_range(v))
        .collect();
    median(&mut window)
}

/// The median (the mean of the two middle values for an even count); `None` when empty.
fn median(values: &mut [f64]) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(values[n / 2]),
        _ => Some((values[n / 2 - 1] + values[n / 2]) / 2.0),
    }
}

/// The likely cause of a rejected interval (descriptive only; see [`BeatFlag`]).
fn classify(rr_ms: &[f64], medians: &[Option<f64>], i: usize, reference: Option<f64>) -> BeatFlag {
    let rr = rr_ms[i];
    let Some(m) = medians[i].filter(|_| in_range(rr)) else {
        return BeatFlag::OutOfRange;
    };
    let previous = i.checked_sub(1).map(|j| rr_ms[j]);
    let next = rr_ms.get(i + 1).copied();
    let neighbours = [previous, next];
    if neighbours
        .iter()
        .flatten()
        .any(|&n| n < m && rr < m && within(rr + n, m))
    {
        return BeatFlag::Extra;
    }
    if within(rr / 2.0, m) {
        return BeatFlag::Missed;
    }
    let premature_then_pause = rr < m && next.is_some_and(|n| n > m && within(rr + n, 2.0 * m));
    let pause_after_premature =
        rr > m && previous.is_some_and(|p| p < m && within(p + rr, 2.0 * m));
    if premature_then_pause || pause_after_premature {
        return BeatFlag::Ectopic;
    }
    if rr < reference.unwrap_or(m) {
        BeatFlag::Short
    } else {
        BeatFlag::Long
    }
}

/// Time-domain HRV of one series (Task Force 1996, docs/science.md §6, §16).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct HrvMetrics {
    /// Mean of the NN intervals, ms.
    pub mean_nn_ms: f64,
    /// Root mean square of the successive differences, ms (adjacent accepted pairs only).
    pub rmssd_ms: f64,
    /// ln(RMSSD in ms); minus infinity for a perfectly constant series (RMSSD 0).
    pub ln_rmssd: f64,
    /// Sample standard deviation (n-1) of the NN intervals, ms.
    pub sdnn_ms: f64,
    /// Share 0..1 of the successive differences (adjacent accepted pairs) larger than 50 ms. The
    /// Task Force divides NN50 by the count of NN intervals; with pairs broken by rejected beats
    /// the count of differences is the consistent denominator, and it is what is used here.
    pub pnn50: f64,
    /// 60000 / mean NN, bpm.
    pub mean_hr_bpm: f64,
    /// The lowest mean heart rate over [`RESTING_HR_BEATS`] consecutive NN beats, bpm:
    /// 60000 x 30 / (the largest sum of 30 consecutive NN intervals). Consecutive in the NN
    /// series: a removed beat does not break the window (a mean rate is not a beat-to-beat
    /// difference). With fewer than 30 NN beats, the mean over all of them (= `mean_hr_bpm`).
    /// This is the resting HR a morning check reports (docs/science.md §5: "say which you use"; §16).
    pub resting_hr_lowest_30_beats: f64,
    /// NN intervals used (for corrected RR: the corrected series, which a split missed beat
    /// makes longer than the input).
    pub nn_count: usize,
    /// RR intervals handed in (after settling, for a morning check).
    pub rr_count: usize,
    /// Rejected (or, for corrected RR, corrected or removed) / `rr_count`, 0..1.
    pub artifact_share: f64,
}

/// Why [`metrics_of_nn`] could not compute metrics.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum MetricsError {
    #[error("HRV needs at least 2 NN intervals, got {nn}")]
    TooFewBeats { nn: usize },
    #[error("HRV needs at least one pair of adjacent NN intervals; every pair was broken")]
    NoAdjacentPair,
    #[error("adjacency must have one entry per pair of NN intervals ({expected}), got {got}")]
    AdjacencyLength { expected: usize, got: usize },
    #[error("NN interval {index} is {value} ms: not a finite positive duration")]
    BadInterval { index: usize, value: f64 },
}

/// The Task Force 1996 metrics of an NN series with no further cleaning. `adjacency[k]` says
/// whether `nn[k]` and `nn[k + 1]` were adjacent in the recording (see [`CleanedRr::adjacent`]);
/// only adjacent pairs give successive differences. For a series known to be clean, pass
/// `&vec![true; nn.len() - 1]`.
///
/// `rr_count` is set to `nn.len()` and `artifact_share` to 0: nothing was rejected here.
pub fn metrics_of_nn(nn: &[f64], adjacency: &[bool]) -> Result<HrvMetrics, MetricsError> {
    if nn.len() < 2 {
        return Err(MetricsError::TooFewBeats { nn: nn.len() });
    }
    if adjacency.len() != nn.len() - 1 {
        return Err(MetricsError::AdjacencyLength {
            expected: nn.len() - 1,
            got: adjacency.len(),
        });
    }
    if let Some((index, &value)) = nn
        .iter()
        .enumerate()
        .find(|(_, v)| !(v.is_finite() && **v > 0.0))
    {
        return Err(MetricsError::BadInterval { index, value });
    }
    let differences: Vec<f64> = nn
        .windows(2)
        .zip(adjacency)
        .filter(|(_, &adjacent)| adjacent)
        .map(|(pair, _)| pair[1] - pair[0])
        .collect();
    if differences.is_empty() {
        return Err(MetricsError::NoAdjacentPair);
    }

    let n = nn.len() as f64;
    let mean_nn_ms = nn.iter().sum::<f64>() / n;
    let sdnn_ms = (nn.iter().map(|v| (v - mean_nn_ms).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let pairs = differences.len() as f64;
    let rmssd_ms = (differences.iter().map(|d| d * d).sum::<f64>() / pairs).sqrt();
    let nn50 = differences.iter().filter(|d| d.abs() > PNN50_MS).count();
    let slowest_window_ms = if nn.len() >= RESTING_HR_BEATS {
        nn.windows(RESTING_HR_BEATS)
            .map(|w| w.iter().sum::<f64>() / RESTING_HR_BEATS as f64)
            .fold(f64::MIN, f64::max)
    } else {
        mean_nn_ms
    };
    Ok(HrvMetrics {
        mean_nn_ms,
        rmssd_ms,
        ln_rmssd: rmssd_ms.ln(),
        sdnn_ms,
        pnn50: nn50 as f64 / pairs,
        mean_hr_bpm: 60_000.0 / mean_nn_ms,
        resting_hr_lowest_30_beats: 60_000.0 / slowest_window_ms,
        nn_count: nn.len(),
        rr_count: nn.len(),
        artifact_share: 0.0,
    })
}

/// Cleans `rr_ms` ([`clean_rr`]: artifacts dropped) and computes its metrics, with no refusal
/// thresholds: for reference checks and as the baseline the correction is measured against.
/// `rr_count` and `artifact_share` describe the whole input.
pub fn metrics_of_rr(rr_ms: &[f64]) -> Result<(HrvMetrics, CleanedRr), MetricsError> {
    let cleaned = clean_rr(rr_ms);
    let mut metrics = metrics_of_nn(&cleaned.nn_ms, &cleaned.adjacent)?;
    metrics.rr_count = cleaned.flags.len();
    metrics.artifact_share = cleaned.artifact_share;
    Ok((metrics, cleaned))
}

/// Corrects `rr_ms` ([`correct_rr`]: Lipponen & Tarvainen 2019) and computes the metrics of the
/// corrected series, with no refusal thresholds: the morning check's path for long recordings
/// and measurements. Successive differences (RMSSD, pNN50) only between adjacent recorded
/// values ([`RrCorrection::recorded_pairs`]; interpolated values would bias RMSSD down), the
/// mean, SDNN and resting HR over the whole corrected series. `rr_count` is the input length, `nn_count` the corrected series' length
/// (larger than `rr_count` when missed beats were split), `artifact_share` the correction's.
pub fn metrics_of_corrected_rr(rr_ms: &[f64]) -> Result<(HrvMetrics, RrCorrection), MetricsError> {
    let corrected = correct_rr(rr_ms);
    let mut metrics = metrics_of_nn(&corrected.nn_ms, &corrected.recorded_pairs())?;
    metrics.rr_count = corrected.flags.len();
    metrics.artifact_share = corrected.artifact_share;
    Ok((metrics, corrected))
}

/// An accepted morning check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MorningResult {
    pub metrics: HrvMetrics,
    /// The settling time asked for, seconds (negative or NaN taken as 0).
    pub settle_s: f64,
    /// Intervals dropped as settling time (not counted anywhere else).
    pub settle_beats: usize,
    /// Sum of the intervals the metrics were computed from (the corrected series), seconds.
    pub clean_s: f64,
    /// One flag per interval after the settling time: what the correction did with it.
    pub flags: Vec<BeatFlag>,
    /// Corrected intervals by type (the JSON `artifacts`: ectopic, missed, extra, long_short).
    pub artifacts: ArtifactCounts,
    /// Intervals removed: not a finite positive value, or outside 300-2000 ms after correction.
    /// With `artifacts` they make up `metrics.artifact_share`.
    pub out_of_range: usize,
}

/// Why a morning check was refused. The messages are for the person taking the check.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum CheckRefused {
    /// More than [`MAX_ARTIFACT_SHARE`] of the intervals were corrected or removed
    /// (`rejected` counts both).
    #[error(
        "poor strap contact: wet the electrodes and try again ({:.0} % of {total} beats were artifacts; at most {:.0} % may be)",
        artifact_share * 100.0,
        MAX_ARTIFACT_SHARE * 100.0
    )]
    PoorContact {
        artifact_share: f64,
        rejected: usize,
        total: usize,
    },
    /// Less than [`MIN_CLEAN_S`] of clean RR after the settling time.
    #[error(
        "only {:.1} s of clean heartbeat intervals after the first {settle_s} s: at least {needed_s} s are needed (Esco & Flatt 2014); stay still and record for longer",
        (clean_s * 10.0).floor() / 10.0
    )]
    TooShort {
        clean_s: f64,
        settle_s: f64,
        needed_s: f64,
    },
    /// Metrics could not be computed (not expected once the two checks above pass).
    #[error("no heart-rate variability could be computed: {0}")]
    NoMetrics(#[from] MetricsError),
}

/// A morning resting check from the RR intervals of one recording (ms, in order).
///
/// Drops the intervals that start within the first `settle_s` seconds (by cumulative RR time,
/// counting every interval handed in; a non-finite or negative interval adds no time),
/// corrects the rest ([`correct_rr`], which also removes what is outside 300-2000 ms after
/// correction) and refuses the check when more than [`MAX_ARTIFACT_SHARE`] of them were
/// corrected or removed (checked first: it is the more useful advice) or when the corrected
/// series is shorter than [`MIN_CLEAN_S`]. The metrics are those of the corrected series.
pub fn morning_metrics(rr_ms: &[f64], settle_s: f64) -> Result<MorningResult, CheckRefused> {
    let settle_s = if settle_s > 0.0 { settle_s } else { 0.0 };
    let settle_ms = settle_s * 1000.0;
    let mut start_ms = 0.0;
    let settle_beats = rr_ms
        .iter()
        .take_while(|&&rr| {
            let settling = start_ms < settle_ms;
            if rr.is_finite() && rr > 0.0 {
                start_ms += rr;
            }
            settling
        })
        .count();
    let rr_ms = &rr_ms[settle_beats..];
    let corrected = correct_rr(rr_ms);
    if corrected.artifact_share > MAX_ARTIFACT_SHARE {
        return Err(CheckRefused::PoorContact {
            artifact_share: corrected.artifact_share,
            rejected: corrected.artifacts.total() + corrected.out_of_range,
            total: corrected.flags.len(),
        });
    }
    let clean_s = corrected.nn_ms.iter().sum::<f64>() / 1000.0;
    if clean_s < MIN_CLEAN_S {
        return Err(CheckRefused::TooShort {
            clean_s,
            settle_s,
            needed_s: MIN_CLEAN_S,
        });
    }
    let mut metrics = metrics_of_nn(&corrected.nn_ms, &corrected.recorded_pairs())?;
    metrics.rr_count = corrected.flags.len();
    metrics.artifact_share = corrected.artifact_share;
    Ok(MorningResult {
        metrics,
        settle_s,
        settle_beats,
        clean_s,
        flags: corrected.flags,
        artifacts: corrected.artifacts,
        out_of_range: corrected.out_of_range,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    fn clean_series(n: usize) -> Vec<f64> {
        // 800 ms with a gentle +-10 ms breathing wobble: every beat passes every rule.
        (0..n)
            .map(|i| 800.0 + [0.0, 10.0, 0.0, -10.0][i % 4])
            .collect()
    }

    #[test]
    fn hand_checked_metrics() {
        // Differences 10, -20, 10: RMSSD = sqrt((100 + 400 + 100) / 3) = sqrt(200).
        let m = metrics_of_nn(&[800.0, 810.0, 790.0, 800.0], &[true; 3]).unwrap();
        assert!(close(m.rmssd_ms, 200f64.sqrt()), "{}", m.rmssd_ms);
        assert!(close(m.ln_rmssd, 200f64.sqrt().ln()));
        assert!(close(m.mean_nn_ms, 800.0));
        // Deviations 0, 10, -10, 0: SDNN = sqrt(200 / 3).
        assert!(close(m.sdnn_ms, (200.0f64 / 3.0).sqrt()));
        assert_eq!(m.pnn50, 0.0);
        assert!(close(m.mean_hr_bpm, 75.0));
        // Fewer than 30 beats: the mean over all of them.
        assert!(close(m.resting_hr_lowest_30_beats, 75.0));
        assert_eq!((m.nn_count, m.rr_count, m.artifact_share), (4, 4, 0.0));
    }

    #[test]
    fn pnn50_counts_differences_strictly_above_50() {
        // Differences 60, -50, 51, -100: 60, 51, 100 are > 50; exactly 50 is not. 3 of 4.
        let m = metrics_of_nn(&[800.0, 860.0, 810.0, 861.0, 761.0], &[true; 4]).unwrap();
        assert!(close(m.pnn50, 0.75));
    }

    #[test]
    fn a_broken_pair_is_not_differenced() {
        // 800 | 900: the pair is broken, so only 800->810 and 900->880 count.
        let m = metrics_of_nn(&[800.0, 810.0, 900.0, 880.0], &[true, false, true]).unwrap();
        assert!(close(m.rmssd_ms, ((100.0 + 400.0) / 2.0f64).sqrt()));
        // SDNN and mean use every NN beat regardless.
        assert!(close(m.mean_nn_ms, 847.5));
        assert!(matches!(
            metrics_of_nn(&[800.0, 900.0], &[false]),
            Err(MetricsError::NoAdjacentPair)
        ));
        assert!(matches!(
            metrics_of_nn(&[800.0], &[]),
            Err(MetricsError::TooFewBeats { nn: 1 })
        ));
        assert!(matches!(
            metrics_of_nn(&[800.0, 810.0], &[true, true]),
            Err(MetricsError::AdjacencyLength {
                expected: 1,
                got: 2
            })
        ));
        assert!(matches!(
            metrics_of_nn(&[800.0, f64::NAN], &[true]),
            Err(MetricsError::BadInterval { index: 1, .. })
        ));
    }

    #[test]
    fn lowest_30_beat_mean() {
        // 40 beats at 1000 ms then 40 at 750: the slowest 30-beat window is 60 bpm.
        let mut nn = vec![1000.0; 40];
        nn.extend(vec![750.0; 40]);
        let m = metrics_of_nn(&nn, &vec![true; nn.len() - 1]).unwrap();
        assert!(close(m.resting_hr_lowest_30_beats, 60.0));
        // Mean NN 875 ms.
        assert!(close(m.mean_hr_bpm, 60_000.0 / 875.0));
    }

    #[test]
    fn ectopic_beat_and_compensatory_pause_are_caught() {
        let mut rr = clean_series(20);
        rr[10] = 500.0;
        rr[11] = 1100.0;
        let cleaned = clean_rr(&rr);
        assert_eq!(cleaned.flags[10], BeatFlag::Ectopic);
        assert_eq!(cleaned.flags[11], BeatFlag::Ectopic);
        assert_eq!(cleaned.rejected, 2);
        assert!(close(cleaned.artifact_share, 0.1));
        assert_eq!(cleaned.nn_ms.len(), 18);
        assert!(cleaned
            .flags
            .iter()
            .enumerate()
            .all(|(i, f)| f.is_normal() != (i == 10 || i == 11)));
        // nn[9] is beat 9, nn[10] is beat 12: that pair is broken, all others adjacent.
        let broken: Vec<usize> = (0..cleaned.adjacent.len())
            .filter(|&k| !cleaned.adjacent[k])
            .collect();
        assert_eq!(broken, vec![9]);
        // So RMSSD equals that of the wobble alone: every adjacent difference is 10 ms.
        let m = metrics_of_nn(&cleaned.nn_ms, &cleaned.adjacent).unwrap();
        assert!(close(m.rmssd_ms, 10.0));
    }

    #[test]
    fn missed_and_extra_beats_are_caught() {
        let mut rr = clean_series(20);
        rr[5] = 1600.0;
        rr[12] = 300.0;
        rr[13] = 500.0;
        let cleaned = clean_rr(&rr);
        assert_eq!(cleaned.flags[5], BeatFlag::Missed);
        assert_eq!(cleaned.flags[12], BeatFlag::Extra);
        assert_eq!(cleaned.flags[13], BeatFlag::Extra);
        assert_eq!(cleaned.rejected, 3);
    }

    #[test]
    fn out_of_range_and_plain_outliers() {
        let mut rr = clean_series(20);
        rr[2] = 250.0;
        rr[4] = 2500.0;
        rr[6] = f64::NAN;
        rr[8] = f64::INFINITY;
        rr[10] = 1000.0; // 25 % long, no pattern
        rr[15] = 620.0; // 22.5 % short, no pattern
        let cleaned = clean_rr(&rr);
        for i in [2, 4, 6, 8] {
            assert_eq!(cleaned.flags[i], BeatFlag::OutOfRange, "beat {i}");
        }
        assert_eq!(cleaned.flags[10], BeatFlag::Long);
        assert_eq!(cleaned.flags[15], BeatFlag::Short);
        assert_eq!(cleaned.rejected, 6);
        assert!(clean_rr(&[]).flags.is_empty());
        assert_eq!(clean_rr(&[]).artifact_share, 0.0);
    }

    #[test]
    fn the_previous_accepted_beat_is_the_reference() {
        // 700 (12.5 % off the 800 median) after 880 (10 % off): 20.5 % apart, and 700 is the
        // farther from its median: 700 is rejected.
        let mut rr = vec![800.0; 22];
        rr[10] = 880.0;
        rr[11] = 700.0;
        let cleaned = clean_rr(&rr);
        let rejected: Vec<usize> = (0..22).filter(|&i| !cleaned.flags[i].is_normal()).collect();
        assert_eq!(rejected, vec![11]);
        assert_eq!(cleaned.flags[11], BeatFlag::Short);
        // The other way round, the accepted 700 is taken back when 880 arrives, and 880 is
        // then compared with the 800 before: accepted.
        rr[10] = 700.0;
        rr[11] = 880.0;
        let cleaned = clean_rr(&rr);
        let rejected: Vec<usize> = (0..22).filter(|&i| !cleaned.flags[i].is_normal()).collect();
        assert_eq!(rejected, vec![10]);
        assert_eq!(cleaned.nn_ms[10], 880.0);
        // A tie (both on their medians) rejects the newer beat, but only while the reference
        // lies at most 5 positions back: a step from 800 to 970 ms costs 5 beats, then the
        // median alone decides. No lock-out.
        let mut rr = vec![800.0; 6];
        rr.extend([970.0; 10]);
        let cleaned = clean_rr(&rr);
        let rejected: Vec<usize> = (0..16).filter(|&i| !cleaned.flags[i].is_normal()).collect();
        assert_eq!(rejected, vec![6, 7, 8, 9, 10]);
        assert!(cleaned.flags[6..=10].iter().all(|&f| f == BeatFlag::Long));
        // The pair (beat 5, beat 11) is broken.
        let broken: Vec<usize> = (0..cleaned.adjacent.len())
            .filter(|&k| !cleaned.adjacent[k])
            .collect();
        assert_eq!(broken, vec![5]);
    }

    #[test]
    fn a_mildly_premature_beat_does_not_poison_the_reference() {
        // MIT-BIH 1003 around beat 785: 611 ms beats, a 497 ms atrial beat (18.6 % early:
        // passes rules 1-2) and a 725 ms pause. 725 conflicts with 497 and is as far from the
        // median, so it is rejected; the next 611 conflicts with 497 too but sits on the
        // median, so 497 is taken back. Both ectopic, nothing else lost.
        let mut rr = vec![611.0; 20];
        rr[10] = 497.0;
        rr[11] = 725.0;
        let cleaned = clean_rr(&rr);
        let rejected: Vec<usize> = (0..20).filter(|&i| !cleaned.flags[i].is_normal()).collect();
        assert_eq!(rejected, vec![10, 11]);
        assert_eq!(cleaned.flags[10], BeatFlag::Ectopic);
        assert_eq!(cleaned.flags[11], BeatFlag::Ectopic);
        assert_eq!(cleaned.nn_ms, vec![611.0; 18]);
        assert_eq!(cleaned.adjacent.iter().filter(|a| !**a).count(), 1);
    }

    #[test]
    fn morning_check_drops_the_settling_time() {
        // 120 beats of ~800 ms; settle 30 s: beats starting before 30 000 ms are dropped.
        let rr = clean_series(120);
        let result = morning_metrics(&rr, 30.0).unwrap();
        // Every 4 beats take 3200 ms: beat 36 starts at 28 800, beat 37 at 29 600 (still
        // settling), beat 38 at 30 410 (kept).
        assert_eq!(result.settle_beats, 38);
        assert_eq!(result.metrics.rr_count, 82);
        assert_eq!(result.flags.len(), 82);
        assert_eq!(result.metrics.artifact_share, 0.0);
        assert!(close(result.clean_s, rr[38..].iter().sum::<f64>() / 1000.0));
        // Negative or NaN settling: nothing dropped.
        assert_eq!(morning_metrics(&rr, -5.0).unwrap().settle_beats, 0);
        assert_eq!(morning_metrics(&rr, f64::NAN).unwrap().settle_beats, 0);
    }

    #[test]
    fn refuses_poor_contact() {
        let mut rr = clean_series(200);
        for i in (0..200).step_by(4) {
            rr[i] = 3000.0; // a quarter out of range
        }
        let err = morning_metrics(&rr, 0.0).unwrap_err();
        match &err {
            CheckRefused::PoorContact {
                artifact_share,
                rejected,
                total,
            } => {
                assert!(close(*artifact_share, 0.25));
                assert_eq!((*rejected, *total), (50, 200));
            }
            other => panic!("{other:?}"),
        }
        let text = err.to_string();
        assert!(
            text.starts_with("poor strap contact: wet the electrodes and try again"),
            "{text}"
        );
        assert!(text.contains("25 % of 200 beats"), "{text}");
        // Exactly 20 % is still accepted.
        let mut rr = clean_series(200);
        for i in (0..200).step_by(5) {
            rr[i] = 3000.0;
        }
        assert!(morning_metrics(&rr, 0.0).is_ok());
        // Nothing but artifacts.
        assert!(matches!(
            morning_metrics(&[5000.0; 40], 0.0),
            Err(CheckRefused::PoorContact { .. })
        ));
    }

    #[test]
    fn refuses_too_little_clean_rr() {
        // 70 beats: 17 x 3200 + 800 + 810 ms = 56.01 s: too short.
        let rr = clean_series(70);
        let err = morning_metrics(&rr, 0.0).unwrap_err();
        assert!(matches!(err, CheckRefused::TooShort { clean_s, .. } if close(clean_s, 56.01)));
        let text = err.to_string();
        assert!(text.contains("only 56.0 s of clean"), "{text}");
        assert!(text.contains("at least 60 s"), "{text}");
        // 80 beats = 64 s is enough without settling, not with 30 s of it.
        let rr = clean_series(80);
        assert!(morning_metrics(&rr, 0.0).is_ok());
        assert!(matches!(
            morning_metrics(&rr, 30.0),
            Err(CheckRefused::TooShort { .. })
        ));
        // Nothing at all.
        assert!(matches!(
            morning_metrics(&[], 30.0),
            Err(CheckRefused::TooShort { clean_s, .. }) if clean_s == 0.0
        ));
    }

    #[test]
    fn the_morning_check_corrects_instead_of_dropping() {
        // A missed beat (two 800 ms intervals as one 1600 ms) and an extra one (800 split
        // into 300 + 500) in the wobble series.
        let mut rr = clean_series(120);
        rr[40] = 1600.0;
        rr.remove(41);
        rr[80] = 300.0;
        rr.insert(81, 500.0);
        let result = morning_metrics(&rr, 0.0).unwrap();
        assert_eq!(result.flags[40], BeatFlag::Missed);
        assert_eq!(result.flags[80], BeatFlag::Extra);
        assert_eq!(
            result.artifacts,
            ArtifactCounts {
                missed: 1,
                extra: 1,
                ..Default::default()
            }
        );
        assert_eq!(result.out_of_range, 0);
        // 120 intervals in, 120 out again; 2 of 120 corrected.
        assert_eq!(
            (result.metrics.rr_count, result.metrics.nn_count),
            (120, 120)
        );
        assert!(close(result.metrics.artifact_share, 2.0 / 120.0));
        // Splitting and merging keep the recording's length.
        let total: f64 = rr.iter().sum();
        assert!(close(result.clean_s, total / 1000.0));
        assert!(close(result.metrics.mean_nn_ms, total / 120.0));
        // The split halves are estimates: no difference is formed with them, so RMSSD is
        // about that of the wobble (10 ms); a merged 800 stands where the wobble had 810 and
        // changes two of the ~115 differences.
        assert!(
            (result.metrics.rmssd_ms - 10.0).abs() < 0.1,
            "{}",
            result.metrics.rmssd_ms
        );
        let json = serde_json::to_value(&result).unwrap();
        assert_eq!(
            json["artifacts"],
            serde_json::json!({"ectopic": 0, "missed": 1, "extra": 1, "long_short": 0})
        );
        assert_eq!(json["flags"][40], "missed");
    }

    #[test]
    fn json_shape() {
        let result = morning_metrics(&clean_series(100), 0.0).unwrap();
        let json = serde_json::to_value(&result).unwrap();
        assert_eq!(json["flags"][0], "normal");
        assert_eq!(json["metrics"]["nn_count"], 100);
        assert!(json["metrics"]["rmssd_ms"].is_number());
        assert_eq!(BeatFlag::OutOfRange.id(), "out_of_range");
        assert_eq!(
            serde_json::to_value(BeatFlag::OutOfRange).unwrap(),
            BeatFlag::OutOfRange.id()
        );
    }
}
