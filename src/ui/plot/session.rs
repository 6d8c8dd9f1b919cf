//! One session's heart rate over time, drawn on the five zone bands.
//!
//! Owns the layout: title, bands, axes, zone labels in the right margin, notes for sessions with
//! nothing to draw. The line itself, broken at gaps and at readings without a signal and thinned
//! per pixel column, comes from [`super::trace`]; a grey mark along the bottom of the chart
//! shows each stretch it skips. A day at 1 Hz stays well under 100 kB. With DFA alpha1 windows
//! ([`session_svg_with_alpha1`]) a panel of alpha1 on the same time axis goes under the chart
//! ([`super::alpha1`]).

use std::time::Duration;

use crate::physiology::dfa::DfaWindow;
use crate::physiology::summary::{has_signal, PlausibleHr};
use crate::physiology::zones::{TalkZone, ZoneTable};
use crate::reading::Reading;

use super::alpha1::{self, PANEL_HEIGHT};
use super::axis::{self, Scale};
use super::svg::{hex, num, tint, Svg, INK};
use super::trace::{trace, Trace};
use super::zone_colour;

const WIDTH: f64 = 960.0;
const HEIGHT: f64 = 480.0;
/// The plot area: left, right, top, bottom edges in pixels. The right margin holds the zone
/// labels.
const X0: f64 = 64.0;
const X1: f64 = 744.0;
const Y0: f64 = 64.0;
const Y1: f64 = 424.0;
/// Space between the frame and the first and last moment of the session.
const INSET: f64 = 6.0;
/// Vertical room for one zone label (name and range, then the talk-test cue).
const LABEL_HEIGHT: f64 = 32.0;
/// Sessions up to this long get a minutes axis; longer ones hours (h:mm).
const MINUTES_AXIS_MAX_S: f64 = 3.0 * 3600.0;

const MUTED: &str = "#52606d";
const LINE: &str = "#1b2430";
const BLANK: &str = "#7b8794";

/// Draws `readings` (any order; drawn in time order) on the bands of `zones`, titled `title`.
///
/// x is time from the first reading (minutes, or h:mm past three hours), y is bpm. Always
/// returns a complete SVG document: with no readings, or no reading with a signal, the bands
/// and a note saying so.
pub fn session_svg(
    readings: &[Reading],
    zones: &ZoneTable,
    title: &str,
    max_gap: Duration,
    plausible: PlausibleHr,
) -> String {
    session_svg_with_alpha1(readings, zones, title, max_gap, plausible, &[])
}

/// [`session_svg`] with the session's DFA alpha1 `windows` in a panel under the heart rate
/// (none: no panel, the same picture as [`session_svg`]).
pub fn session_svg_with_alpha1(
    readings: &[Reading],
    zones: &ZoneTable,
    title: &str,
    max_gap: Duration,
    plausible: PlausibleHr,
    windows: &[DfaWindow],
) -> String {
    let mut ordered: Vec<&Reading> = readings.iter().collect();
    if !readings.windows(2).all(|w| w[0].t <= w[1].t) {
        // Stable: readings with the same time keep their order, as in the summary.
        ordered.sort_by_key(|r| r.t);
    }
    let start = ordered.first().map(|r| r.t);
    let offsets: Vec<f64> = ordered
        .iter()
        .map(|r| start.map_or(0.0, |t0| (r.t - t0).num_milliseconds() as f64 / 1000.0))
        .collect();
    let duration_s = offsets.last().copied().unwrap_or(0.0);
    let time = TimeAxis::for_duration(duration_s);
    let signal_range = ordered
        .iter()
        .filter(|r| has_signal(r, plausible))
        .map(|r| f64::from(r.hr))
        .fold(None, |range: Option<(f64, f64)>, hr| {
            Some(range.map_or((hr, hr), |(lo, hi)| (lo.min(hr), hi.max(hr))))
        });
    let (bpm_lo, bpm_hi) = bpm_range(zones, signal_range);
    // A few pixels inside the frame, so a reading at either end stays visible.
    let x = Scale::new((0.0, time.span), (X0 + INSET, X1 - INSET));
    let y = Scale::new((bpm_lo, bpm_hi), (Y1, Y0));

    let height = if windows.is_empty() {
        HEIGHT
    } else {
        HEIGHT + PANEL_HEIGHT
    };
    let mut svg = Svg::new(WIDTH, height, title);
    svg.text(
        "title",
        (16.0, 26.0),
        title,
        &[
            ("font-size", "17".into()),
            ("font-weight", "bold".into()),
            ("fill", INK.into()),
        ],
    );
    svg.text(
        "subtitle",
        (16.0, 46.0),
        &subtitle(ordered.len(), duration_s, signal_range, zones),
        &[("fill", MUTED.into())],
    );
    draw_bands(&mut svg, zones, &y);
    draw_axes(&mut svg, &time, &x, &y);

    let line = trace(
        &ordered,
        &offsets,
        max_gap,
        plausible,
        |offset_s| x.at(offset_s / time.unit_s),
        |hr| y.at(f64::from(hr)),
    );
    draw_trace(&mut svg, &line);
    draw_zone_labels(&mut svg, zones, &y);
    draw_blank_legend(&mut svg, max_gap);

    let note = if ordered.is_empty() {
        Some("no readings")
    } else if signal_range.is_none() {
        Some("no heart-rate signal: HR 0 or no skin contact throughout")
    } else {
        None
    };
    if let Some(note) = note {
        draw_note(&mut svg, note);
    }
    if !windows.is_empty() {
        let x_of = |w: &DfaWindow| {
            let offset_s = start.map_or(0.0, |t0| (w.end - t0).num_milliseconds() as f64 / 1000.0);
            x.at(offset_s / time.unit_s)
        };
        let ticks: Vec<f64> = axis::ticks(0.0, time.span, time.step)
            .into_iter()
            .map(|t| x.at(t))
            .collect();
        let area = alpha1::Area {
            x0: X0,
            x1: X1,
            y0: HEIGHT + 4.0,
            y1: HEIGHT + PANEL_HEIGHT - 24.0,
        };
        alpha1::draw_panel(&mut svg, windows, &area, x_of, &ticks);
    }
    svg.finish()
}

/// The time axis: its unit, its length in that unit and the tick step.
struct TimeAxis {
    /// Seconds per axis unit: 60 (minutes) or 3600 (hours).
    unit_s: f64,
    /// The axis length in units (at least one minute).
    span: f64,
    step: f64,
}

impl TimeAxis {
    fn for_duration(duration_s: f64) -> Self {
        let duration_s = if duration_s.is_finite() {
            duration_s.max(60.0)
        } else {
            60.0
        };
        let (unit_s, steps) = if duration_s <= MINUTES_AXIS_MAX_S {
            (60.0, axis::MINUTE_STEPS)
        } else {
            (3600.0, axis::HOUR_STEPS)
        };
        let span = duration_s / unit_s;
        TimeAxis {
            unit_s,
            span,
            step: axis::step(span, 12, steps),
        }
    }

    fn hours(&self) -> bool {
        self.unit_s > 60.0
    }

    fn tick_label(&self, v: f64) -> String {
        if self.hours() {
            axis::hours_label(v)
        } else {
            axis::label(v, self.step)
        }
    }

    fn title(&self) -> &'static str {
        if self.hours() {
            "time from start (h:mm)"
        } else {
            "minutes from start"
        }
    }
}

/// The bpm range shown: every zone from light up, with the measured heart rates, padded to
/// round tens. Falls back to 40-200 where the zone table gives nothing usable.
fn bpm_range(zones: &ZoneTable, signal: Option<(f64, f64)>) -> (f64, f64) {
    let usable = |v: f64| (v.is_finite() && v > 0.0).then_some(v);
    let light = usable(zones.min_bpm(TalkZone::Light));
    let top = [
        usable(zones.min_bpm(TalkZone::NearMax)),
        usable(zones.max_hr),
    ]
    .into_iter()
    .flatten()
    .fold(None, |acc: Option<f64>, v| {
        Some(acc.map_or(v, |a| a.max(v)))
    });
    let lo = [signal.map(|s| s.0), light]
        .into_iter()
        .flatten()
        .fold(None, |acc: Option<f64>, v| {
            Some(acc.map_or(v, |a| a.min(v)))
        })
        .unwrap_or(50.0);
    let hi = [signal.map(|s| s.1), top]
        .into_iter()
        .flatten()
        .fold(None, |acc: Option<f64>, v| {
            Some(acc.map_or(v, |a| a.max(v)))
        })
        .unwrap_or(190.0);
    let lo = ((lo - 10.0) / 10.0).floor().max(0.0) * 10.0;
    let hi = ((hi + 5.0) / 10.0).ceil() * 10.0;
    if hi > lo + 10.0 {
        (lo, hi)
    } else {
        (lo, lo + 10.0)
    }
}

fn subtitle(
    count: usize,
    duration_s: f64,
    signal: Option<(f64, f64)>,
    zones: &ZoneTable,
) -> String {
    let readings = format!("{count} reading{}", if count == 1 { "" } else { "s" });
    let mut parts = vec![if count == 0 {
        readings
    } else {
        format!("{}, {readings}", duration_text(duration_s))
    }];
    match signal {
        Some((lo, hi)) if lo < hi => parts.push(format!("HR {lo:.0}-{hi:.0} bpm")),
        Some((hr, _)) => parts.push(format!("HR {hr:.0} bpm")),
        None => {}
    }
    parts.push(format!("zones: {}", zones.model.describe()));
    parts.join(" · ")
}

/// "45 s", "12 min", "2 h 05 min".
fn duration_text(seconds: f64) -> String {
    let s = if seconds.is_finite() {
        seconds.max(0.0).round() as u64
    } else {
        0
    };
    match s {
        0..=59 => format!("{s} s"),
        60..=3599 => format!("{} min", (s + 30) / 60),
        _ => {
            let minutes = (s + 30) / 60;
            format!("{} h {:02} min", minutes / 60, minutes % 60)
        }
    }
}

/// The visible part of a zone's band, in bpm: `None` when it lies outside the chart.
fn band(zones: &ZoneTable, zone: TalkZone, (lo, hi): (f64, f64)) -> Option<(f64, f64)> {
    let from = zones.min_bpm(zone).max(lo);
    let to = zones.max_bpm(zone).unwrap_or(hi).min(hi);
    (to > from).then_some((from, to))
}

fn draw_bands(svg: &mut Svg, zones: &ZoneTable, y: &Scale) {
    svg.group("bands", &[]);
    for zone in TalkZone::ALL {
        if let Some((from, to)) = band(zones, zone, y.domain()) {
            let top = y.at(to);
            svg.rect(
                &format!("band zone-{}", zone.id()),
                (X0, top),
                (X1 - X0, y.at(from) - top),
                &[("fill", hex(tint(zone_colour(zone), 0.5)))],
            );
        }
    }
    svg.end_group();
}

fn draw_axes(svg: &mut Svg, time: &TimeAxis, x: &Scale, y: &Scale) {
    let grid = [
        ("stroke", "#ffffff".to_owned()),
        ("stroke-opacity", "0.8".to_owned()),
    ];
    let (bpm_lo, bpm_hi) = y.domain();
    let bpm_step = axis::step(bpm_hi - bpm_lo, 8, axis::BPM_STEPS);
    svg.group("axes", &[("fill", MUTED.into())]);
    for bpm in axis::ticks(bpm_lo, bpm_hi, bpm_step) {
        let py = y.at(bpm);
        svg.line("grid", (X0, py), (X1, py), &grid);
        svg.text(
            "tick",
            (X0 - 8.0, py + 4.0),
            &axis::label(bpm, bpm_step),
            &[("text-anchor", "end".into())],
        );
    }
    for t in axis::ticks(0.0, time.span, time.step) {
        let px = x.at(t);
        svg.line("grid", (px, Y0), (px, Y1), &grid);
        svg.line(
            "tick-mark",
            (px, Y1),
            (px, Y1 + 4.0),
            &[("stroke", MUTED.into())],
        );
        svg.text(
            "tick",
            (px, Y1 + 18.0),
            &time.tick_label(t),
            &[("text-anchor", "middle".into())],
        );
    }
    svg.rect(
        "frame",
        (X0, Y0),
        (X1 - X0, Y1 - Y0),
        &[("fill", "none".into()), ("stroke", "#9aa5b1".into())],
    );
    svg.text(
        "axis-title",
        ((X0 + X1) / 2.0, Y1 + 40.0),
        time.title(),
        &[("text-anchor", "middle".into()), ("fill", INK.into())],
    );
    svg.y_axis_title((20.0, (Y0 + Y1) / 2.0), "heart rate (bpm)");
    svg.end_group();
}

fn draw_trace(svg: &mut Svg, trace: &Trace) {
    svg.group("no-signal", &[("fill", BLANK.into())]);
    for &(from, to) in &trace.blanks {
        svg.rect("blank", (from, Y1 - 5.0), ((to - from).max(1.0), 5.0), &[]);
    }
    svg.end_group();

    svg.group(
        "hr-line",
        &[
            ("fill", "none".into()),
            ("stroke", LINE.into()),
            ("stroke-width", "1.25".into()),
            ("stroke-linejoin", "round".into()),
            ("stroke-linecap", "round".into()),
        ],
    );
    for run in &trace.runs {
        svg.polyline("hr", run);
    }
    if !trace.dots.is_empty() {
        // One path of tiny round-capped strokes: a dot each, whatever their number.
        let mut d = String::new();
        let mut drawn = std::collections::HashSet::new();
        for &(x, y) in &trace.dots {
            let spot = (num(x), num(y));
            if drawn.insert(spot.clone()) {
                d.push_str(&format!("M{} {}h0.1", spot.0, spot.1));
            }
        }
        svg.path("hr-dots", &d, &[("stroke-width", "4".into())]);
    }
    svg.end_group();
}

/// What the grey marks along the bottom mean, under the zone labels.
fn draw_blank_legend(svg: &mut Svg, max_gap: Duration) {
    let x = X1 + 12.0;
    svg.group("blank-legend", &[("fill", MUTED.into())]);
    svg.rect(
        "blank-swatch",
        (x, Y1 - 5.0),
        (12.0, 5.0),
        &[("fill", BLANK.into())],
    );
    svg.text(
        "legend-text",
        (x + 18.0, Y1),
        "line broken: no signal,",
        &[],
    );
    svg.text(
        "legend-text",
        (x + 18.0, Y1 + 14.0),
        &format!("or no reading for over {} s", num(max_gap.as_secs_f64())),
        &[],
    );
    svg.end_group();
}

/// "Moderate 116-138 bpm": whole beats, as [`ZoneTable::zone_of`] assigns them (115.2 starts
/// moderate, so 115 is light and 116 moderate).
fn zone_heading(zones: &ZoneTable, zone: TalkZone) -> String {
    let first_beat = |bpm: f64| (bpm.is_finite() && bpm > 0.0).then(|| bpm.ceil());
    let from = first_beat(zones.min_bpm(zone));
    let next = zones.max_bpm(zone).and_then(first_beat);
    let range = match (zone, from, next) {
        (TalkZone::VeryLight, _, Some(next)) => format!("under {next:.0} bpm"),
        (_, Some(from), Some(next)) if next - 1.0 > from => {
            format!("{from:.0}-{:.0} bpm", next - 1.0)
        }
        (_, Some(from), Some(_)) => format!("{from:.0} bpm"),
        (_, Some(from), None) => format!("{from:.0}+ bpm"),
        _ => String::new(),
    };
    format!("{} {range}", zone.label()).trim_end().to_owned()
}

/// The zone names, ranges and talk-test cues in the right margin, each level with its band
/// where there is room, pushed apart where bands are narrow.
fn draw_zone_labels(svg: &mut Svg, zones: &ZoneTable, y: &Scale) {
    let domain = y.domain();
    // Top to bottom: near max first.
    let wanted: Vec<(TalkZone, f64)> = TalkZone::ALL
        .into_iter()
        .rev()
        .map(|zone| {
            let middle = match band(zones, zone, domain) {
                Some((from, to)) => y.at((from + to) / 2.0),
                None if zones.min_bpm(zone) >= domain.1 => Y0,
                None => Y1,
            };
            (zone, middle)
        })
        .collect();
    let centres = spread(
        &wanted.iter().map(|w| w.1).collect::<Vec<_>>(),
        LABEL_HEIGHT,
        (Y0 + LABEL_HEIGHT / 2.0, Y1 - LABEL_HEIGHT),
    );
    svg.group("zone-labels", &[]);
    for (&(zone, _), centre) in wanted.iter().zip(centres) {
        let x = X1 + 12.0;
        svg.rect(
            &format!("swatch zone-{}", zone.id()),
            (x, centre - 13.0),
            (12.0, 12.0),
            &[
                ("fill", hex(zone_colour(zone))),
                ("stroke", "#52606d".into()),
                ("stroke-width", "0.5".into()),
            ],
        );
        svg.text(
            "zone-label",
            (x + 18.0, centre - 2.0),
            &zone_heading(zones, zone),
            &[("font-weight", "bold".into()), ("fill", INK.into())],
        );
        svg.text(
            "zone-cue",
            (x + 18.0, centre + 12.0),
            zone.cue(),
            &[("font-style", "italic".into()), ("fill", MUTED.into())],
        );
    }
    svg.end_group();
}

/// Moves `wanted` centres (top to bottom) apart so neighbours are at least `gap` apart, staying
/// within `bounds` when they fit; the order is kept.
fn spread(wanted: &[f64], gap: f64, (top, bottom): (f64, f64)) -> Vec<f64> {
    let mut at: Vec<f64> = wanted
        .iter()
        .map(|v| {
            if v.is_finite() {
                v.clamp(top, bottom.max(top))
            } else {
                top
            }
        })
        .collect();
    for i in 1..at.len() {
        at[i] = at[i].max(at[i - 1] + gap);
    }
    // Pushed past the bottom: pull back up from the bottom, as far as the top allows.
    if let Some(last) = at.last_mut() {
        *last = last.min(bottom);
    }
    for i in (0..at.len().saturating_sub(1)).rev() {
        at[i] = at[i].min(at[i + 1] - gap);
    }
    if let Some(first) = at.first_mut() {
        *first = first.max(top);
    }
    for i in 1..at.len() {
        at[i] = at[i].max(at[i - 1] + gap);
    }
    at
}

fn draw_note(svg: &mut Svg, note: &str) {
    svg.note(note, ((X0 + X1) / 2.0, (Y0 + Y1) / 2.0), X1 - X0 - 20.0);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spreading_keeps_order_and_distance() {
        let at = spread(&[100.0, 105.0, 110.0, 300.0, 400.0], 30.0, (80.0, 410.0));
        assert_eq!(at, vec![100.0, 130.0, 160.0, 300.0, 400.0]);
        // Crowded at the bottom: pulled back up.
        let at = spread(&[405.0, 406.0, 407.0], 30.0, (80.0, 410.0));
        assert_eq!(at, vec![350.0, 380.0, 410.0]);
        // Non-finite wishes and more labels than room never panic.
        let at = spread(&[f64::NAN; 20], 30.0, (80.0, 410.0));
        assert_eq!(at.len(), 20);
        assert!(spread(&[], 30.0, (0.0, 1.0)).is_empty());
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration_text(0.0), "0 s");
        assert_eq!(duration_text(45.4), "45 s");
        assert_eq!(duration_text(12.0 * 60.0 + 10.0), "12 min");
        assert_eq!(duration_text(2.0 * 3600.0 + 5.0 * 60.0), "2 h 05 min");
        assert_eq!(duration_text(f64::NAN), "0 s");
    }

    #[test]
    fn time_axis_switches_to_hours_after_three() {
        let short = TimeAxis::for_duration(45.0 * 60.0);
        assert!(!short.hours());
        assert_eq!(short.step, 5.0);
        let tiny = TimeAxis::for_duration(0.0);
        assert_eq!(tiny.span, 1.0);
        let day = TimeAxis::for_duration(86_400.0);
        assert!(day.hours());
        assert_eq!(day.tick_label(1.5), "1:30");
        assert_eq!(day.title(), "time from start (h:mm)");
    }
}
