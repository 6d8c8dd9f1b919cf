//! Axes: mapping data values to pixels and choosing round tick values ("0, 10, 20", not
//! "0, 13.7, 27.4").

/// A linear map from a data range onto a pixel range (which may run backwards, as a y axis
/// does: larger values higher up, so smaller pixel numbers).
#[derive(Debug, Clone, Copy)]
pub(super) struct Scale {
    lo: f64,
    hi: f64,
    from: f64,
    to: f64,
}

impl Scale {
    /// Maps `lo..hi` onto pixels `from..to`.
    pub(super) fn new((lo, hi): (f64, f64), (from, to): (f64, f64)) -> Self {
        Scale { lo, hi, from, to }
    }

    /// The pixel for `v`; a degenerate range (lo == hi) maps everything to the middle.
    pub(super) fn at(&self, v: f64) -> f64 {
        let span = self.hi - self.lo;
        if span.abs() < f64::EPSILON || !span.is_finite() {
            return (self.from + self.to) / 2.0;
        }
        self.from + (v - self.lo) / span * (self.to - self.from)
    }

    /// The data range, low end first.
    pub(super) fn domain(&self) -> (f64, f64) {
        (self.lo, self.hi)
    }
}

/// Tick steps for minutes: whole quarter hours and hours once the span is long.
pub(super) const MINUTE_STEPS: &[f64] = &[0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 20.0, 30.0, 60.0];
/// Tick steps for hours.
pub(super) const HOUR_STEPS: &[f64] = &[0.25, 0.5, 1.0, 2.0, 3.0, 4.0, 6.0, 12.0, 24.0];
/// Tick steps for heart rates in bpm.
pub(super) const BPM_STEPS: &[f64] = &[5.0, 10.0, 20.0, 25.0, 50.0];

/// The smallest step in `steps` that gives at most `max_ticks` intervals over `span`; past the
/// end of the list, 1-2-5 x 10^k. Always finite and > 0.
pub(super) fn step(span: f64, max_ticks: usize, steps: &[f64]) -> f64 {
    let max_ticks = max_ticks.max(1) as f64;
    if !span.is_finite() || span <= 0.0 {
        return steps.first().copied().unwrap_or(1.0);
    }
    if let Some(s) = steps.iter().copied().find(|s| span / s <= max_ticks) {
        return s;
    }
    let mut magnitude = 10f64.powf((span / max_ticks).log10().floor());
    // `span` is finite, so this ends within a few hundred rounds.
    loop {
        for m in [1.0, 2.0, 5.0] {
            if span / (m * magnitude) <= max_ticks {
                return m * magnitude;
            }
        }
        magnitude *= 10.0;
        if !magnitude.is_finite() {
            return span;
        }
    }
}

/// Multiples of `step` from `lo` to `hi` (both included, within rounding); at most 200.
pub(super) fn ticks(lo: f64, hi: f64, step: f64) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite() && step.is_finite() && step > 0.0) {
        return Vec::new();
    }
    let first = (lo / step - 1e-9).ceil();
    (0..200)
        .map(|i| (first + f64::from(i)) * step)
        .take_while(|t| *t <= hi + step * 1e-9)
        .collect()
}

/// A tick label with as few decimals as `step` needs: "10", "2.5", "0.25".
pub(super) fn label(v: f64, step: f64) -> String {
    let decimals = if (step - step.round()).abs() < 1e-9 {
        0
    } else if (step * 10.0 - (step * 10.0).round()).abs() < 1e-9 {
        1
    } else {
        2
    };
    let s = format!("{v:.decimals$}");
    // "-0" for a value that rounds to zero from below reads as an error.
    match s.strip_prefix('-') {
        Some(rest) if rest.chars().all(|c| c == '0' || c == '.') => rest.to_owned(),
        _ => s,
    }
}

/// Hours as a clock-style duration: 1.5 -> "1:30", 0.25 -> "0:15".
pub(super) fn hours_label(hours: f64) -> String {
    let minutes = (hours * 60.0).round().max(0.0) as u64;
    format!("{}:{:02}", minutes / 60, minutes % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_map_both_ways_and_survive_degenerate_ranges() {
        let x = Scale::new((0.0, 10.0), (100.0, 200.0));
        assert_eq!(x.at(5.0), 150.0);
        let y = Scale::new((50.0, 150.0), (400.0, 0.0));
        assert_eq!(y.at(150.0), 0.0);
        assert_eq!(y.at(100.0), 200.0);
        let flat = Scale::new((3.0, 3.0), (0.0, 10.0));
        assert_eq!(flat.at(3.0), 5.0);
    }

    #[test]
    fn steps_are_round() {
        assert_eq!(step(45.0, 10, MINUTE_STEPS), 5.0);
        assert_eq!(step(90.0, 10, MINUTE_STEPS), 10.0);
        assert_eq!(step(180.0, 10, MINUTE_STEPS), 20.0);
        assert_eq!(step(1.0, 10, MINUTE_STEPS), 0.25);
        assert_eq!(step(24.0, 10, HOUR_STEPS), 3.0);
        assert_eq!(step(140.0, 8, BPM_STEPS), 20.0);
        assert_eq!(step(5000.0, 8, BPM_STEPS), 1000.0);
        assert_eq!(step(f64::NAN, 8, BPM_STEPS), 5.0);
        assert_eq!(step(0.0, 8, &[]), 1.0);
        assert!(step(f64::MAX, 8, BPM_STEPS).is_finite());
    }

    #[test]
    fn ticks_and_labels() {
        assert_eq!(ticks(0.0, 45.0, 5.0).len(), 10);
        assert_eq!(ticks(62.0, 101.0, 20.0), vec![80.0, 100.0]);
        assert!(ticks(0.0, 1.0, 0.0).is_empty());
        assert!(ticks(0.0, f64::INFINITY, 1.0).is_empty());
        assert_eq!(ticks(0.0, 1e12, 1.0).len(), 200);
        assert_eq!(label(10.0, 5.0), "10");
        assert_eq!(label(2.5, 0.5), "2.5");
        assert_eq!(label(0.25, 0.25), "0.25");
        assert_eq!(label(-0.0, 1.0), "0");
        assert_eq!(hours_label(1.5), "1:30");
        assert_eq!(hours_label(0.25), "0:15");
        assert_eq!(hours_label(24.0), "24:00");
    }
}
