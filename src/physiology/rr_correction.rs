//! RR artifact correction after Lipponen & Tarvainen 2019 (J Med Eng Technol 43:173): which
//! beats are ectopic, long, short, missed or extra, and the corrected RR series that HRV is
//! computed from.
//!
//! Owns the beat classification, the correction and the artifact counts of the morning check.
//! Pure: RR intervals in ms in, a corrected series and its bookkeeping out; no clock, no disk,
//! no terminal. Source: docs/science.md §10 (the algorithm and its constants) and §6 (the
//! plausible range, reporting the artifact share).
//!
//! # Detection ([`detect`])
//!
//! For the series `rr` (ms, every value finite and positive), with `med[i]` the median of the
//! 11 intervals `i - 5 ..= i + 5` (fewer at the ends; an even count takes the mean of the two
//! middle values):
//! - `dRR[i] = rr[i] - rr[i - 1]`; the first interval has no previous one and is compared with
//!   its local median instead: `dRR[0] = rr[0] - med[0]`, and so is an interval after a value
//!   that was removed (not finite or not positive, or removed in an earlier pass): the
//!   difference across a gap is not a beat-to-beat change;
//! - `mRR[i] = rr[i] - med[i]`, doubled when negative (a short beat weighs twice, as in the
//!   paper);
//! - each is divided by its time-varying threshold `Th = alpha x QD`, `alpha` = 5.2 and `QD` the
//!   quartile deviation `(Q3 - Q1) / 2` of `|dRR|` (`|mRR|` for the second) over the 91 values
//!   `i - 45 ..= i + 45` (fewer at the ends). Quartiles interpolate linearly between order
//!   statistics (numpy's and pandas' default);
//! - the threshold floors and cap (see below): `Th` is at least 2 % of `med[i]` and twice the
//!   median of the values it scales in the window, and at most 20 % of `med[i]`.
//!
//! With `d = dRR / Th1`, `m = mRR / Th2` and the subspaces `S12[i]` (for `d[i] > 0` the larger,
//! for `d[i] < 0` the smaller of `d[i - 1]` and `d[i + 1]`; 0 for `d[i] = 0`) and `S22[i]` (for
//! `d[i] >= 0` the smaller, else the larger of `d[i + 1]` and `d[i + 2]`), the beats are walked
//! in order as in Figure 1 of the paper (and neurokit2's port):
//! 1. `|d[i]| <= 1`: normal.
//! 2. Ectopic when `d[i] > 1 and S12 < -c1 d[i] - c2` or `d[i] < -1 and S12 > -c1 d[i] + c2`
//!    (c1 = 0.13, c2 = 0.17): a beat whose difference is answered by one of the opposite sign.
//! 3. Otherwise beat `i` and, when `|d[i + 1]| < |d[i + 2]|`, beat `i + 1` too, are candidates.
//!    A candidate `j` is an artifact when it is long (`d[j] > 1 and S22[j] < -1`), short
//!    (`d[j] < -1 and S22[j] > 1`) or far from the median (`|m[j]| > 3`); then it is
//!    - **extra** when short and `rr[j]` plus a neighbour is within `Th2[j]` of `med[j]`,
//!    - **missed** when long and `rr[j] / 2` is within `Th2[j]` of `med[j]`,
//!    - **long** or **short** otherwise (long when it was long by `S22` or, by the median test
//!      alone, above the median).
//!
//! At the ends the series is taken to continue at its local median: the interval before the
//! first one and the interval after the last one are `med` (so `dRR[0] = rr[0] - med[0]`, and
//! the difference after the last beat is `med[n - 1] - rr[n - 1]`), and any further
//! difference is 0. Every beat is examined, the first and the last included; a lone 1600 ms
//! interval at either end of an 800 ms series is a missed beat, as it would be in the middle.
//!
//! # Correction ([`correct_rr`])
//!
//! Each pass, in this order: a **missed** beat is split into two halves (`rr / 2` each: a beat
//! added in the middle); an **extra** beat is merged with its neighbour (`rr[j] + rr[j + 1]`, or
//! `rr[j - 1] + rr[j]`, see below); **ectopic, long and short** beats are replaced by linear
//! interpolation (by beat number) between the nearest corrected-series values before and after
//! that are neither interpolated themselves nor out of range (the nearest one alone at an end
//! of the series; the value is left as it was when there is no such value at all).
//! Then every value of the corrected series outside [`RR_MIN_MS`]..=[`RR_MAX_MS`] (300-2000 ms,
//! docs/science.md §6) is removed, and so is every input value that is not finite or not
//! positive (taken out before detection; it never enters the thresholds). An ectopic, long or
//! short beat whose own value is outside the range is removed rather than interpolated: a
//! 3000 ms interval that is not one missed beat is a gap in the recording, and interpolating it
//! would invent one beat where several are missing. A removal breaks the
//! adjacency of the two values around it ([`RrCorrection::adjacent`]), so no successive
//! difference is formed across it. The range rule comes AFTER the correction on purpose: a
//! missed beat at a resting 55 bpm is one 2200 ms interval, which the correction splits into
//! two plausible ones, and a 200 ms spurious detection is merged back into a whole interval.
//!
//! Passes repeat on the corrected series while the count of flagged beats falls (neurokit2's
//! rule), at most [`MAX_PASSES`] times. A value corrected in one pass is never split or merged
//! again (a later pass may only interpolate it anew), so each input interval is split or
//! merged at most once. An input interval's flag is the first one it got.
//!
//! A series in which no beat is flagged comes out unchanged, bit for bit: the corrected series
//! is then the input, value for value.
//!
//! # Estimated values and successive differences
//!
//! [`RrCorrection::estimated`] marks the values that are estimates (the halves of a split
//! missed beat, interpolated values), as opposed to recorded intervals (a merged extra beat is
//! recorded: its two parts add up to the true interval). Interpolated values are smooth by
//! construction, so differencing them biases RMSSD down by about half the share of corrected
//! beats: measured with injected artifacts (tests/rr_correction_injection.rs), -5 to -15 % at
//! 10 % ectopic beats. The morning check therefore forms successive differences only between
//! two adjacent RECORDED values ([`RrCorrection::recorded_pairs`]), and uses the whole
//! corrected series for the mean, SDNN and the resting HR.
//!
//! # Decisions (and where they part from the paper and neurokit2)
//!
//! - **Iterate, as neurokit2 does** (`signal_fixpeaks(method="Kubios")` repeats until the count
//!   stops falling; systole corrects once). Where artifacts crowd, they widen the quartile
//!   deviation past themselves and hide; once the ones around them are corrected, the next
//!   pass sees them. Measured with 5 % injected missed beats on MIT-BIH 1003: worst RMSSD error
//!   2475 % in one pass, 7.9 % iterated. On the two whole MIT-BIH records the second pass adds
//!   2 flags to 79 and none to 10.
//! - **A second floor, from the spread**: `Th >= 2 x` the median of `|dRR|` (`|mRR|`) in the
//!   window ([`SPREAD_FLOOR_FACTOR`]). On a strongly periodic series (breathing variability
//!   close to a sine over 4-5 beats, with little noise: the product's own simulator makes
//!   such series) all the differences have about the same size, so their quartile deviation
//!   collapses although they are large, and the normal breathing pattern of long and short
//!   beats crosses the threshold: without this floor 68 % of the beats of a simulated
//!   morning check were "corrected". For normally spread differences `alpha x QD` is about 3.2
//!   times their median, so this floor does not bind; an artifact is many times the median
//!   difference and stays above it.
//! - **A cap on the thresholds**: `Th1, Th2 <= 20 %` of the local median
//!   ([`THRESHOLD_CAP_SHARE`]). The quartile deviation breaks down once a quarter of the
//!   differences in its window are artifacts (one beat in eight: every artifact makes two or
//!   three large differences); then `alpha x QD` exceeds the artifacts and not even iteration
//!   can start. A beat-to-beat change of more than 20 % of the local median (what the simple
//!   filters reject outright, docs/science.md §6) is therefore always examined; it is only
//!   flagged when it fits one of the patterns above. The same cap bounds the tolerance of the
//!   missed and extra tests (within 20 % of the median at most). On both MIT-BIH records and
//!   every clean base of the injection test the cap changes no flag; with 10 % injected missed
//!   beats it brings the worst RMSSD error from 8118 % to 9.3 %. 15 % would catch more crowded
//!   ectopic beats (mean RMSSD error 3.2 % instead of 5.3 % at 10 % ectopic beats) but
//!   "corrects" the strong breathing variability of a fit resting heart (changes of 16 % of
//!   the median in a test series of 1100 +- 150 ms), biasing down the HRV of exactly the
//!   people with the most; a recording with 10 % ectopic beats has about 20 % of its beats
//!   corrected and is refused by the morning check anyway.
//! - **A floor on the thresholds**: `Th >= 2 %` of the local median ([`THRESHOLD_FLOOR_SHARE`];
//!   12-24 ms at 50-100 bpm). On a very regular series most successive differences are equal,
//!   and then the quartile deviation collapses: neurokit2 divides by a threshold of 0 and leaves
//!   the beat unjudged (NaN), so a missed beat in a series of identical intervals is not found,
//!   and on a nearly constant series a few-ms wobble (one step of the ECG's or the strap's time
//!   resolution) crosses a threshold of a few ms and is "corrected". On MIT-BIH record 1003
//!   (RMSSD 6.6 ms, RR in 2.8 ms steps) neurokit2 flags 8 normal beats that differ from their
//!   neighbours by 5-8 ms. 2 % is a tenth of the 20 % change the simple filters call an
//!   artifact (docs/science.md §6), below every premature beat in the two MIT-BIH records (6-40 %
//!   early), and above the normal beat-to-beat change of a very regular resting series. With
//!   a healthy resting variability the floor never binds (alpha x QD is larger).
//! - **The first and the last beats are examined too** (neurokit2 never classifies the last two
//!   intervals and compares the first with the series mean).
//! - **An extra beat is merged with the neighbour that brings the sum closer to the median**:
//!   the paper merges with the next interval, which is wrong when the spurious detection came
//!   just before a true beat (a 780 ms interval followed by a 20 ms one). The neighbour must
//!   be unflagged; the interval merged in is not classified itself (neurokit2 would flag the
//!   remainder of the split as a long/short beat of its own).
//! - **Ectopic, long and short beats are interpolated by value**, not by moving the R peak: the
//!   paper interpolates the RR series; neurokit2 moves the peak to the middle of its
//!   neighbours, which sets the interval and the next one to their mean.
//!
//! # Artifact share
//!
//! `artifact_share` = input intervals that were corrected or removed / input intervals: every
//! input interval whose flag is not [`BeatFlag::Normal`] counts once. A missed beat (one long
//! interval, split in two) counts once; an extra beat counts once (the interval it is merged
//! with is not counted again); each beat of an ectopic pair that was flagged counts.

use serde::{Deserialize, Serialize};

use super::hrv::{BeatFlag, RR_MAX_MS, RR_MIN_MS};

/// Threshold multiplier of the quartile deviation (Lipponen & Tarvainen 2019; docs/science.md §10).
pub const ALPHA: f64 = 5.2;
/// Slope of the ectopic decision boundary in the S11-S12 plane (docs/science.md §10).
pub const C1: f64 = 0.13;
/// Offset of the ectopic decision boundary in the S11-S12 plane (docs/science.md §10).
pub const C2: f64 = 0.17;
/// Beats in the window of the time-varying thresholds (docs/science.md §10).
pub const THRESHOLD_WINDOW: usize = 91;
/// Beats in the median filter that `mRR` is measured from (docs/science.md §10).
pub const MEDIAN_WINDOW: usize = 11;
/// The smallest threshold, as a share of the local median interval: the product's decision for
/// very regular series, where the quartile deviation collapses (see the module documentation).
pub const THRESHOLD_FLOOR_SHARE: f64 = 0.02;
/// The smallest threshold, as a multiple of the median of the values it scales (|dRR| or
/// |mRR|) in its window: the product's decision for strongly periodic series, where the
/// quartile deviation collapses although the differences are large (see the module
/// documentation).
pub const SPREAD_FLOOR_FACTOR: f64 = 2.0;
/// The largest threshold, as a share of the local median interval: the product's decision for
/// crowded artifacts, where the quartile deviation breaks down (see the module documentation).
pub const THRESHOLD_CAP_SHARE: f64 = 0.20;
/// Passes of detection and correction at most; the count of flagged beats must fall from one
/// pass to the next, so this only bounds the work.
pub const MAX_PASSES: usize = 10;

/// The parameters of the detection. [`Default`] is the paper's values plus the product's floor,
/// cap and iteration; the reference test turns the floor and the cap off and makes one pass to
/// compare with neurokit2's first pass, which has neither.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CorrectionParams {
    pub alpha: f64,
    pub c1: f64,
    pub c2: f64,
    /// Beats in the threshold window (odd; an even value is treated as the next odd one).
    pub threshold_window: usize,
    /// Beats in the median window (odd; an even value is treated as the next odd one).
    pub median_window: usize,
    /// `Th >= threshold_floor_share x local median`; 0 turns the floor off.
    pub threshold_floor_share: f64,
    /// `Th >= spread_floor_factor x the median of |dRR| (|mRR|) in the window`; 0 turns it off.
    pub spread_floor_factor: f64,
    /// `Th <= threshold_cap_share x local median`; infinity turns the cap off.
    pub threshold_cap_share: f64,
    /// Passes of detection and correction at most (1: no iteration).
    pub max_passes: usize,
}

impl Default for CorrectionParams {
    fn default() -> Self {
        CorrectionParams {
            alpha: ALPHA,
            c1: C1,
            c2: C2,
            threshold_window: THRESHOLD_WINDOW,
            median_window: MEDIAN_WINDOW,
            threshold_floor_share: THRESHOLD_FLOOR_SHARE,
            spread_floor_factor: SPREAD_FLOOR_FACTOR,
            threshold_cap_share: THRESHOLD_CAP_SHARE,
            max_passes: MAX_PASSES,
        }
    }
}

/// Corrected beats by type: the morning check's `artifacts`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArtifactCounts {
    /// Ectopic beats (interpolated).
    pub ectopic: usize,
    /// Missed beats: intervals spanning two beats, split in two.
    pub missed: usize,
    /// Extra beats: spurious detections, merged with a neighbour.
    pub extra: usize,
    /// Long and short beats (interpolated).
    pub long_short: usize,
}

impl ArtifactCounts {
    /// All corrected beats.
    pub fn total(&self) -> usize {
        self.ectopic + self.missed + self.extra + self.long_short
    }
}

/// What the detection made of a series.
#[derive(Debug, Clone, PartialEq)]
pub struct Detection {
    /// One per interval: [`BeatFlag::Normal`], `Ectopic`, `Missed`, `Extra`, `Long` or `Short`.
    pub flags: Vec<BeatFlag>,
    /// `med[i]`, ms.
    pub median_ms: Vec<f64>,
    /// `Th1[i]`, the threshold `dRR` was divided by, ms.
    pub drr_threshold_ms: Vec<f64>,
    /// `Th2[i]`, the threshold `mRR` was divided by, ms.
    pub mrr_threshold_ms: Vec<f64>,
    /// For an extra beat, the index of the interval it is merged with.
    merge_with: Vec<Option<usize>>,
}

/// A series after correction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RrCorrection {
    /// The corrected series, ms: the NN intervals HRV is computed from.
    pub nn_ms: Vec<f64>,
    /// `adjacent[k]`: `nn_ms[k]` and `nn_ms[k + 1]` follow each other with nothing removed
    /// between them. `nn_ms.len() - 1` entries (none when empty).
    pub adjacent: Vec<bool>,
    /// `estimated[k]`: `nn_ms[k]` is an estimate (half of a split missed beat, or
    /// interpolated), not a recorded interval (a merged extra beat is recorded: its two parts
    /// add up to the true interval). One per value of `nn_ms`.
    pub estimated: Vec<bool>,
    /// One per input interval: `Normal` (kept as it was), the artifact type it was corrected
    /// as, or `OutOfRange` (removed).
    pub flags: Vec<BeatFlag>,
    /// Corrected intervals by type (removed ones are not in here).
    pub artifacts: ArtifactCounts,
    /// Input intervals removed: not finite, not positive, or outside 300-2000 ms after
    /// correction (an extra beat merged into such a value is removed with it).
    pub out_of_range: usize,
    /// (corrected + removed input intervals) / input intervals, 0..1; 0 for an empty series.
    pub artifact_share: f64,
}

impl RrCorrection {
    /// The pairs that give successive differences: `pairs[k]` when `nn_ms[k]` and
    /// `nn_ms[k + 1]` are adjacent and both recorded (neither is an estimate). For
    /// [`crate::physiology::hrv::metrics_of_nn`].
    pub fn recorded_pairs(&self) -> Vec<bool> {
        self.adjacent
            .iter()
            .enumerate()
            .map(|(k, &adjacent)| {
                adjacent
                    && !self.estimated.get(k).copied().unwrap_or(true)
                    && !self.estimated.get(k + 1).copied().unwrap_or(true)
            })
            .collect()
    }
}

/// Classifies a series of intervals (ms) by the rule in the module documentation. Meant for
/// finite, positive values (as [`correct_rr`] hands it); anything else gives meaningless flags
/// but never a panic.
pub fn detect(rr_ms: &[f64], params: &CorrectionParams) -> Detection {
    detect_inner(
        rr_ms,
        params,
        &vec![true; rr_ms.len()],
        &vec![false; rr_ms.len()],
    )
}

/// [`detect`], where `joined[k]` says whether intervals `k - 1` and `k` were neighbours in the
/// recording (false where a value was removed between them) and `settled[k]` whether interval
/// `k` was corrected in an earlier pass: an extra beat is never merged across a gap nor with a
/// corrected value.
fn detect_inner(
    rr_ms: &[f64],
    params: &CorrectionParams,
    joined: &[bool],
    settled: &[bool],
) -> Detection {
    let n = rr_ms.len();
    let joined = |k: usize| joined.get(k).copied().unwrap_or(false);
    let settled = |k: usize| settled.get(k).copied().unwrap_or(true);
    let median_half = params.median_window / 2;
    let threshold_half = params.threshold_window / 2;
    let median_ms: Vec<f64> = (0..n)
        .map(|i| {
            let mut window = window_of(rr_ms, i, median_half).to_vec();
            median(&mut window)
        })
        .collect();
    // After a gap (a value removed before this one) the difference to the previous value is
    // no beat-to-beat change: the value is compared with its local median, as the first one.
    let drr: Vec<f64> = (0..n)
        .map(|i| match i {
            0 => rr_ms[0] - median_ms[0],
            _ if !joined(i) => rr_ms[i] - median_ms[i],
            _ => rr_ms[i] - rr_ms[i - 1],
        })
        .collect();
    let mrr: Vec<f64> = (0..n)
        .map(|i| {
            let deviation = rr_ms[i] - median_ms[i];
            if deviation < 0.0 {
                2.0 * deviation
            } else {
                deviation
            }
        })
        .collect();
    let floor: Vec<f64> = median_ms
        .iter()
        .map(|m| params.threshold_floor_share * m)
        .collect();
    let cap: Vec<f64> = median_ms
        .iter()
        .map(|m| params.threshold_cap_share * m)
        .collect();
    let th1 = thresholds(&drr, threshold_half, params, &floor, &cap);
    let th2 = thresholds(&mrr, threshold_half, params, &floor, &cap);
    let d: Vec<f64> = drr.iter().zip(&th1).map(|(v, t)| scaled(*v, *t)).collect();
    let m: Vec<f64> = mrr.iter().zip(&th2).map(|(v, t)| scaled(*v, *t)).collect();
    // The scaled differences with the series extended at each end by its local median: the
    // interval before the first and the one after the last are taken to be `med`, and any
    // further one to repeat it (difference 0).
    let after_last = n
        .checked_sub(1)
        .map_or(0.0, |l| scaled(median_ms[l] - rr_ms[l], th1[l]));
    let at = |i: isize| -> f64 {
        match usize::try_from(i) {
            Ok(i) if i < n => d[i],
            Ok(i) if i == n => after_last,
            _ => 0.0,
        }
    };
    let s12: Vec<f64> = (0..n as isize)
        .map(|i| {
            let (before, after) = (at(i - 1), at(i + 1));
            let v = d[i as usize];
            if v > 0.0 {
                nan_max(before, after)
            } else if v < 0.0 {
                nan_min(before, after)
            } else {
                0.0
            }
        })
        .collect();
    let s22: Vec<f64> = (0..n as isize)
        .map(|i| {
            let (next, second) = (at(i + 1), at(i + 2));
            let v = d[i as usize];
            if v >= 0.0 {
                nan_min(next, second)
            } else if v < 0.0 {
                nan_max(next, second)
            } else {
                0.0
            }
        })
        .collect();

    let mut flags = vec![BeatFlag::Normal; n];
    let mut merge_with: Vec<Option<usize>> = vec![None; n];
    // Intervals an extra beat is merged into.
    let mut taken = vec![false; n];
    // Beats before this one are not judged in this pass: the one after a split or a merge,
    // whose difference from its neighbour is no beat-to-beat change until the correction is
    // made, waits for the next pass when there is one.
    let mut skip_until = 0;
    let defer = usize::from(params.max_passes > 1);
    let mut i = 0;
    while i < n {
        if d[i].abs() <= 1.0 {
            i += 1;
            continue;
        }
        let ectopic_long = d[i] > 1.0 && s12[i] < -params.c1 * d[i] - params.c2;
        let ectopic_short = d[i] < -1.0 && s12[i] > -params.c1 * d[i] + params.c2;
        if ectopic_long || ectopic_short {
            flags[i] = BeatFlag::Ectopic;
            i += 1;
            continue;
        }
        if !(d[i].abs() > 1.0 || m[i].abs() > 3.0) {
            i += 1;
            continue;
        }
        let mut candidates = vec![i];
        if i + 2 < n && d[i + 1].abs() < d[i + 2].abs() {
            candidates.push(i + 1);
        }
        let next = i + candidates.len();
        for j in candidates {
            if taken[j] || j < skip_until {
                continue; // merged into the extra beat before it, or deferred
            }
            let long = d[j] > 1.0 && s22[j] < -1.0;
            let far = m[j].abs() > 3.0;
            let short = d[j] < -1.0 && s22[j] > 1.0;
            if !(long || far || short) {
                continue;
            }
            let gap = |k: usize| (rr_ms[j] + rr_ms[k] - median_ms[j]).abs();
            let previous = j
                .checked_sub(1)
                .filter(|&k| flags[k] == BeatFlag::Normal && !taken[k] && !settled(k) && joined(j));
            let following = Some(j + 1).filter(|&k| k < n && !settled(k) && joined(k));
            let partner = [following, previous]
                .into_iter()
                .flatten()
                .min_by(|&a, &b| gap(a).total_cmp(&gap(b)))
                .filter(|&k| gap(k) < th2[j]);
            if short && partner.is_some() {
                flags[j] = BeatFlag::Extra;
                merge_with[j] = partner;
                if let Some(k) = partner {
                    taken[k] = true;
                    skip_until = skip_until.max(k.max(j) + 1 + defer);
                }
            } else if long && (rr_ms[j] / 2.0 - median_ms[j]).abs() < th2[j] {
                flags[j] = BeatFlag::Missed;
                skip_until = skip_until.max(j + 1 + defer);
            } else if long || (!short && mrr[j] > 0.0) {
                flags[j] = BeatFlag::Long;
            } else {
                flags[j] = BeatFlag::Short;
            }
        }
        i = next.max(skip_until);
    }
    Detection {
        flags,
        median_ms,
        drr_threshold_ms: th1,
        mrr_threshold_ms: th2,
        merge_with,
    }
}

/// `alpha x QD` of `|values|` over `i - half ..= i + half`, at least `floor[i]`. A threshold of
/// 0 (possible only with no floor) makes the scaled value NaN ([`scaled`]), which fails every
/// test of the classification, as in neurokit2.
fn thresholds(
    values: &[f64],
    half: usize,
    params: &CorrectionParams,
    floor: &[f64],
    cap: &[f64],
) -> Vec<f64> {
    let magnitudes: Vec<f64> = values.iter().map(|v| v.abs()).collect();
    (0..values.len())
        .map(|i| {
            let mut window = window_of(&magnitudes, i, half).to_vec();
            window.sort_by(f64::total_cmp);
            let qd = (quantile(&window, 0.75) - quantile(&window, 0.25)) / 2.0;
            let th = params.alpha * qd;
            let lowest = (params.spread_floor_factor * quantile(&window, 0.5)).max(floor[i]);
            if th > cap[i] {
                cap[i]
            } else if th < lowest {
                lowest
            } else {
                th
            }
        })
        .collect()
}

/// `value / threshold`, NaN for a threshold of 0 (a beat that cannot be judged).
fn scaled(value: f64, threshold: f64) -> f64 {
    if threshold == 0.0 {
        f64::NAN
    } else {
        value / threshold
    }
}

/// The larger of two values, NaN when either is (numpy's `max`, which neurokit2 uses).
fn nan_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.max(b)
    }
}

/// The smaller of two values, NaN when either is.
fn nan_min(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.min(b)
    }
}

/// `values[i - half ..= i + half]`, clipped at the ends.
fn window_of(values: &[f64], i: usize, half: usize) -> &[f64] {
    let first = i.saturating_sub(half);
    let last = i.saturating_add(half).saturating_add(1).min(values.len());
    values.get(first..last).unwrap_or_default()
}

/// The quantile `q` of sorted values, interpolating linearly between order statistics; NaN
/// for no values.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let Some(last) = sorted.len().checked_sub(1) else {
        return f64::NAN;
    };
    let h = last as f64 * q;
    let below = (h.floor() as usize).min(last);
    let above = (below + 1).min(last);
    sorted[below] + (h - below as f64) * (sorted[above] - sorted[below])
}

/// The median (the mean of the two middle values for an even count); NaN when empty.
fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    match n {
        0 => f64::NAN,
        _ if n % 2 == 1 => values[n / 2],
        _ => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

/// Detects and corrects the artifacts of an RR series (ms) with the default parameters, by the
/// rule in the module documentation. Never fails: anything can come in.
pub fn correct_rr(rr_ms: &[f64]) -> RrCorrection {
    correct_rr_with(rr_ms, &CorrectionParams::default())
}

/// One value of the corrected series under construction.
#[derive(Debug, Clone, Copy)]
struct Piece {
    value: f64,
    /// The input intervals it came from (two for a merged extra beat).
    sources: [Option<usize>; 2],
    /// Already corrected in an earlier pass: never split or merged again (only re-interpolated).
    settled: bool,
    /// An estimate (a split half or an interpolated value), not a recorded interval.
    estimated: bool,
    /// Something was removed just before this value.
    break_before: bool,
}

/// [`correct_rr`] with explicit parameters.
pub fn correct_rr_with(rr_ms: &[f64], params: &CorrectionParams) -> RrCorrection {
    let mut flags = vec![BeatFlag::Normal; rr_ms.len()];
    let mut pieces: Vec<Piece> = Vec::with_capacity(rr_ms.len() + 8);
    let mut removed_before = false;
    for (i, &rr) in rr_ms.iter().enumerate() {
        if rr.is_finite() && rr > 0.0 {
            pieces.push(Piece {
                value: rr,
                sources: [Some(i), None],
                settled: false,
                estimated: false,
                break_before: removed_before,
            });
            removed_before = false;
        } else {
            flags[i] = BeatFlag::OutOfRange;
            removed_before = true;
        }
    }

    let mut previous_count = usize::MAX;
    for _ in 0..params.max_passes.max(1) {
        let values: Vec<f64> = pieces.iter().map(|p| p.value).collect();
        let joined: Vec<bool> = pieces.iter().map(|p| !p.break_before).collect();
        let settled: Vec<bool> = pieces.iter().map(|p| p.settled).collect();
        let detection = detect_inner(&values, params, &joined, &settled);
        let count = detection.flags.iter().filter(|f| !f.is_normal()).count();
        if count == 0 || count >= previous_count {
            break;
        }
        previous_count = count;
        pieces = correct_pass(&pieces, &detection, &mut flags);
    }
    remove_implausible(&mut pieces, &mut flags);

    let nn_ms: Vec<f64> = pieces.iter().map(|p| p.value).collect();
    let adjacent: Vec<bool> = pieces.iter().skip(1).map(|p| !p.break_before).collect();
    let estimated: Vec<bool> = pieces.iter().map(|p| p.estimated).collect();
    let mut artifacts = ArtifactCounts::default();
    let mut out_of_range = 0;
    for flag in &flags {
        match flag {
            BeatFlag::Normal => {}
            BeatFlag::OutOfRange => out_of_range += 1,
            BeatFlag::Ectopic => artifacts.ectopic += 1,
            BeatFlag::Missed => artifacts.missed += 1,
            BeatFlag::Extra => artifacts.extra += 1,
            BeatFlag::Long | BeatFlag::Short => artifacts.long_short += 1,
        }
    }
    let artifact_share = if rr_ms.is_empty() {
        0.0
    } else {
        (artifacts.total() + out_of_range) as f64 / rr_ms.len() as f64
    };
    RrCorrection {
        nn_ms,
        adjacent,
        estimated,
        flags,
        artifacts,
        out_of_range,
        artifact_share,
    }
}

/// One pass of corrections on `pieces` as `detection` flagged them; sets the flag of every
/// input interval corrected for the first time.
fn correct_pass(pieces: &[Piece], detection: &Detection, flags: &mut [BeatFlag]) -> Vec<Piece> {
    let mark = |flags: &mut [BeatFlag], piece: &Piece, flag: BeatFlag| {
        for s in piece.sources.iter().flatten() {
            if flags[*s] == BeatFlag::Normal {
                flags[*s] = flag;
            }
        }
    };
    let mut out: Vec<Piece> = Vec::with_capacity(pieces.len() + 8);
    let mut interpolate: Vec<bool> = Vec::with_capacity(pieces.len() + 8);
    let mut bad_sources: Vec<usize> = Vec::new();
    let mut k = 0;
    while k < pieces.len() {
        let piece = pieces[k];
        let flag = detection.flags[k];
        match (flag, detection.merge_with[k]) {
            (BeatFlag::Normal | BeatFlag::OutOfRange, _) => {
                out.push(piece);
                interpolate.push(false);
            }
            (BeatFlag::Missed, _) if !piece.settled => {
                mark(flags, &piece, BeatFlag::Missed);
                let half = Piece {
                    value: piece.value / 2.0,
                    settled: true,
                    estimated: true,
                    ..piece
                };
                out.push(half);
                out.push(Piece {
                    break_before: false,
                    ..half
                });
                interpolate.extend([false, false]);
            }
            (BeatFlag::Extra, Some(p)) if !piece.settled => {
                // The partner is an unsettled interval of one input (the detection only
                // merges with those), so the merged value has two sources at most.
                mark(flags, &piece, BeatFlag::Extra);
                let source = piece.sources[0];
                if p == k + 1 {
                    let next = pieces[p];
                    out.push(Piece {
                        value: piece.value + next.value,
                        sources: [next.sources[0], source],
                        settled: true,
                        ..piece
                    });
                    interpolate.push(false);
                    k += 1;
                } else if let Some(last) = out.last_mut() {
                    last.value += piece.value;
                    last.sources[1] = source;
                    last.settled = true;
                } else {
                    out.push(piece);
                    interpolate.push(false);
                }
            }
            _ => {
                // Ectopic, long or short (or a missed or extra flag on a value corrected
                // before: re-interpolated). Outside the plausible range it is a gap or noise,
                // not a beat: interpolating would invent one, so it is removed.
                let as_flag = match flag {
                    BeatFlag::Missed => BeatFlag::Long,
                    BeatFlag::Extra => BeatFlag::Short,
                    other => other,
                };
                if in_range(piece.value) {
                    mark(flags, &piece, as_flag);
                    out.push(Piece {
                        settled: true,
                        estimated: true,
                        ..piece
                    });
                    interpolate.push(true);
                } else {
                    bad_sources.extend(piece.sources.iter().flatten());
                    out.push(piece);
                    interpolate.push(false);
                }
            }
        }
        k += 1;
    }

    // Interpolate from the values that are neither interpolated nor out of range.
    let reference: Vec<Option<f64>> = out
        .iter()
        .zip(&interpolate)
        .map(|(p, &target)| (!target && in_range(p.value)).then_some(p.value))
        .collect();
    let mut previous: Vec<Option<(usize, f64)>> = Vec::with_capacity(out.len());
    let mut last = None;
    for (i, r) in reference.iter().enumerate() {
        previous.push(last);
        if let Some(v) = r {
            last = Some((i, *v));
        }
    }
    let mut following: Vec<Option<(usize, f64)>> = vec![None; out.len()];
    let mut next = None;
    for (i, r) in reference.iter().enumerate().rev() {
        following[i] = next;
        if let Some(v) = r {
            next = Some((i, *v));
        }
    }
    for i in 0..out.len() {
        if !interpolate[i] {
            continue;
        }
        out[i].value = match (previous[i], following[i]) {
            (Some((a, va)), Some((b, vb))) => va + (vb - va) * (i - a) as f64 / (b - a) as f64,
            (Some((_, v)), None) | (None, Some((_, v))) => v,
            (None, None) => out[i].value,
        };
    }
    remove_sources(&mut out, &bad_sources, flags);
    out
}

/// The range rule: removes every value outside 300-2000 ms, with every other value that
/// shares an input interval with it (the other half of a split).
fn remove_implausible(pieces: &mut Vec<Piece>, flags: &mut [BeatFlag]) {
    let bad: Vec<usize> = pieces
        .iter()
        .filter(|p| !in_range(p.value))
        .flat_map(|p| p.sources.into_iter().flatten())
        .collect();
    remove_sources(pieces, &bad, flags);
}

/// Removes the values that came from any of the input intervals `bad` and flags those
/// intervals (and any merged with them) out of range; the value after a removal is marked.
fn remove_sources(pieces: &mut Vec<Piece>, bad: &[usize], flags: &mut [BeatFlag]) {
    if bad.is_empty() {
        return;
    }
    let mut removed_before = false;
    let mut kept = Vec::with_capacity(pieces.len());
    for piece in pieces.iter() {
        if piece.sources.iter().flatten().any(|s| bad.contains(s)) {
            for s in piece.sources.iter().flatten() {
                flags[*s] = BeatFlag::OutOfRange;
            }
            removed_before = true;
        } else {
            kept.push(Piece {
                break_before: piece.break_before || removed_before,
                ..*piece
            });
            removed_before = false;
        }
    }
    *pieces = kept;
}

fn in_range(rr: f64) -> bool {
    (RR_MIN_MS..=RR_MAX_MS).contains(&rr)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// 800 ms with a +-10 ms wobble (the hrv.rs test series): every |dRR| is 10 ms, so the
    /// quartile deviation of dRR is 0 and only the floor (16 ms) makes the threshold defined.
    fn wobble(n: usize) -> Vec<f64> {
        (0..n)
            .map(|i| 800.0 + [0.0, 10.0, 0.0, -10.0][i % 4])
            .collect()
    }

    fn flagged(c: &RrCorrection) -> Vec<(usize, BeatFlag)> {
        c.flags
            .iter()
            .enumerate()
            .filter(|(_, f)| !f.is_normal())
            .map(|(i, f)| (i, *f))
            .collect()
    }

    #[test]
    fn a_clean_series_comes_out_bit_for_bit() {
        for rr in [wobble(200), vec![800.0; 150], wobble(7), vec![1000.0]] {
            let c = correct_rr(&rr);
            assert_eq!(c.nn_ms, rr);
            assert!(c
                .nn_ms
                .iter()
                .zip(&rr)
                .all(|(a, b)| a.to_bits() == b.to_bits()));
            assert!(c.adjacent.iter().all(|a| *a));
            assert_eq!(c.adjacent.len(), rr.len() - 1);
            assert!(flagged(&c).is_empty());
            assert_eq!(
                (c.artifacts, c.out_of_range, c.artifact_share),
                (ArtifactCounts::default(), 0, 0.0)
            );
        }
        let empty = correct_rr(&[]);
        assert!(empty.nn_ms.is_empty() && empty.adjacent.is_empty() && empty.flags.is_empty());
        assert_eq!(empty.artifact_share, 0.0);
    }

    #[test]
    fn a_missed_beat_is_split_in_two() {
        // Constant 800 ms: every threshold is the floor, 2 % of 800 = 16 ms. The 1600 ms beat:
        // dRR = +800 (50 thresholds), S12 = max(0, -50) = 0 (no ectopic pattern), S22 =
        // min(-50, 0) < -1 (long), |1600 / 2 - 800| = 0 < 16: missed.
        let mut rr = vec![800.0; 120];
        rr[60] = 1600.0;
        rr.remove(61);
        let c = correct_rr(&rr);
        assert_eq!(flagged(&c), vec![(60, BeatFlag::Missed)]);
        assert_eq!(c.nn_ms, vec![800.0; 120]);
        assert_eq!(
            c.artifacts,
            ArtifactCounts {
                missed: 1,
                ..Default::default()
            }
        );
        assert!((c.artifact_share - 1.0 / 119.0).abs() < 1e-12);
        // Without the floor the quartile deviation is 0, the threshold undefined, nothing is
        // judged (neurokit2's behaviour): the 1600 ms beat stays.
        let no_floor = CorrectionParams {
            threshold_floor_share: 0.0,
            ..Default::default()
        };
        let c = correct_rr_with(&rr, &no_floor);
        assert!(flagged(&c).is_empty());
        assert_eq!(c.nn_ms, rr);
        assert!(detect(&rr, &no_floor)
            .drr_threshold_ms
            .iter()
            .all(|t| *t == 0.0));
    }

    #[test]
    fn a_missed_beat_at_a_slow_resting_rate_is_split_not_dropped() {
        // 52 bpm: a missed beat is 2300 ms, outside 300-2000 ms; the split halves are not.
        let mut rr = vec![1150.0; 100];
        rr[50] = 2300.0;
        rr.remove(51);
        let c = correct_rr(&rr);
        assert_eq!(flagged(&c), vec![(50, BeatFlag::Missed)]);
        assert_eq!(c.nn_ms, vec![1150.0; 100]);
        assert_eq!(c.out_of_range, 0);
    }

    #[test]
    fn an_extra_beat_is_merged_with_the_next() {
        // 800 split into 300 + 500. At 300: dRR = -500 (-31 thresholds), S12 = min(0, 12.5) =
        // 0 (not ectopic), short (S22 = max(12.5, 18.75) > 1) and 300 + 500 = 800 is on the
        // median: extra, merged with the next. The 500 is merged in, not judged itself.
        let mut rr = vec![800.0; 100];
        rr[40] = 300.0;
        rr.insert(41, 500.0);
        let c = correct_rr(&rr);
        assert_eq!(flagged(&c), vec![(40, BeatFlag::Extra)]);
        assert_eq!(c.nn_ms, vec![800.0; 100]);
        assert_eq!(c.artifacts.extra, 1);
    }

    #[test]
    fn an_extra_beat_just_before_a_true_beat_is_merged_with_the_previous() {
        // 800 split into 790 + 10: 790 is within the threshold (dRR = -10 < 16); 10 is short
        // and 790 + 10 is nearer the median than 10 + 800, so it merges backwards. The paper's
        // merge with the next would leave 790 and make 810.
        let mut rr = vec![800.0; 100];
        rr[40] = 790.0;
        rr.insert(41, 10.0);
        let c = correct_rr(&rr);
        assert_eq!(flagged(&c), vec![(41, BeatFlag::Extra)]);
        assert_eq!(c.nn_ms, vec![800.0; 100]);
        assert_eq!(c.out_of_range, 0);
    }

    #[test]
    fn an_ectopic_beat_and_its_pause_are_interpolated() {
        // 30 % premature (560) with a full compensatory pause (1040). The pause: dRR = +30
        // thresholds answered by -15 on both sides, S12 = -15 < -0.13 x 30 - 0.17: ectopic. The
        // premature beat: dRR = -15, S12 = min(0, 30) = 0: no ectopic pattern, but short by S22
        // (max(30, -15) > 1), and no neighbour sums to the median: short. Both are replaced by
        // the line between the 800s around them.
        let mut rr = wobble(100);
        rr[50] = 560.0;
        rr[51] = 1040.0;
        let c = correct_rr(&rr);
        assert_eq!(
            flagged(&c),
            vec![(50, BeatFlag::Short), (51, BeatFlag::Ectopic)]
        );
        assert_eq!(
            c.artifacts,
            ArtifactCounts {
                ectopic: 1,
                long_short: 1,
                ..Default::default()
            }
        );
        // wobble: rr[49] = 810, rr[52] = 800: the line gives 806.67 and 803.33.
        assert!(
            (c.nn_ms[50] - (810.0 - 10.0 / 3.0)).abs() < 1e-9,
            "{}",
            c.nn_ms[50]
        );
        assert!(
            (c.nn_ms[51] - (810.0 - 20.0 / 3.0)).abs() < 1e-9,
            "{}",
            c.nn_ms[51]
        );
        assert_eq!(c.nn_ms.len(), 100);
        assert!((c.artifact_share - 0.02).abs() < 1e-12);
    }

    #[test]
    fn a_long_beat_is_interpolated() {
        // 900 in 800s, not answered by a short beat: long (S22 = min(-6.25, 0) < -1), and
        // 450 is far from the median: not missed.
        let mut rr = vec![800.0; 100];
        rr[30] = 900.0;
        let c = correct_rr(&rr);
        assert_eq!(flagged(&c), vec![(30, BeatFlag::Long)]);
        assert_eq!(c.nn_ms, vec![800.0; 100]);
    }

    #[test]
    fn the_first_and_last_beats_are_examined() {
        let mut rr = vec![800.0; 100];
        rr[0] = 1600.0; // dRR[0] = 1600 - median 800
        rr[99] = 400.0;
        let c = correct_rr(&rr);
        assert_eq!(
            flagged(&c),
            vec![(0, BeatFlag::Missed), (99, BeatFlag::Short)]
        );
        assert_eq!(c.nn_ms, vec![800.0; 101]);
    }

    #[test]
    fn unusable_and_implausible_values_are_removed() {
        let mut rr = wobble(100);
        // Taken out where the wobble's neighbours are equal (800 | 800), so that no jump
        // appears where the value was.
        rr[9] = f64::NAN;
        rr[21] = -5.0;
        rr[29] = 0.0;
        rr[41] = f64::INFINITY;
        rr[60] = 3000.0; // long, not one missed beat, and no beat: removed, not interpolated
        let c = correct_rr(&rr);
        for i in [9, 21, 29, 41, 60] {
            assert_eq!(c.flags[i], BeatFlag::OutOfRange, "beat {i}");
        }
        assert_eq!(flagged(&c).len(), 5);
        assert_eq!(c.out_of_range, 5);
        assert_eq!(c.artifacts, ArtifactCounts::default());
        assert_eq!(c.nn_ms.len(), 95);
        // Every removal breaks one pair.
        let broken: Vec<usize> = (0..c.adjacent.len()).filter(|&k| !c.adjacent[k]).collect();
        assert_eq!(broken, vec![8, 19, 26, 37, 55]);
        assert!((c.artifact_share - 0.05).abs() < 1e-12);
    }

    #[test]
    fn strong_breathing_variability_is_not_an_artifact() {
        // A fit resting heart: 1100 ms +- 150 ms over a 5-beat breath, plus a seeded +-15 ms
        // jitter. Beat-to-beat changes reach 190 ms (17 % of the median), yet no pattern of an
        // artifact: nothing is flagged (a cap of 15 % instead of 20 % flags two beats).
        let mut state = 12345u64;
        let mut jitter = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 33) as f64 / (1u64 << 31) as f64 - 0.5) * 30.0
        };
        let rr: Vec<f64> = (0..300)
            .map(|i| 1100.0 + 150.0 * (i as f64 * std::f64::consts::TAU / 5.0).sin() + jitter())
            .collect();
        let largest = rr
            .windows(2)
            .map(|w| (w[1] - w[0]).abs())
            .fold(0.0, f64::max);
        assert!(largest > 0.15 * 1100.0, "{largest}");
        let c = correct_rr(&rr);
        assert!(flagged(&c).is_empty(), "{:?}", flagged(&c));
        assert_eq!(c.nn_ms, rr);
    }

    #[test]
    fn a_nearly_pure_breathing_sine_is_not_an_artifact() {
        // The simulator's resting heart: 1090 ms +- 60 ms over 4.3 beats, 1 ms of noise. The
        // differences are all about the same size, the quartile deviation collapses; the
        // spread floor keeps the threshold at twice their median.
        let rr: Vec<f64> = (0..200)
            .map(|i| {
                let wobble = [0.3, -0.8, 0.5, -0.1, 0.9, -0.4, 0.0][i % 7];
                1090.0 + 60.0 * (i as f64 * std::f64::consts::TAU / 4.3).sin() + wobble
            })
            .collect();
        let c = correct_rr(&rr);
        assert!(flagged(&c).is_empty(), "{:?}", flagged(&c));
        // (The simulated morning checks of tests/cli_morning.rs, with the simulator's own
        // noise, had 30-68 % of their beats flagged without the spread floor.)
    }

    #[test]
    fn the_quartiles_interpolate_like_numpy() {
        // numpy.quantile([1, 2, 3, 4], [0.25, 0.75]) = [1.75, 3.25].
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!((quantile(&v, 0.25), quantile(&v, 0.75)), (1.75, 3.25));
        assert_eq!(quantile(&[5.0], 0.25), 5.0);
        assert!(quantile(&[], 0.5).is_nan());
        assert_eq!(median(&mut [3.0, 1.0, 2.0, 10.0]), 2.5);
    }

    #[test]
    fn json_shape_of_the_counts() {
        let counts = ArtifactCounts {
            ectopic: 1,
            missed: 2,
            extra: 3,
            long_short: 4,
        };
        assert_eq!(
            serde_json::to_value(counts).unwrap(),
            serde_json::json!({"ectopic": 1, "missed": 2, "extra": 3, "long_short": 4})
        );
        assert_eq!(counts.total(), 10);
    }

    /// The invariants of any correction of `rr`.
    fn check_invariants(rr: &[f64], c: &RrCorrection) -> Result<(), TestCaseError> {
        prop_assert_eq!(c.flags.len(), rr.len());
        let expected = rr.len() + c.artifacts.missed - c.artifacts.extra - c.out_of_range;
        prop_assert_eq!(c.nn_ms.len(), expected);
        prop_assert_eq!(c.adjacent.len(), c.nn_ms.len().saturating_sub(1));
        prop_assert!(c.nn_ms.iter().all(|v| (RR_MIN_MS..=RR_MAX_MS).contains(v)));
        let flagged = c.flags.iter().filter(|f| !f.is_normal()).count();
        prop_assert_eq!(flagged, c.artifacts.total() + c.out_of_range);
        prop_assert!((0.0..=1.0).contains(&c.artifact_share));
        if !rr.is_empty() {
            prop_assert!((c.artifact_share - flagged as f64 / rr.len() as f64).abs() < 1e-12);
        }
        // Unflagged values that were not merged into an extra beat are kept bit for bit, in
        // order: the corrected series contains them as a subsequence.
        let mut kept = c.nn_ms.iter();
        for (i, f) in c.flags.iter().enumerate() {
            let merged_in = (i > 0 && c.flags[i - 1] == BeatFlag::Extra)
                || c.flags.get(i + 1) == Some(&BeatFlag::Extra);
            if f.is_normal() && !merged_in {
                prop_assert!(
                    kept.any(|v| v.to_bits() == rr[i].to_bits()),
                    "beat {} lost",
                    i
                );
            }
        }
        Ok(())
    }

    proptest! {
        #[test]
        fn arbitrary_input_never_panics(rr in proptest::collection::vec(any::<f64>(), 0..250)) {
            let c = correct_rr(&rr);
            check_invariants(&rr, &c)?;
        }

        #[test]
        fn plausible_input_with_artifacts_keeps_its_bookkeeping(
            rr in proptest::collection::vec(
                prop_oneof![
                    8 => 700.0..900.0f64,
                    1 => 100.0..2500.0f64,
                    1 => prop_oneof![Just(0.0), Just(f64::NAN), Just(1e9), Just(-1.0)],
                ],
                0..400,
            )
        ) {
            let c = correct_rr(&rr);
            check_invariants(&rr, &c)?;
        }

        #[test]
        fn a_clean_synthetic_series_is_unchanged(
            base in 400.0..1900.0f64,
            noise in proptest::collection::vec(-1.0..1.0f64, 1..400),
        ) {
            // Every value within +-0.99 % of the base: no difference can reach the floor
            // (2 % of a median that is at least base x 0.99), so nothing is judged.
            let rr: Vec<f64> = noise.iter().map(|u| base * (1.0 + 0.0099 * u)).collect();
            let c = correct_rr(&rr);
            prop_assert!(c.flags.iter().all(|f| f.is_normal()));
            prop_assert!(c.nn_ms.iter().zip(&rr).all(|(a, b)| a.to_bits() == b.to_bits()));
            prop_assert_eq!(c.nn_ms.len(), rr.len());
        }
    }
}
