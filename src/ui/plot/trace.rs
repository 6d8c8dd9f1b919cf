//! The heart-rate line of a session, in pixels: where it breaks and which points it keeps.
//!
//! Breaks follow the summary's accounting ([`crate::physiology::summary`]): an interval longer
//! than `max_gap` is a gap, and a reading without a signal (HR 0 or implausible, or no skin contact,
//! [`has_signal`]) stands for no zone time, so the line never crosses either. Long runs are
//! thinned per pixel column (first, lowest, highest and last point of each column, in time
//! order: M4 decimation), which draws the same picture from at most four points a column.

use std::time::Duration;

use crate::physiology::summary::{has_signal, PlausibleHr};
use crate::reading::Reading;

use super::svg::num;

/// The heart-rate line in pixels: unbroken runs, lone points, and the stretches without one.
#[derive(Debug, Default)]
pub(super) struct Trace {
    /// Runs of two or more points, each drawn as its own polyline.
    pub(super) runs: Vec<Vec<(f64, f64)>>,
    /// Runs of a single point, drawn as dots.
    pub(super) dots: Vec<(f64, f64)>,
    /// Stretches with no signal or a gap, as pixel x ranges, merged where they touch.
    pub(super) blanks: Vec<(f64, f64)>,
}

/// The line through `ordered` (in time order, `offsets` seconds from the first), placed by
/// `x_of(offset)` and `y_of(hr)`: broken after a reading without a signal and across any
/// interval over `max_gap`, exactly where the summary stops counting zone time.
pub(super) fn trace(
    ordered: &[&Reading],
    offsets: &[f64],
    max_gap: Duration,
    plausible: PlausibleHr,
    x_of: impl Fn(f64) -> f64,
    y_of: impl Fn(u16) -> f64,
) -> Trace {
    let max_gap_s = max_gap.as_secs_f64();
    let mut out = Trace::default();
    let mut run = Thinning::default();
    let mut previous: Option<(&Reading, f64)> = None;
    for (reading, &offset) in ordered.iter().zip(offsets) {
        let joined = match previous {
            Some((prev, prev_offset)) => {
                let gap = offset - prev_offset > max_gap_s;
                if gap || !has_signal(prev, plausible) {
                    add_blank(&mut out.blanks, (x_of(prev_offset), x_of(offset)));
                }
                !gap && has_signal(prev, plausible)
            }
            None => false,
        };
        if !joined {
            run.finish_into(&mut out);
        }
        if has_signal(reading, plausible) {
            run.push((x_of(offset), y_of(reading.hr)));
        }
        previous = Some((reading, offset));
    }
    run.finish_into(&mut out);
    out
}

/// Adds a blank stretch, merging it with the last one when they touch (within a pixel).
fn add_blank(blanks: &mut Vec<(f64, f64)>, (from, to): (f64, f64)) {
    match blanks.last_mut() {
        Some(last) if from <= last.1 + 1.0 => last.1 = last.1.max(to),
        _ => blanks.push((from, to)),
    }
}

/// One run of the line being thinned per pixel column: keeps the first, lowest, highest and
/// last point of each column (M4 decimation), which draws the same pixels as every point.
#[derive(Debug, Default)]
struct Thinning {
    points: Vec<(f64, f64)>,
    column: Option<Column>,
}

/// The points kept so far in one pixel column: (arrival order, x, y).
#[derive(Debug, Clone, Copy)]
struct Column {
    index: i64,
    seen: usize,
    first: (usize, f64, f64),
    low: (usize, f64, f64),
    high: (usize, f64, f64),
    last: (usize, f64, f64),
}

impl Thinning {
    fn push(&mut self, (x, y): (f64, f64)) {
        let index = x.floor() as i64;
        let column = match self.column {
            Some(c) if c.index == index => c,
            _ => {
                self.flush();
                let p = (0, x, y);
                Column {
                    index,
                    seen: 0,
                    first: p,
                    low: p,
                    high: p,
                    last: p,
                }
            }
        };
        let p = (column.seen, x, y);
        // Pixel y grows downwards: the highest heart rate has the smallest y.
        let low = if y > column.low.2 { p } else { column.low };
        let high = if y < column.high.2 { p } else { column.high };
        self.column = Some(Column {
            seen: column.seen + 1,
            low,
            high,
            last: p,
            ..column
        });
    }

    fn flush(&mut self) {
        if let Some(c) = self.column.take() {
            let mut kept = [c.first, c.low, c.high, c.last];
            kept.sort_by_key(|p| p.0);
            for (i, &(order, x, y)) in kept.iter().enumerate() {
                let repeat = i > 0 && kept[i - 1].0 == order;
                let same_spot = self
                    .points
                    .last()
                    .is_some_and(|&(lx, ly)| num(lx) == num(x) && num(ly) == num(y));
                if !repeat && !same_spot {
                    self.points.push((x, y));
                }
            }
        }
    }

    /// Ends the run: two or more points become a run, one a dot.
    fn finish_into(&mut self, trace: &mut Trace) {
        self.flush();
        let points = std::mem::take(&mut self.points);
        match points.len() {
            0 => {}
            1 => trace.dots.extend(points),
            _ => trace.runs.push(points),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reading::{Contact, Source};

    fn reading(second: i64, hr: u16, contact: Contact) -> Reading {
        Reading {
            t: chrono::DateTime::UNIX_EPOCH + chrono::TimeDelta::seconds(second),
            hr,
            contact,
            energy_kj: None,
            rr: Vec::new(),
            source: Source::Replay,
        }
    }

    fn trace_of(readings: &[Reading], max_gap_s: u64) -> Trace {
        let ordered: Vec<&Reading> = readings.iter().collect();
        let offsets: Vec<f64> = readings
            .iter()
            .map(|r| (r.t - readings[0].t).num_seconds() as f64)
            .collect();
        trace(
            &ordered,
            &offsets,
            Duration::from_secs(max_gap_s),
            PlausibleHr::DEFAULT,
            |s| s,
            f64::from,
        )
    }

    #[test]
    fn breaks_at_gaps_and_at_readings_without_signal() {
        let d = Contact::Detected;
        let readings = [
            reading(0, 100, d),
            reading(1, 101, d),
            reading(20, 102, d), // 19 s gap
            reading(21, 103, d),
            reading(22, 0, d), // HR 0
            reading(23, 104, Contact::NotDetected),
            reading(24, 105, Contact::NotSupported), // counts as a signal
            reading(25, 106, d),
            reading(40, 107, d), // lone point after a gap
        ];
        let trace = trace_of(&readings, 10);
        assert_eq!(
            trace.runs,
            vec![
                vec![(0.0, 100.0), (1.0, 101.0)],
                vec![(20.0, 102.0), (21.0, 103.0)],
                vec![(24.0, 105.0), (25.0, 106.0)],
            ]
        );
        assert_eq!(trace.dots, vec![(40.0, 107.0)]);
        // 1-20 (gap), 22-24 (no signal) and 25-40 (gap); the last two are a pixel apart, so
        // they merge.
        assert_eq!(trace.blanks, vec![(1.0, 20.0), (22.0, 40.0)]);
        let trace = trace_of(&readings, 100);
        assert_eq!(trace.blanks, vec![(22.0, 24.0)]);
        assert!(trace_of(&[], 10).runs.is_empty());
    }

    #[test]
    fn thinning_keeps_at_most_four_points_a_column() {
        let mut trace = Trace::default();
        let mut run = Thinning::default();
        for i in 0..1000 {
            // All in one pixel column, HR swinging.
            run.push((64.5, 100.0 + f64::from(i % 7)));
        }
        run.finish_into(&mut trace);
        assert_eq!(trace.runs.len(), 1);
        assert!(trace.runs[0].len() <= 4, "{:?}", trace.runs[0]);
        let ys: Vec<f64> = trace.runs[0].iter().map(|p| p.1).collect();
        assert!(ys.contains(&100.0) && ys.contains(&106.0));
    }
}
