//! DFA alpha1: the short-term scaling exponent of the RR intervals, window by window over a
//! session, and the heart rate at which it crosses 0.75 (aerobic threshold, ~VT1) and 0.5
//! (~VT2).
//!
//! Owns the definition of a window, the artifact rule, the alpha1 computation, the HR-on-alpha1
//! fit and the time spent in the three alpha1 bands, for a finished session ([`analyse`]) and
//! live, reading by reading ([`LiveDfa`], which gives exactly the numbers of [`analyse`]). Pure:
//! readings come in, numbers go out; no clock, no disk, no terminal.
//!
//! Sources (docs/science.md §9): alpha1 = 0.75 at VT1 (Rogers et al. 2021, Front Physiol
//! 11:596567; Gronwald, Rogers & Hoos 2020), 0.5 near VT2 (Rogers et al. 2021, J Funct Morphol
//! Kinesiol 6:38); the computation of the open-source references (Altini's notebook, FatMaxxer
//! v2, after Kubios): 120 s windows every 20 s, smoothness-priors detrending (Tarvainen, Ranta-aho
//! & Karjalainen 2002, IEEE Trans Biomed Eng 49:172, lambda = 500), box sizes 4-16 beats from
//! both ends; artifacts dropped at a 5 % change (Altini), a window with more than 5 % of them
//! untrustworthy; 1-3 % missed beats already bias alpha1 (Rogers et al. 2021, Sensors 21:821).
//! Other libraries use other box sizes (docs/science.md §9 and "Numbers" in the pitfalls): the
//! definition below is the one tested against `scripts/dfa_reference.py`.
//!
//! # The definition
//!
//! **The RR sequence** of a session is every RR interval of every reading, in reading order
//! (as `export --format json` lists them), numbered from 0: beat `i` is its `i`-th interval.
//! Only `Reading::t` and the RR intervals in ms ([`crate::reading::RrInterval::ms`]) are used.
//!
//! **Windows.** Let `t0` be the time of the session's first reading, `W` the window (120 s) and
//! `S` the step (20 s). The window ending at `T = t0 + W + k S` (`k` an integer) holds the RR of
//! the readings whose time lies in `(T - W, T]`: a half-open range `first_beat..last_beat` of the
//! RR sequence. (So the first reading's own RR, at exactly `T - W` of the first window, only
//! count toward no window: the first window starts just after it.)
//! - *Gaps.* The readings are cut into stretches wherever two consecutive readings lie more
//!   than `max_gap` apart, or the later one is earlier (time going backwards: readings are
//!   stored in time order, so this only guards against a bad clock). A window exists only inside
//!   one stretch: its start `T - W` is not before the stretch's first reading and its end `T` not
//!   after the stretch's last reading; it holds that stretch's readings in `(T - W, T]`. So a gap
//!   removes every window that overlaps it, and windows resume `W` after the first reading past
//!   the gap, on the same grid of `T`. The last window ends at or before the session's last
//!   reading.
//! - Windows are listed stretch by stretch, in increasing `T`. A window whose readings carry no
//!   RR at all is not listed (it has nothing to analyse: a session without RR has no windows).
//! - The step is clamped to 5-60 s ([`MIN_STEP`], [`MAX_STEP`]; FatMaxxer's minimum is 5 s), the
//!   window to at least one step.
//!
//! **Artifacts** (per window, on the window's beats in order; excluded beats are dropped, not
//! interpolated):
//! 1. A beat outside 250-2000 ms ([`RR_MIN_MS`], [`RR_MAX_MS`]; not finite) is excluded. 2000 ms
//!    is 30 bpm, the plausible floor of docs/science.md §11; 250 ms (240 bpm) leaves room for the
//!    270 ms of hard exercise noted there.
//! 2. The allowed change is 5 % ([`MAX_CHANGE`]), or 25 % ([`LOW_HR_MAX_CHANGE`]) in a low-HR
//!    window: one whose median RR (over the beats kept by 1; the mean of the two middle values
//!    for an even count) is above 750 ms, i.e. below 80 bpm. *Why:* at rest and at very easy
//!    effort the breathing-driven swing of RR (RSA, docs/science.md §6) routinely exceeds 5 %
//!    from one beat to the next; a 5 % rule there would drop normal sinus beats, which both makes
//!    every window "unreliable" and raises alpha1 by removing the fast fluctuation. FatMaxxer
//!    switches to 25 % below 80 bpm (docs/science.md §9) for the same reason; it decides from the
//!    strap's current HR with hysteresis (5 % above 95 bpm), which is not a property of the
//!    window, so here the window's own median decides. 25 % still catches a missed beat (+100 %)
//!    or a split one (about -50 %). alpha1 thresholds are meant for exercise well above 80 bpm,
//!    where the 5 % rule of the references applies unchanged.
//! 3. *The first beat.* The window's first accepted beat (the "anchor") is the first beat kept
//!    by 1 whose next beat kept by 1 differs from it by at most the allowed change
//!    (`|next - beat| <= change x beat`); the beats before it are excluded. Accepting the first
//!    beat unconditionally (as FatMaxxer does once per session) would let one artifact at the
//!    start of a window become the reference against which every normal beat after it is
//!    rejected. If no beat agrees with its successor, every beat of the window is excluded.
//! 4. From the anchor on, a beat is excluded when it differs by more than the allowed change
//!    from the previous ACCEPTED beat of the window (`|rr - prev| > change x prev`), else it is
//!    accepted and becomes `prev`.
//!
//!    Comparing with the previous accepted beat (not the previous beat, as FatMaxxer does) keeps
//!    one artifact from making its normal neighbour look like one. Its cost: a real change of
//!    rate larger than the allowed one that happens across excluded beats locks the rest of the
//!    window out (seen in `garmin-fenix-5-run.fit`, where the heart speeds up from ~970 to
//!    ~700 ms across two missed beats at the start of a run). Such a window has a large artifact
//!    share and is unreliable, never silently wrong, and the next window anchors afresh.
//!
//! `artifact_share = excluded / beats` (every beat of the window counts, including those of
//! rule 1), and a window is `reliable` when it has an alpha1 and `artifact_share <= 0.05`
//! ([`MAX_ARTIFACT_SHARE`]).
//!
//! **alpha1** of the `N` accepted beats `x` (ms), in their order:
//! 1. detrend with smoothness priors: `z = x - (I + lambda^2 D2'D2)^-1 x`, `lambda = 500`, `D2`
//!    the `(N-2) x N` second-difference matrix (rows `1, -2, 1`). The matrix is symmetric,
//!    positive definite and pentadiagonal: it is factored as `L D L'` (`L` unit lower triangular
//!    with two sub-diagonals) and solved in `O(N)`. (The window mean is removed before the solve,
//!    which changes nothing mathematically: `D2` annihilates constants, so a constant is its own
//!    trend; it keeps the numbers small.)
//! 2. integrate: `y_k = sum_{j <= k} (z_j - mean z)`;
//! 3. for every box size `n = 4, 5, ..., 16`: `m = floor(N / n)` boxes of `n` values from the
//!    start (`y[i n .. (i+1) n]`) and `m` from the end (`y[N-(i+1) n .. N-i n]`), `i = 0..m`;
//!    remove each box's least-squares line (on positions `0..n`); `F(n)` = root mean square of
//!    all `2 m n` residuals;
//! 4. `alpha1` = least-squares slope of `ln F(n)` on `ln n` over the 13 box sizes.
//!
//! *Minimum:* alpha1 needs at least 50 accepted beats ([`MIN_BEATS`]): every box size then has
//! at least 3 boxes per pass (48 beats for n = 16; one box would do arithmetically, but F(16)
//! from a single box is mostly noise). A 120 s window holds 50 beats at 25 bpm, so only heavy
//! artifact loss or short stretches hit it. alpha1 is absent too when the detrended beats have a
//! root mean square below 1e-6 ms ([`NO_FLUCTUATION_MS`]: a series without fluctuation, such as
//! a constant or a straight line, whose detrended values are rounding noise) or any `F(n)` is 0.
//!
//! **Window HR** = 60000 / mean of the accepted beats (absent without accepted beats).
//!
//! **HR at a threshold** ([`thresholds`]): the least-squares line of window HR on window alpha1
//! over the reliable windows (at least 2, with different alpha1), evaluated at alpha1 = 0.75 and
//! 0.5. Reported only when the reliable windows' alpha1 reach within 0.05 of the value
//! ([`THRESHOLD_REACH`]): `min alpha1 - 0.05 <= value <= max alpha1 + 0.05`, so the line is never
//! extrapolated more than 0.05 beyond what was measured; otherwise a [`ThresholdMissing`] says
//! why. Only meaningful for a ramp (docs/science.md §9, Runalyze): a fit whose slope is not
//! negative is no ramp, and the caller should say so.
//!
//! **Time in the alpha1 bands** ([`Alpha1Time`]): each reliable window accounts for one step of
//! time, `(T - S, T]`, the time since the previous window's end, so consecutive windows tile the
//! session without overlap; alpha1 > 0.75 is "above", 0.5 <= alpha1 <= 0.75 "between", < 0.5
//! "below". The first `W - S` seconds of a stretch and unreliable windows count nothing.

use std::collections::VecDeque;
use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize, Serializer};

use crate::physiology::summary::DEFAULT_MAX_GAP;
use crate::reading::Reading;

/// The window length (docs/science.md §9: 120 s).
pub const WINDOW: Duration = Duration::from_secs(120);
/// The step between windows after a workout (docs/science.md §9: every 20 s).
pub const STEP: Duration = Duration::from_secs(20);
/// The shortest step (FatMaxxer's minimum, docs/science.md §9).
pub const MIN_STEP: Duration = Duration::from_secs(5);
/// The longest step.
pub const MAX_STEP: Duration = Duration::from_secs(60);
/// Smoothness-priors regularisation (Tarvainen 2002; docs/science.md §9).
pub const LAMBDA: f64 = 500.0;
/// Smallest box, beats.
pub const BOX_MIN: usize = 4;
/// Largest box, beats.
pub const BOX_MAX: usize = 16;
/// Fewest accepted beats for an alpha1 (see the module documentation).
pub const MIN_BEATS: usize = 50;
/// Largest allowed change against the previous accepted beat (Altini; docs/science.md §9).
pub const MAX_CHANGE: f64 = 0.05;
/// The allowed change in a low-HR window (FatMaxxer below 80 bpm; docs/science.md §9).
pub const LOW_HR_MAX_CHANGE: f64 = 0.25;
/// A window whose median RR is above this (ms; 80 bpm) is a low-HR window.
pub const LOW_HR_MEDIAN_RR_MS: f64 = 750.0;
/// Shortest plausible beat, ms (240 bpm; docs/science.md §11 allows 270 ms in hard exercise).
pub const RR_MIN_MS: f64 = 250.0;
/// Longest plausible beat, ms (30 bpm; docs/science.md §11).
pub const RR_MAX_MS: f64 = 2000.0;
/// A window is reliable up to this artifact share (docs/science.md §9: < 5 % is clean).
pub const MAX_ARTIFACT_SHARE: f64 = 0.05;
/// alpha1 at the aerobic threshold, ~VT1 (Rogers 2021).
pub const ALPHA1_AEROBIC: f64 = 0.75;
/// alpha1 near the second ventilatory threshold (Rogers 2021).
pub const ALPHA1_VT2: f64 = 0.5;
/// How close the reliable windows' alpha1 must come to a threshold for its HR to be reported.
pub const THRESHOLD_REACH: f64 = 0.05;

/// Detrended beats whose root mean square is below this (ms: a nanosecond, far below any
/// strap's resolution) carry no fluctuation: no alpha1 (the rest is rounding noise).
pub const NO_FLUCTUATION_MS: f64 = 1e-6;

const NS_PER_S: i128 = 1_000_000_000;

/// How windows are laid over a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DfaOptions {
    /// Window length ([`WINDOW`]); at least one step is used.
    pub window: Duration,
    /// Step between window ends ([`STEP`]); clamped to [`MIN_STEP`]..=[`MAX_STEP`].
    pub step: Duration,
    /// Consecutive readings further apart than this are a gap ([`DEFAULT_MAX_GAP`], as in the
    /// summary).
    pub max_gap: Duration,
}

impl Default for DfaOptions {
    fn default() -> Self {
        DfaOptions {
            window: WINDOW,
            step: STEP,
            max_gap: DEFAULT_MAX_GAP,
        }
    }
}

impl DfaOptions {
    /// The step actually used.
    pub fn effective_step(&self) -> Duration {
        self.step.clamp(MIN_STEP, MAX_STEP)
    }

    /// (window, step, max_gap) in nanoseconds, as used.
    fn nanos(&self) -> (i128, i128, i128) {
        let ns = |d: Duration| i128::try_from(d.as_nanos()).unwrap_or(i128::MAX);
        let step = ns(self.effective_step());
        (ns(self.window).max(step), step, ns(self.max_gap))
    }
}

/// One window of a session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DfaWindow {
    /// The window's end `T` (RFC 3339 in JSON); it holds the readings in `(T - 120 s, T]`.
    pub end: DateTime<Utc>,
    /// DFA alpha1 of the accepted beats; `None` with fewer than [`MIN_BEATS`].
    pub alpha1: Option<f64>,
    /// 60000 / mean accepted beat, bpm; `None` without accepted beats.
    pub hr: Option<f64>,
    /// RR intervals in the window (`last_beat - first_beat`).
    pub beats: usize,
    /// Index of the window's first beat in the session's RR sequence.
    pub first_beat: usize,
    /// One past the window's last beat (exclusive).
    pub last_beat: usize,
    /// Indexes (in the session's RR sequence) of the beats the artifact rule excluded.
    pub excluded: Vec<usize>,
    /// `excluded.len() / beats`.
    pub artifact_share: f64,
    /// Has an alpha1 and `artifact_share <= 0.05`.
    pub reliable: bool,
}

/// What the artifact rule and alpha1 make of one series of beats (a window, or a whole short
/// recording).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BeatsResult {
    /// DFA alpha1 of the accepted beats; `None` with fewer than [`MIN_BEATS`].
    pub alpha1: Option<f64>,
    /// 60000 / mean accepted beat, bpm.
    pub hr: Option<f64>,
    /// Number of accepted beats.
    pub accepted: usize,
    /// Positions (0-based, in the series given) of the excluded beats.
    pub excluded: Vec<usize>,
    /// `excluded.len() / beats` (0 for no beats).
    pub artifact_share: f64,
    /// Has an alpha1 and `artifact_share <= 0.05`.
    pub reliable: bool,
}

/// Why the HR at a threshold (or the fit itself) is not reported.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum ThresholdMissing {
    /// Fewer than two reliable windows.
    TooFewReliableWindows { reliable: usize },
    /// Every reliable window has the same alpha1: no line through them.
    NoAlpha1Spread { reliable: usize },
    /// alpha1 never fell to within 0.05 of the value: the effort stayed easier.
    NotReachedFromAbove { lowest_alpha1: f64 },
    /// alpha1 never rose to within 0.05 of the value: the effort stayed harder.
    NotReachedFromBelow { highest_alpha1: f64 },
}

impl fmt::Display for ThresholdMissing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ThresholdMissing::TooFewReliableWindows { reliable } => write!(
                f,
                "only {reliable} reliable alpha1 window(s); a fit needs at least 2"
            ),
            ThresholdMissing::NoAlpha1Spread { reliable } => write!(
                f,
                "all {reliable} reliable windows have the same alpha1: no line through them"
            ),
            ThresholdMissing::NotReachedFromAbove { lowest_alpha1 } => write!(
                f,
                "alpha1 never came within {THRESHOLD_REACH} of the threshold (lowest {lowest_alpha1:.2}): the effort did not get hard enough"
            ),
            ThresholdMissing::NotReachedFromBelow { highest_alpha1 } => write!(
                f,
                "alpha1 never came within {THRESHOLD_REACH} of the threshold (highest {highest_alpha1:.2}): the effort did not get easy enough"
            ),
        }
    }
}

/// The least-squares line `hr = intercept + slope x alpha1` over the reliable windows.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct HrOnAlpha1 {
    /// bpm per unit of alpha1 (negative on a ramp).
    pub slope: f64,
    /// bpm at alpha1 = 0.
    pub intercept: f64,
    /// Coefficient of determination of the line (1 when every HR is the same).
    pub r_squared: f64,
}

impl HrOnAlpha1 {
    /// The line's HR at `alpha1`.
    pub fn hr_at(&self, alpha1: f64) -> f64 {
        self.intercept + self.slope * alpha1
    }
}

/// The HR at alpha1 0.75 and 0.5 from the reliable windows (JSON: `reliable_windows`, `fit`,
/// `hr_at_alpha1_075`, `hr_at_alpha1_050`, each `null` when absent, with the reason under
/// `fit_missing`, `hr_at_alpha1_075_missing`, `hr_at_alpha1_050_missing`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// Windows that entered the fit.
    pub reliable_windows: usize,
    /// The line of HR on alpha1.
    pub fit: Result<HrOnAlpha1, ThresholdMissing>,
    /// HR at alpha1 = 0.75 (aerobic threshold, ~VT1), bpm.
    pub hr_at_075: Result<f64, ThresholdMissing>,
    /// HR at alpha1 = 0.5 (~VT2), bpm.
    pub hr_at_050: Result<f64, ThresholdMissing>,
}

impl Serialize for Thresholds {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Thresholds", 7)?;
        st.serialize_field("reliable_windows", &self.reliable_windows)?;
        st.serialize_field("fit", &self.fit.ok())?;
        st.serialize_field("fit_missing", &self.fit.err())?;
        st.serialize_field("hr_at_alpha1_075", &self.hr_at_075.ok())?;
        st.serialize_field("hr_at_alpha1_075_missing", &self.hr_at_075.err())?;
        st.serialize_field("hr_at_alpha1_050", &self.hr_at_050.ok())?;
        st.serialize_field("hr_at_alpha1_050_missing", &self.hr_at_050.err())?;
        st.end()
    }
}

/// Time the reliable windows spent in each alpha1 band, seconds (one step per window).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Alpha1Time {
    /// alpha1 > 0.75: below the aerobic threshold.
    pub above_075_s: f64,
    /// 0.5 <= alpha1 <= 0.75: between the thresholds.
    pub between_s: f64,
    /// alpha1 < 0.5: beyond ~VT2.
    pub below_050_s: f64,
}

/// The whole DFA analysis of a session.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DfaAnalysis {
    /// RR intervals in the session (the length of its RR sequence).
    pub rr_count: usize,
    /// The step used, seconds.
    pub step_s: f64,
    /// HR at the thresholds (flattened into this object in JSON).
    #[serde(flatten)]
    pub thresholds: Thresholds,
    /// Time in the alpha1 bands.
    pub alpha1_time: Alpha1Time,
    /// Every window with at least one beat.
    pub windows: Vec<DfaWindow>,
}

/// DFA alpha1 of `rr_ms` exactly as given (no artifact rule): `None` with fewer than
/// [`MIN_BEATS`] beats, a zero `F(n)`, or non-finite input.
pub fn alpha1(rr_ms: &[f64]) -> Option<f64> {
    Workspace::default().alpha1(rr_ms)
}

/// The artifact rule, alpha1 and HR of one series of beats (see the module documentation).
pub fn analyse_beats(rr_ms: &[f64]) -> BeatsResult {
    let mut ws = Workspace::default();
    let (alpha1, hr) = ws.beats(rr_ms);
    let artifact_share = share(ws.excluded.len(), rr_ms.len());
    BeatsResult {
        alpha1,
        hr,
        accepted: ws.accepted.len(),
        excluded: ws.excluded.clone(),
        artifact_share,
        reliable: is_reliable(alpha1, artifact_share),
    }
}

/// Every window of a session, the HR at the thresholds and the time in the alpha1 bands.
pub fn analyse(readings: &[Reading], opts: &DfaOptions) -> DfaAnalysis {
    let windows = windows(readings, opts);
    let step = opts.effective_step();
    DfaAnalysis {
        rr_count: readings.iter().map(|r| r.rr.len()).sum(),
        step_s: step.as_secs_f64(),
        thresholds: thresholds(&windows),
        alpha1_time: alpha1_time(&windows, step),
        windows,
    }
}

/// Every window of a session (see the module documentation), in order.
pub fn windows(readings: &[Reading], opts: &DfaOptions) -> Vec<DfaWindow> {
    let Some(first) = readings.first() else {
        return Vec::new();
    };
    let (w, s, max_gap) = opts.nanos();
    let origin = nanos(first.t);
    let t: Vec<i128> = readings.iter().map(|r| nanos(r.t)).collect();
    // offsets[i] = index of reading i's first RR in the RR sequence.
    let mut offsets = Vec::with_capacity(readings.len() + 1);
    let mut rr = Vec::new();
    for r in readings {
        offsets.push(rr.len());
        rr.extend(r.rr.iter().map(|x| x.ms()));
    }
    offsets.push(rr.len());

    let mut ws = Workspace::default();
    let mut out = Vec::new();
    let mut a = 0;
    while a < t.len() {
        // The stretch a..=b.
        let mut b = a;
        while b + 1 < t.len() && !is_break(t[b], t[b + 1], max_gap) {
            b += 1;
        }
        let (start, end) = (t[a], t[b]);
        let mut k = ceil_div(start - origin, s);
        let (mut lo, mut hi) = (a, a);
        loop {
            let end_t = origin + w + k * s;
            if end_t > end {
                break;
            }
            while lo <= b && t[lo] <= end_t - w {
                lo += 1;
            }
            while hi <= b && t[hi] <= end_t {
                hi += 1;
            }
            if lo >= hi {
                // No reading in the window: jump to the first window that can hold reading
                // `hi` (the windows in between are empty too).
                if hi > b {
                    break;
                }
                k = (k + 1).max(ceil_div(t[hi] - origin - w, s));
                continue;
            }
            let (first_beat, last_beat) = (offsets[lo], offsets[hi]);
            if first_beat < last_beat {
                if let Some(end_dt) = datetime(end_t) {
                    out.push(ws.window(end_dt, &rr[first_beat..last_beat], first_beat));
                }
            }
            k += 1;
        }
        a = b + 1;
    }
    out
}

/// The HR-on-alpha1 line over the reliable windows and its HR at 0.75 and 0.5.
pub fn thresholds(windows: &[DfaWindow]) -> Thresholds {
    let points: Vec<(f64, f64)> = windows
        .iter()
        .filter(|w| w.reliable)
        .filter_map(|w| Some((w.alpha1?, w.hr?)))
        .collect();
    let reliable = points.len();
    let fit = fit_line(&points);
    let at = |value: f64| -> Result<f64, ThresholdMissing> {
        let line = fit?;
        let lowest = points.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
        let highest = points.iter().map(|p| p.0).fold(f64::NEG_INFINITY, f64::max);
        if lowest - THRESHOLD_REACH > value {
            Err(ThresholdMissing::NotReachedFromAbove {
                lowest_alpha1: lowest,
            })
        } else if highest + THRESHOLD_REACH < value {
            Err(ThresholdMissing::NotReachedFromBelow {
                highest_alpha1: highest,
            })
        } else {
            Ok(line.hr_at(value))
        }
    };
    Thresholds {
        reliable_windows: reliable,
        fit,
        hr_at_075: at(ALPHA1_AEROBIC),
        hr_at_050: at(ALPHA1_VT2),
    }
}

/// Time in the alpha1 bands over the reliable windows, one `step` each (see the module
/// documentation; pass [`DfaOptions::effective_step`]).
pub fn alpha1_time(windows: &[DfaWindow], step: Duration) -> Alpha1Time {
    let s = step.as_secs_f64();
    let mut t = Alpha1Time::default();
    for a in windows
        .iter()
        .filter(|w| w.reliable)
        .filter_map(|w| w.alpha1)
    {
        if a > ALPHA1_AEROBIC {
            t.above_075_s += s;
        } else if a >= ALPHA1_VT2 {
            t.between_s += s;
        } else {
            t.below_050_s += s;
        }
    }
    t
}

/// The fewest reliable windows, and the least r² of their HR-on-alpha1 line, for a session to
/// count as a ramp: a rise in effort whose alpha1 fell as the heart rate rose, clearly enough
/// that the line's HR at 0.75 and 0.5 mean something (docs/science.md §9: the thresholds are
/// only meaningful for a ramp test). talkzone's rule: six windows are two minutes of
/// independent data (a window every 20 s overlaps the last by 100 s), and r² 0.5 a line that
/// explains half of the spread.
pub const RAMP_MIN_WINDOWS: usize = 6;
/// See [`RAMP_MIN_WINDOWS`].
pub const RAMP_MIN_R_SQUARED: f64 = 0.5;

/// Whether the windows behind `t` look like a ramp (see [`RAMP_MIN_WINDOWS`]): enough reliable
/// windows, heart rate rising as alpha1 falls (a negative slope), and a line that fits.
pub fn is_ramp(t: &Thresholds) -> bool {
    t.reliable_windows >= RAMP_MIN_WINDOWS
        && t.fit
            .is_ok_and(|f| f.slope < 0.0 && f.r_squared >= RAMP_MIN_R_SQUARED)
}

/// What a session's alpha1 says, as its stored summary keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SessionAlpha1 {
    /// Windows with at least one beat, and the reliable ones among them.
    pub windows: usize,
    pub reliable_windows: usize,
    /// Time in the alpha1 bands (reliable windows only).
    pub above_075_s: f64,
    pub between_s: f64,
    pub below_050_s: f64,
    /// The session looked like a ramp ([`is_ramp`]): only then are the thresholds given.
    pub ramp: bool,
    /// HR at alpha1 0.75 and 0.5, bpm, on a ramp that reached them.
    pub hr_at_alpha1_075: Option<f64>,
    pub hr_at_alpha1_050: Option<f64>,
}

/// The summary's view of an analysis; `None` for a session without RR intervals.
pub fn session_alpha1(a: &DfaAnalysis) -> Option<SessionAlpha1> {
    if a.rr_count == 0 {
        return None;
    }
    let ramp = is_ramp(&a.thresholds);
    Some(SessionAlpha1 {
        windows: a.windows.len(),
        reliable_windows: a.thresholds.reliable_windows,
        above_075_s: a.alpha1_time.above_075_s,
        between_s: a.alpha1_time.between_s,
        below_050_s: a.alpha1_time.below_050_s,
        ramp,
        hr_at_alpha1_075: a.thresholds.hr_at_075.ok().filter(|_| ramp),
        hr_at_alpha1_050: a.thresholds.hr_at_050.ok().filter(|_| ramp),
    })
}

/// What a value of alpha1 means, in plain words (docs/science.md §9).
pub fn meaning(alpha1: f64) -> &'static str {
    if alpha1 > ALPHA1_AEROBIC {
        "below your aerobic threshold"
    } else if alpha1 >= ALPHA1_VT2 {
        "between your aerobic threshold and VT2"
    } else {
        "above VT2: very hard"
    }
}

/// The analysis of a session in plain words: "from this ramp: aerobic threshold about 142 bpm
/// (alpha1 0.5 at about 165 bpm)"; or why there is no threshold to give.
pub fn verdict(a: &DfaAnalysis) -> String {
    let t = &a.thresholds;
    if t.reliable_windows == 0 {
        return "no reliable alpha1 window: the RR intervals are too disturbed (more than 5 % \
                artifacts in every window, or too few beats); a chest strap worn snugly with wet \
                electrodes does better"
            .into();
    }
    if !is_ramp(t) {
        return format!(
            "not a ramp: alpha1 gives thresholds only from a steady rise in effort (stages of a \
             few minutes, getting harder until breathing is hard){}",
            match t.fit {
                Ok(f) if f.slope >= 0.0 => "; here the heart rate did not rise as alpha1 fell",
                Ok(_) => "; here alpha1 and heart rate did not follow one line closely",
                Err(_) => "",
            }
        );
    }
    match (t.hr_at_075, t.hr_at_050) {
        (Ok(vt1), Ok(vt2)) => format!(
            "from this ramp: aerobic threshold about {vt1:.0} bpm (alpha1 0.75); alpha1 0.5 \
             (about VT2) at about {vt2:.0} bpm"
        ),
        (Ok(vt1), Err(why)) => {
            format!(
                "from this ramp: aerobic threshold about {vt1:.0} bpm (alpha1 0.75); no VT2: {why}"
            )
        }
        (Err(why), _) => format!("from this ramp: no aerobic threshold: {why}"),
    }
}

/// The live form of [`windows`]: fed a session's readings one by one, in order, it yields each
/// window as soon as it is complete, with exactly the numbers [`windows`] gives for the same
/// readings.
///
/// A window ending at `T` is complete when a reading later than `T` arrives (readings at
/// exactly `T` still belong to it), so at 1 Hz it comes out at most a second after `T`; the
/// first one 120 s (plus one reading) into the session. When the session ends, [`finish`]
/// yields a window ending exactly at the last reading, if there is one. Memory: the readings of
/// the last window and one step.
///
/// [`finish`]: LiveDfa::finish
#[derive(Debug, Clone)]
pub struct LiveDfa {
    window_ns: i128,
    step_ns: i128,
    max_gap_ns: i128,
    /// First reading's time, once there is one.
    origin: Option<i128>,
    /// Grid index of the next window to yield.
    next_k: i128,
    /// Time of the last reading.
    last_t: i128,
    /// Readings that a future window may still hold: (time, index of its first beat in the
    /// session's RR sequence), the beats themselves in `beats`.
    held: VecDeque<(i128, usize)>,
    /// The beats of `held`, from `beats_base` on.
    beats: VecDeque<f64>,
    beats_base: usize,
    /// Beats fed so far (the length of the RR sequence).
    total: usize,
    ws: Workspace,
}

impl LiveDfa {
    /// A live analysis with `opts` (the step is clamped to 5-60 s).
    pub fn new(opts: &DfaOptions) -> Self {
        let (window_ns, step_ns, max_gap_ns) = opts.nanos();
        LiveDfa {
            window_ns,
            step_ns,
            max_gap_ns,
            origin: None,
            next_k: 0,
            last_t: 0,
            held: VecDeque::new(),
            beats: VecDeque::new(),
            beats_base: 0,
            total: 0,
            ws: Workspace::default(),
        }
    }

    /// Feed the session's next reading; returns the windows it completed (usually none, one
    /// per step).
    pub fn push(&mut self, reading: &Reading) -> Vec<DfaWindow> {
        let t = nanos(reading.t);
        let mut out = Vec::new();
        match self.origin {
            None => {
                self.origin = Some(t);
                self.next_k = 0;
            }
            Some(origin) => {
                if is_break(self.last_t, t, self.max_gap_ns) {
                    // The stretch ended at the last reading: its windows up to there, then a new
                    // stretch on the same grid.
                    self.emit(self.last_t, true, &mut out);
                    self.held.clear();
                    self.beats.clear();
                    self.next_k = ceil_div(t - origin, self.step_ns);
                } else {
                    self.emit(t, false, &mut out);
                }
            }
        }
        if self.held.is_empty() {
            self.beats_base = self.total;
        }
        self.held.push_back((t, self.total));
        self.beats.extend(reading.rr.iter().map(|r| r.ms()));
        self.total += reading.rr.len();
        self.last_t = t;
        self.trim();
        out
    }

    /// The session ended: the window ending exactly at the last reading, if one is due.
    pub fn finish(&mut self) -> Vec<DfaWindow> {
        let mut out = Vec::new();
        if self.origin.is_some() {
            self.emit(self.last_t, true, &mut out);
            self.trim();
        }
        out
    }

    /// The end of the grid window `k`.
    fn end_of(&self, k: i128) -> i128 {
        self.origin.unwrap_or(0) + self.window_ns + k * self.step_ns
    }

    /// Yield the windows ending before `limit` (or at it, when `inclusive`).
    fn emit(&mut self, limit: i128, inclusive: bool, out: &mut Vec<DfaWindow>) {
        let Some(origin) = self.origin else {
            return;
        };
        loop {
            let end_t = self.end_of(self.next_k);
            if end_t > limit || (end_t == limit && !inclusive) {
                return;
            }
            let start_t = end_t - self.window_ns;
            let lo = self.held.partition_point(|&(t, _)| t <= start_t);
            let hi = self.held.partition_point(|&(t, _)| t <= end_t);
            if lo >= hi {
                // Empty window: jump to the first one that can hold the next held reading.
                match self.held.get(hi) {
                    Some(&(t_next, _)) => {
                        self.next_k = (self.next_k + 1)
                            .max(ceil_div(t_next - origin - self.window_ns, self.step_ns));
                        continue;
                    }
                    None => {
                        self.next_k = (self.next_k + 1)
                            .max(ceil_div(limit - origin - self.window_ns, self.step_ns));
                        continue;
                    }
                }
            }
            let first = self.held[lo].1;
            let last = self.held.get(hi).map_or(self.total, |h| h.1);
            if first < last {
                if let Some(end_dt) = datetime(end_t) {
                    let from = first - self.beats_base;
                    let to = last - self.beats_base;
                    let rr = self.beats.make_contiguous();
                    let w = self.ws.window(end_dt, &rr[from..to], first);
                    out.push(w);
                }
            }
            self.next_k += 1;
        }
    }

    /// Drop the readings no future window can hold.
    fn trim(&mut self) {
        if self.origin.is_none() {
            return;
        }
        let start_t = self.end_of(self.next_k) - self.window_ns;
        while self.held.len() > 1 && self.held[0].0 <= start_t {
            self.held.pop_front();
            let next_first = self.held[0].1;
            let drop = next_first - self.beats_base;
            self.beats.drain(..drop);
            self.beats_base = next_first;
        }
    }
}

/// Whether consecutive readings at `a` then `b` (ns) break a stretch.
fn is_break(a: i128, b: i128, max_gap: i128) -> bool {
    b < a || b - a > max_gap
}

/// `ceil(a / b)` for `b > 0`.
fn ceil_div(a: i128, b: i128) -> i128 {
    let q = a.div_euclid(b);
    if a.rem_euclid(b) == 0 {
        q
    } else {
        q + 1
    }
}

fn nanos(t: DateTime<Utc>) -> i128 {
    i128::from(t.timestamp()) * NS_PER_S + i128::from(t.timestamp_subsec_nanos())
}

fn datetime(ns: i128) -> Option<DateTime<Utc>> {
    let secs = i64::try_from(ns.div_euclid(NS_PER_S)).ok()?;
    let sub = u32::try_from(ns.rem_euclid(NS_PER_S)).ok()?;
    DateTime::from_timestamp(secs, sub)
}

fn share(excluded: usize, beats: usize) -> f64 {
    if beats == 0 {
        0.0
    } else {
        excluded as f64 / beats as f64
    }
}

fn is_reliable(alpha1: Option<f64>, artifact_share: f64) -> bool {
    alpha1.is_some() && artifact_share <= MAX_ARTIFACT_SHARE
}

/// Least-squares line of HR (second) on alpha1 (first).
fn fit_line(points: &[(f64, f64)]) -> Result<HrOnAlpha1, ThresholdMissing> {
    let n = points.len();
    if n < 2 {
        return Err(ThresholdMissing::TooFewReliableWindows { reliable: n });
    }
    let nf = n as f64;
    let mx = points.iter().map(|p| p.0).sum::<f64>() / nf;
    let my = points.iter().map(|p| p.1).sum::<f64>() / nf;
    let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let syy: f64 = points.iter().map(|p| (p.1 - my).powi(2)).sum();
    if sxx <= 0.0 {
        return Err(ThresholdMissing::NoAlpha1Spread { reliable: n });
    }
    let slope = sxy / sxx;
    let intercept = my - slope * mx;
    let ss_res: f64 = points
        .iter()
        .map(|p| (p.1 - intercept - slope * p.0).powi(2))
        .sum();
    let r_squared = if syy > 0.0 { 1.0 - ss_res / syy } else { 1.0 };
    Ok(HrOnAlpha1 {
        slope,
        intercept,
        r_squared,
    })
}

/// Reused buffers, so a window costs no allocation after the first.
#[derive(Debug, Clone, Default)]
struct Workspace {
    accepted: Vec<f64>,
    excluded: Vec<usize>,
    sorted: Vec<f64>,
    /// Detrended, then integrated, series.
    y: Vec<f64>,
    /// Band factors of L D L' and the solve's intermediate.
    d: Vec<f64>,
    e: Vec<f64>,
    f: Vec<f64>,
    w: Vec<f64>,
}

impl Workspace {
    /// One window of the session: its beats `rr`, the first at `first_beat` of the sequence.
    fn window(&mut self, end: DateTime<Utc>, rr: &[f64], first_beat: usize) -> DfaWindow {
        let (alpha1, hr) = self.beats(rr);
        let artifact_share = share(self.excluded.len(), rr.len());
        DfaWindow {
            end,
            alpha1,
            hr,
            beats: rr.len(),
            first_beat,
            last_beat: first_beat + rr.len(),
            excluded: self.excluded.iter().map(|i| i + first_beat).collect(),
            artifact_share,
            reliable: is_reliable(alpha1, artifact_share),
        }
    }

    /// Artifact rule into `accepted` / `excluded`, then (alpha1, HR).
    fn beats(&mut self, rr: &[f64]) -> (Option<f64>, Option<f64>) {
        self.select(rr);
        let n = self.accepted.len();
        let hr = (n > 0).then(|| 60_000.0 / (self.accepted.iter().sum::<f64>() / n as f64));
        let accepted = std::mem::take(&mut self.accepted);
        let alpha1 = self.alpha1(&accepted);
        self.accepted = accepted;
        (alpha1, hr)
    }

    /// The artifact rule of the module documentation.
    fn select(&mut self, rr: &[f64]) {
        self.accepted.clear();
        self.excluded.clear();
        self.accepted.reserve(rr.len());
        self.sorted.reserve(rr.len());
        let plausible = |v: f64| v.is_finite() && (RR_MIN_MS..=RR_MAX_MS).contains(&v);
        self.sorted.clear();
        self.sorted
            .extend(rr.iter().copied().filter(|&v| plausible(v)));
        let m = self.sorted.len();
        let median = if m == 0 {
            None
        } else {
            let (below, &mut upper, _) = self.sorted.select_nth_unstable_by(m / 2, f64::total_cmp);
            if m % 2 == 1 {
                Some(upper)
            } else {
                // The lower middle value is the largest of those below the upper one.
                let lower = below.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                Some((lower + upper) / 2.0)
            }
        };
        let change = match median {
            Some(med) if med > LOW_HR_MEDIAN_RR_MS => LOW_HR_MAX_CHANGE,
            _ => MAX_CHANGE,
        };
        let mut prev: Option<f64> = None;
        for (i, &v) in rr.iter().enumerate() {
            if !plausible(v) {
                self.excluded.push(i);
                continue;
            }
            match prev {
                Some(p) => {
                    if (v - p).abs() > change * p {
                        self.excluded.push(i);
                    } else {
                        self.accepted.push(v);
                        prev = Some(v);
                    }
                }
                None => {
                    // Anchor: the first plausible beat whose next plausible beat agrees.
                    let next = rr[i + 1..].iter().copied().find(|&x| plausible(x));
                    match next {
                        Some(x) if (x - v).abs() <= change * v => {
                            self.accepted.push(v);
                            prev = Some(v);
                        }
                        _ => self.excluded.push(i),
                    }
                }
            }
        }
    }

    /// alpha1 of `x` as given.
    fn alpha1(&mut self, x: &[f64]) -> Option<f64> {
        let n = x.len();
        if n < MIN_BEATS || x.iter().any(|v| !v.is_finite()) {
            return None;
        }
        self.detrend(x);
        let rms = (self.y.iter().map(|v| v * v).sum::<f64>() / n as f64).sqrt();
        if rms < NO_FLUCTUATION_MS {
            return None;
        }
        // Integrate the detrended series minus its mean.
        let mean = self.y.iter().sum::<f64>() / n as f64;
        let mut acc = 0.0;
        for v in &mut self.y {
            acc += *v - mean;
            *v = acc;
        }
        let mut sx = 0.0;
        let mut sy = 0.0;
        let mut sxx = 0.0;
        let mut sxy = 0.0;
        let sizes = (BOX_MAX - BOX_MIN + 1) as f64;
        for size in BOX_MIN..=BOX_MAX {
            let f = fluctuation(&self.y, size);
            if !(f > 0.0 && f.is_finite()) {
                return None;
            }
            let (lx, ly) = ((size as f64).ln(), f.ln());
            sx += lx;
            sy += ly;
            sxx += lx * lx;
            sxy += lx * ly;
        }
        let slope = (sizes * sxy - sx * sy) / (sizes * sxx - sx * sx);
        slope.is_finite().then_some(slope)
    }

    /// `self.y = x - (I + lambda^2 D2'D2)^-1 x`, by a banded L D L' solve (module docs).
    fn detrend(&mut self, x: &[f64]) {
        let n = x.len();
        let mean = x.iter().sum::<f64>() / n as f64;
        let l2 = LAMBDA * LAMBDA;
        // Rows k = 0..n-2 of D2 hold 1, -2, 1 at columns k, k+1, k+2.
        let rows = n.saturating_sub(2);
        // 1 when D2 has row k (columns k, k+1, k+2), else 0.
        let row = |i: usize, back: usize| -> f64 {
            if i >= back && i - back < rows {
                1.0
            } else {
                0.0
            }
        };
        let (d, e, f, w) = (&mut self.d, &mut self.e, &mut self.f, &mut self.w);
        for v in [&mut *d, &mut *e, &mut *f, &mut *w] {
            v.clear();
            v.reserve(n);
        }
        for i in 0..n {
            // Band of A = I + l2 D2'D2 at (i, i), (i, i+1), (i, i+2).
            let a0 = 1.0 + l2 * (row(i, 0) + 4.0 * row(i, 1) + row(i, 2));
            let a1 = -2.0 * l2 * (row(i, 0) + row(i, 1));
            let a2 = l2 * row(i, 0);
            let (e1, f1, d1) = if i >= 1 {
                (e[i - 1], f[i - 1], d[i - 1])
            } else {
                (0.0, 0.0, 0.0)
            };
            let (f2, d2) = if i >= 2 {
                (f[i - 2], d[i - 2])
            } else {
                (0.0, 0.0)
            };
            let di = a0 - e1 * e1 * d1 - f2 * f2 * d2;
            d.push(di);
            e.push((a1 - f1 * e1 * d1) / di);
            f.push(a2 / di);
        }
        // Forward: L v = (x - mean); then v / d.
        for i in 0..n {
            let mut v = x[i] - mean;
            if i >= 1 {
                v -= e[i - 1] * w[i - 1];
            }
            if i >= 2 {
                v -= f[i - 2] * w[i - 2];
            }
            w.push(v);
        }
        for i in 0..n {
            w[i] /= d[i];
        }
        // Backward: L' trend = w (in place).
        for i in (0..n).rev() {
            let mut v = w[i];
            if i + 1 < n {
                v -= e[i] * w[i + 1];
            }
            if i + 2 < n {
                v -= f[i] * w[i + 2];
            }
            w[i] = v;
        }
        self.y.clear();
        self.y.reserve(n);
        self.y
            .extend(x.iter().zip(w.iter()).map(|(xi, ti)| xi - mean - ti));
    }
}

/// F(n): root mean square of the residuals of the least-squares lines of the boxes of `n`
/// values from the start and from the end of `y`.
fn fluctuation(y: &[f64], n: usize) -> f64 {
    let len = y.len();
    let boxes = len / n;
    if boxes == 0 {
        return 0.0;
    }
    let nf = n as f64;
    let xm = (nf - 1.0) / 2.0;
    let sxx = nf * (nf * nf - 1.0) / 12.0;
    // Residual sum of squares of a box's least-squares line, in one pass: the sum of squares
    // about the mean minus the part the slope explains (sxy^2 / sxx). The values are taken
    // relative to the box's first one, so the sums stay at the scale of the box's own
    // fluctuation and the subtraction loses nothing that matters.
    let box_ss = |b: &[f64]| {
        let y0 = b[0];
        let (mut sy, mut sjy, mut syy, mut j) = (0.0, 0.0, 0.0, 0.0);
        for &v in b {
            let v = v - y0;
            sy += v;
            sjy += j * v;
            syy += v * v;
            j += 1.0;
        }
        let sxy = sjy - xm * sy;
        (syy - sy * sy / nf - sxy * sxy / sxx).max(0.0)
    };
    let mut sum_sq = 0.0;
    for i in 0..boxes {
        let start = box_ss(&y[i * n..(i + 1) * n]);
        // When n divides the length, the boxes from the end are those from the start.
        let end = if len % n == 0 {
            start
        } else {
            box_ss(&y[len - (i + 1) * n..len - i * n])
        };
        sum_sq += start + end;
    }
    (sum_sq / (2 * boxes * n) as f64).sqrt()
}

#[cfg(test)]
mod tests;
