//! Resting heart rate and HRV over the days: two stacked panels on one date axis, each with the
//! morning checks as dots, the 7-day average as a line and the person's normal range as a band.
//!
//! The numbers come from [`crate::physiology::baseline`]; this file only places them. Every
//! value is optional: a day without a check has no dot, a day without a 7-day average has no
//! line point, and the line is broken across any stretch of more than [`MAX_BRIDGED_DAYS`]
//! days without one, so it never suggests data that is not there. Values that are not finite
//! are skipped like missing ones.

use chrono::{Datelike, Days, Months, NaiveDate};

use crate::physiology::baseline::{Trend, TrendRow, TrendToday, WINDOW_DAYS};
use crate::physiology::zones::TalkZone;

use super::axis::{self, Scale};
use super::svg::{hex, num, tint, Svg, INK};
use super::zone_colour;

const WIDTH: f64 = 960.0;
const HEIGHT: f64 = 620.0;
/// The plot area's left and right edges; the right margin holds the legends.
const X0: f64 = 64.0;
const X1: f64 = 792.0;
/// Each panel's top and bottom edge, resting HR first.
const PANELS: [(f64, f64); 2] = [(102.0, 314.0), (358.0, 570.0)];
/// Days without a 7-day average the line may cross (a gap of 1-3 days, as when a week drops
/// just under three checks); a longer stretch breaks it.
const MAX_BRIDGED_DAYS: i64 = 3;

const MUTED: &str = "#52606d";
const GRID: &str = "#e4e7eb";
const FRAME: &str = "#9aa5b1";

/// Tick steps for resting HR in bpm.
const RHR_STEPS: &[f64] = &[1.0, 2.0, 5.0, 10.0, 20.0, 25.0, 50.0];
/// Tick steps for lnRMSSD.
const LN_STEPS: &[f64] = &[0.05, 0.1, 0.2, 0.25, 0.5, 1.0, 2.0];

/// What one panel draws and how.
struct Series {
    /// The class on every element of this panel: "rhr" or "hrv".
    class: &'static str,
    title: &'static str,
    /// A note right-aligned above the panel: where the values come from.
    source: &'static str,
    /// Said in the panel when it has nothing to draw.
    missing: &'static str,
    colour: (u8, u8, u8),
    day: fn(&TrendRow) -> Option<f64>,
    average: fn(&TrendRow) -> Option<f64>,
    low: fn(&TrendRow) -> Option<f64>,
    high: fn(&TrendRow) -> Option<f64>,
    steps: &'static [f64],
    /// The smallest y span shown, so a steady week is not blown up into noise.
    min_span: f64,
    /// The y range when there is nothing to draw.
    fallback: (f64, f64),
}

fn series() -> [Series; 2] {
    [
        Series {
            class: "rhr",
            title: "Resting heart rate (bpm)",
            source: "lowest 30-beat mean of each morning check",
            missing: "no resting heart rate in these days",
            colour: zone_colour(TalkZone::NearMax),
            day: |r| r.resting_hr,
            average: |r| r.rhr_7d,
            low: |r| r.rhr_low,
            high: |r| r.rhr_high,
            steps: RHR_STEPS,
            min_span: 8.0,
            fallback: (50.0, 70.0),
        },
        Series {
            class: "hrv",
            title: "Heart rate variability: lnRMSSD",
            source: "natural log of RMSSD in ms, from each morning check",
            missing: "no lnRMSSD in these days",
            colour: zone_colour(TalkZone::Moderate),
            day: |r| r.ln_rmssd,
            average: |r| r.ln_rmssd_7d,
            low: |r| r.ln_rmssd_low,
            high: |r| r.ln_rmssd_high,
            steps: LN_STEPS,
            min_span: 0.4,
            fallback: (3.5, 4.5),
        },
    ]
}

/// Draws `trend`: resting HR (top) and lnRMSSD (bottom) per morning, with their 7-day averages
/// and normal ranges, on one date axis; titled `title`, with today's state as the subtitle.
///
/// Always returns a complete SVG document: without days it says "no morning checks yet".
pub fn trend_svg(trend: &Trend, title: &str) -> String {
    let mut rows: Vec<&TrendRow> = trend.days.iter().collect();
    if !rows.windows(2).all(|w| w[0].date <= w[1].date) {
        rows.sort_by_key(|r| r.date);
    }
    let first = rows.first().map(|r| r.date);
    let last = rows.last().map(|r| r.date);
    // Days from the first row: the x of every row.
    let days: Vec<(i64, &TrendRow)> = rows
        .iter()
        .map(|r| (first.map_or(0, |f| (r.date - f).num_days()), *r))
        .collect();
    let span_days = days.last().map_or(1, |d| d.0.saturating_add(1));
    let x = Scale::new((-0.5, span_days as f64 - 0.5), (X0, X1));
    let px_per_day = (X1 - X0) / span_days as f64;

    let mut svg = Svg::new(WIDTH, HEIGHT, title);
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
    for (i, line) in subtitle(&trend.today).iter().enumerate() {
        svg.text(
            "subtitle",
            (16.0, 46.0 + 16.0 * i as f64),
            line,
            &[("fill", MUTED.into())],
        );
    }

    let ticks = match (first, last) {
        (Some(first), Some(last)) => date_ticks(first, last),
        _ => DateTicks::default(),
    };
    let any_band = days
        .iter()
        .any(|(_, r)| finite(r.rhr_low).is_some() || finite(r.ln_rmssd_low).is_some());
    let mut drawn_any = false;
    for (panel, (s, &(top, bottom))) in series().iter().zip(&PANELS).enumerate() {
        let range = value_range(&days, s);
        let (lo, hi, step) = y_domain(range, s);
        let y = Scale::new((lo, hi), (bottom, top));
        draw_panel_frame(&mut svg, s, (top, bottom), &y, step);
        draw_date_grid(&mut svg, &ticks, first, &x, (top, bottom));
        let clamp_y = |v: f64| y.at(v).clamp(top, bottom);
        draw_band(&mut svg, s, &days, &x, &clamp_y, px_per_day);
        let dots = draw_dots(&mut svg, s, &days, &x, &clamp_y, px_per_day);
        draw_average(&mut svg, s, &days, &x, &clamp_y, px_per_day);
        svg.rect(
            "frame",
            (X0, top),
            (X1 - X0, bottom - top),
            &[("fill", "none".into()), ("stroke", FRAME.into())],
        );
        draw_legend(
            &mut svg,
            s,
            top,
            (panel == 0).then(|| {
                if any_band {
                    ["60 days before each".to_owned(), "7-day window".to_owned()]
                } else {
                    [
                        "none yet: needs".to_owned(),
                        format!("{} earlier mornings", trend.today.baseline_needed),
                    ]
                }
            }),
        );
        if range.is_some() {
            drawn_any = true;
        } else if dots == 0 {
            // Only this panel is empty: say so here (an empty plot gets one note below).
            let other_has_data = series()
                .iter()
                .any(|o| o.class != s.class && value_range(&days, o).is_some());
            if other_has_data {
                draw_note(&mut svg, s.missing, (top + bottom) / 2.0);
            }
        }
    }
    draw_date_labels(&mut svg, &ticks, first, &x, PANELS[1].1);

    // In the top panel, clear of the panel titles.
    let centre = (PANELS[0].0 + PANELS[0].1) / 2.0;
    if days.is_empty() {
        draw_note(&mut svg, "no morning checks yet", centre);
    } else if !drawn_any {
        let note = match days.len() {
            1 => "no morning check on this day".to_owned(),
            n => format!("no morning checks in these {n} days"),
        };
        draw_note(&mut svg, &note, centre);
    }
    svg.finish()
}

/// A value to draw: `None` when missing or not finite.
fn finite(v: Option<f64>) -> Option<f64> {
    v.filter(|v| v.is_finite())
}

/// The lowest and highest value the panel draws (dots, averages, band edges).
fn value_range(days: &[(i64, &TrendRow)], s: &Series) -> Option<(f64, f64)> {
    days.iter()
        .flat_map(|(_, r)| [(s.day)(r), (s.average)(r), (s.low)(r), (s.high)(r)])
        .filter_map(finite)
        .fold(None, |range: Option<(f64, f64)>, v| {
            Some(range.map_or((v, v), |(lo, hi)| (lo.min(v), hi.max(v))))
        })
}

/// The y range shown and its tick step: the data with some room above and below, at least
/// `min_span` tall, widened to whole steps.
fn y_domain(range: Option<(f64, f64)>, s: &Series) -> (f64, f64, f64) {
    let (lo, hi) = range.unwrap_or(s.fallback);
    let mid = lo / 2.0 + hi / 2.0;
    let half = ((hi - lo).max(s.min_span) / 2.0) * 1.12;
    let (lo, hi) = (mid - half, mid + half);
    let step = axis::step(hi - lo, 5, s.steps);
    let (lo, hi) = ((lo / step).floor() * step, (hi / step).ceil() * step);
    if lo.is_finite() && hi.is_finite() && hi > lo {
        (lo, hi, step)
    } else {
        let (lo, hi) = s.fallback;
        (lo, hi, axis::step(hi - lo, 5, s.steps))
    }
}

/// The panel's title, its source note, the value grid and tick labels.
fn draw_panel_frame(svg: &mut Svg, s: &Series, (top, bottom): (f64, f64), y: &Scale, step: f64) {
    svg.text(
        "panel-title",
        (X0, top - 9.0),
        s.title,
        &[
            ("font-size", "14".into()),
            ("font-weight", "bold".into()),
            ("fill", INK.into()),
        ],
    );
    svg.text(
        "panel-source",
        (X1, top - 9.0),
        s.source,
        &[("text-anchor", "end".into()), ("fill", MUTED.into())],
    );
    let (lo, hi) = y.domain();
    svg.group("axes", &[("fill", MUTED.into())]);
    for v in axis::ticks(lo, hi, step) {
        let py = y.at(v);
        if py < top - 0.5 || py > bottom + 0.5 {
            continue;
        }
        svg.line("grid", (X0, py), (X1, py), &[("stroke", GRID.into())]);
        svg.text(
            "tick",
            (X0 - 8.0, py + 4.0),
            &axis::label(v, step),
            &[("text-anchor", "end".into())],
        );
    }
    svg.end_group();
}

/// The normal range, as one shaded shape per stretch of days that have one.
fn draw_band(
    svg: &mut Svg,
    s: &Series,
    days: &[(i64, &TrendRow)],
    x: &Scale,
    y: &impl Fn(f64) -> f64,
    px_per_day: f64,
) {
    let points: Vec<(i64, f64, f64)> = days
        .iter()
        .filter_map(|(d, r)| {
            let (a, b) = (finite((s.low)(r))?, finite((s.high)(r))?);
            Some((*d, a.min(b), a.max(b)))
        })
        .collect();
    svg.group(
        &format!("bands {}", s.class),
        &[("fill", hex(tint(s.colour, 0.82)))],
    );
    for run in runs(&points, |p| p.0) {
        let run = thin(run, |p| x.at(p.0 as f64), px_per_day);
        let (Some(first), Some(last)) = (run.first(), run.last()) else {
            continue;
        };
        // Each day's band is as wide as the day: half a day past the first and last.
        let mut upper = vec![(x.at(first.0 as f64 - 0.5), y(first.2))];
        upper.extend(run.iter().map(|p| (x.at(p.0 as f64), y(p.2))));
        upper.push((x.at(last.0 as f64 + 0.5), y(last.2)));
        let mut lower = vec![(x.at(last.0 as f64 + 0.5), y(last.1))];
        lower.extend(run.iter().rev().map(|p| (x.at(p.0 as f64), y(p.1))));
        lower.push((x.at(first.0 as f64 - 0.5), y(first.1)));
        let mut d = String::new();
        for (i, (px, py)) in upper.iter().chain(&lower).enumerate() {
            d.push(if i == 0 { 'M' } else { 'L' });
            d.push_str(&format!("{} {}", num(*px), num(*py)));
        }
        d.push('Z');
        svg.path(&format!("band {}", s.class), &d, &[]);
    }
    svg.end_group();
}

/// One dot per morning with a value; returns how many.
fn draw_dots(
    svg: &mut Svg,
    s: &Series,
    days: &[(i64, &TrendRow)],
    x: &Scale,
    y: &impl Fn(f64) -> f64,
    px_per_day: f64,
) -> usize {
    // As large as a day allows, from 1.25 (ten years) to 3.5 px (a few weeks).
    let radius = (px_per_day * 0.3).clamp(1.25, 3.5);
    svg.group(
        &format!("dots {}", s.class),
        &[
            ("fill", "none".into()),
            ("stroke", hex(tint(s.colour, 0.35))),
            ("stroke-width", num(2.0 * radius)),
            ("stroke-linecap", "round".into()),
        ],
    );
    let mut count = 0;
    for (d, r) in days {
        if let Some(v) = finite((s.day)(r)) {
            // A round-capped stroke a tenth of a pixel long: a dot.
            let (px, py) = (x.at(*d as f64), y(v));
            svg.path(
                &format!("dot {}", s.class),
                &format!("M{} {}h0.1", num(px), num(py)),
                &[],
            );
            count += 1;
        }
    }
    svg.end_group();
    count
}

/// The 7-day average: one polyline per stretch without a longer hole than
/// [`MAX_BRIDGED_DAYS`]; a stretch of a single day is a short dash.
fn draw_average(
    svg: &mut Svg,
    s: &Series,
    days: &[(i64, &TrendRow)],
    x: &Scale,
    y: &impl Fn(f64) -> f64,
    px_per_day: f64,
) {
    let points: Vec<(i64, f64)> = days
        .iter()
        .filter_map(|(d, r)| Some((*d, finite((s.average)(r))?)))
        .collect();
    let width = if px_per_day < 2.0 { 1.5 } else { 2.25 };
    svg.group(
        &format!("averages {}", s.class),
        &[
            ("fill", "none".into()),
            ("stroke", hex(s.colour)),
            ("stroke-width", num(width)),
            ("stroke-linejoin", "round".into()),
            ("stroke-linecap", "round".into()),
        ],
    );
    for run in runs(&points, |p| p.0) {
        let run = thin(run, |p| x.at(p.0 as f64), px_per_day);
        match run.as_slice() {
            [] => {}
            [(d, v)] => {
                let (px, py) = (x.at(*d as f64), y(*v));
                let half = (px_per_day * 0.4).clamp(1.0, 5.0);
                svg.line(
                    &format!("average-point {}", s.class),
                    (px - half, py),
                    (px + half, py),
                    &[],
                );
            }
            run => {
                let pixels: Vec<(f64, f64)> =
                    run.iter().map(|(d, v)| (x.at(*d as f64), y(*v))).collect();
                svg.polyline(&format!("average {}", s.class), &pixels);
            }
        }
    }
    svg.end_group();
}

/// `points` (in day order, `day` giving each one's day number) cut where more than
/// [`MAX_BRIDGED_DAYS`] days lie between neighbours.
fn runs<T: Copy>(points: &[T], day: impl Fn(&T) -> i64) -> Vec<Vec<T>> {
    let mut out: Vec<Vec<T>> = Vec::new();
    let mut previous: Option<i64> = None;
    for p in points {
        let d = day(p);
        let joined = previous.is_some_and(|prev| d.saturating_sub(prev) <= MAX_BRIDGED_DAYS + 1);
        match out.last_mut() {
            Some(run) if joined => run.push(*p),
            _ => out.push(vec![*p]),
        }
        previous = Some(d);
    }
    out
}

/// A run with at most one point per pixel column when days are narrower than a pixel (years
/// of days); the first and last points always stay. The 7-day average and the range change
/// slowly, so this draws the same picture from a fraction of the points.
fn thin<T: Copy>(run: Vec<T>, x_of: impl Fn(&T) -> f64, px_per_day: f64) -> Vec<T> {
    if px_per_day >= 1.0 || run.len() < 3 {
        return run;
    }
    let last = run.len() - 1;
    let mut kept: Vec<T> = Vec::with_capacity(run.len());
    let mut kept_x = f64::NEG_INFINITY;
    for (i, p) in run.iter().enumerate() {
        let px = x_of(p);
        if i == 0 || i == last || px - kept_x >= 1.0 {
            kept.push(*p);
            kept_x = px;
        }
    }
    kept
}

/// How the date axis is divided.
#[derive(Debug, Clone, Copy, PartialEq)]
enum DateStep {
    Days(u64),
    Weeks(u64),
    Months(u32),
    Years(i64),
}

/// The dates that get a grid line and a label, and how they are labelled.
#[derive(Debug, Default)]
struct DateTicks {
    dates: Vec<NaiveDate>,
    step: Option<DateStep>,
}

/// The most ticks ever made, whatever the dates.
const MAX_DATE_TICKS: usize = 60;

/// Round dates from `first` to `last` (both included), about 5 to 14 of them: every day or
/// every other day up to four weeks (ending on the last day), then Mondays, then the first of
/// every month, 2, 3 or 6 months, then whole years.
fn date_ticks(first: NaiveDate, last: NaiveDate) -> DateTicks {
    let span = (last - first).num_days().saturating_add(1);
    let step = match span {
        ..=14 => DateStep::Days(1),
        15..=28 => DateStep::Days(2),
        29..=98 => DateStep::Weeks(1),
        99..=196 => DateStep::Weeks(2),
        197..=400 => DateStep::Months(1),
        401..=760 => DateStep::Months(2),
        761..=1130 => DateStep::Months(3),
        1131..=2250 => DateStep::Months(6),
        _ => {
            let years = span as f64 / 365.25;
            let step = axis::step(years, 12, &[1.0, 2.0, 5.0, 10.0]);
            DateStep::Years((step as i64).max(1))
        }
    };
    let mut dates = Vec::new();
    match step {
        DateStep::Days(n) => back_from(last, first, n, &mut dates),
        DateStep::Weeks(n) => {
            let monday =
                last.checked_sub_days(Days::new(u64::from(last.weekday().num_days_from_monday())));
            if let Some(monday) = monday {
                back_from(monday, first, 7 * n, &mut dates);
            }
        }
        DateStep::Months(n) => {
            let mut at = NaiveDate::from_ymd_opt(first.year(), first.month(), 1)
                .filter(|d| *d >= first)
                .or_else(|| {
                    NaiveDate::from_ymd_opt(first.year(), first.month(), 1)?
                        .checked_add_months(Months::new(1))
                });
            while let Some(d) = at.filter(|d| *d <= last) {
                if d.month0() % n == 0 {
                    dates.push(d);
                }
                if dates.len() >= MAX_DATE_TICKS {
                    break;
                }
                at = d.checked_add_months(Months::new(1));
            }
        }
        DateStep::Years(n) => {
            let from = i64::from(first.year()) + i64::from(first.ordinal() != 1);
            let mut year = from.div_euclid(n) * n;
            if year < from {
                year += n;
            }
            while let Some(d) = i32::try_from(year)
                .ok()
                .and_then(|y| NaiveDate::from_ymd_opt(y, 1, 1))
                .filter(|d| *d <= last)
            {
                dates.push(d);
                if dates.len() >= MAX_DATE_TICKS {
                    break;
                }
                year += n;
            }
        }
    }
    DateTicks {
        dates,
        step: Some(step),
    }
}

/// `from`, then every `n` days back while not before `until`, oldest first.
fn back_from(from: NaiveDate, until: NaiveDate, n: u64, out: &mut Vec<NaiveDate>) {
    let mut at = Some(from);
    while let Some(d) = at.filter(|d| *d >= until) {
        out.push(d);
        if out.len() >= MAX_DATE_TICKS {
            break;
        }
        at = d.checked_sub_days(Days::new(n.max(1)));
    }
    out.reverse();
}

/// A date tick's label: "25 Nov", "Nov" or "2025".
fn date_label(date: NaiveDate, step: Option<DateStep>) -> String {
    match step {
        Some(DateStep::Months(_)) => date.format("%b").to_string(),
        Some(DateStep::Years(_)) => date.format("%Y").to_string(),
        _ => date.format("%-d %b").to_string(),
    }
}

fn date_x(date: NaiveDate, first: Option<NaiveDate>, x: &Scale) -> f64 {
    x.at(first.map_or(0, |f| (date - f).num_days()) as f64)
}

fn draw_date_grid(
    svg: &mut Svg,
    ticks: &DateTicks,
    first: Option<NaiveDate>,
    x: &Scale,
    (top, bottom): (f64, f64),
) {
    svg.group("date-grid", &[("stroke", GRID.into())]);
    for &date in &ticks.dates {
        let px = date_x(date, first, x);
        svg.line("grid", (px, top), (px, bottom), &[]);
        svg.line(
            "tick-mark",
            (px, bottom),
            (px, bottom + 4.0),
            &[("stroke", MUTED.into())],
        );
    }
    svg.end_group();
}

/// The date labels under the bottom panel, with the year under the first label and wherever
/// it changes.
fn draw_date_labels(
    svg: &mut Svg,
    ticks: &DateTicks,
    first: Option<NaiveDate>,
    x: &Scale,
    bottom: f64,
) {
    svg.group(
        "dates",
        &[("fill", MUTED.into()), ("text-anchor", "middle".into())],
    );
    let mut year = None;
    for &date in &ticks.dates {
        let px = date_x(date, first, x);
        svg.text(
            "tick date",
            (px, bottom + 18.0),
            &date_label(date, ticks.step),
            &[],
        );
        let years = matches!(ticks.step, Some(DateStep::Years(_)));
        if !years && year != Some(date.year()) {
            svg.text(
                "tick-year",
                (px, bottom + 33.0),
                &date.year().to_string(),
                &[("font-weight", "bold".into())],
            );
        }
        year = Some(date.year());
    }
    svg.end_group();
}

/// The panel's key in the right margin: dot, line, band; `note` under the band's entry.
fn draw_legend(svg: &mut Svg, s: &Series, top: f64, note: Option<[String; 2]>) {
    let x = X1 + 16.0;
    let text_x = x + 26.0;
    let at = top + 16.0;
    svg.group("legend", &[("fill", INK.into())]);
    svg.path(
        &format!("legend-dot {}", s.class),
        &format!("M{} {}h0.1", num(x + 11.0), num(at - 4.0)),
        &[
            ("stroke", hex(tint(s.colour, 0.35))),
            ("stroke-width", "7".into()),
            ("stroke-linecap", "round".into()),
        ],
    );
    svg.text("legend-text", (text_x, at), "morning check", &[]);
    svg.line(
        &format!("legend-line {}", s.class),
        (x, at + 18.0),
        (x + 22.0, at + 18.0),
        &[("stroke", hex(s.colour)), ("stroke-width", "2.25".into())],
    );
    svg.text("legend-text", (text_x, at + 22.0), "7-day average", &[]);
    svg.rect(
        &format!("legend-band {}", s.class),
        (x, at + 34.0),
        (22.0, 12.0),
        &[("fill", hex(tint(s.colour, 0.82)))],
    );
    svg.text("legend-text", (text_x, at + 44.0), "normal range", &[]);
    if let Some(lines) = note {
        for (i, line) in lines.iter().enumerate() {
            svg.text(
                "legend-note",
                (text_x, at + 60.0 + 14.0 * i as f64),
                line,
                &[("fill", MUTED.into()), ("font-size", "11".into())],
            );
        }
    }
    svg.end_group();
}

/// Today's state in words, on one or two lines: the 7-day means against the normal ranges,
/// the resting-HR slope, the baseline and how many mornings of the week were checked.
fn subtitle(today: &TrendToday) -> Vec<String> {
    let mut values = Vec::new();
    let range = |r: Option<crate::physiology::baseline::NormalRange>, decimals: usize| {
        r.filter(|r| r.low.is_finite() && r.high.is_finite())
            .map(|r| format!(" (normal {:.decimals$}-{:.decimals$})", r.low, r.high))
            .unwrap_or_default()
    };
    if let Some(v) = finite(today.rhr_7d) {
        values.push(format!(
            "7-day resting HR {v:.1} bpm{}",
            range(today.rhr_range, 1)
        ));
    }
    if let Some(v) = finite(today.ln_rmssd_7d) {
        values.push(format!(
            "7-day lnRMSSD {v:.2}{}",
            range(today.ln_rmssd_range, 2)
        ));
    }
    if values.is_empty() {
        values.push("no 7-day average yet: it needs 3 checks in 7 days".to_owned());
    }
    if let Some(slope) = finite(today.slope_14d) {
        values.push(format!(
            "14-day slope {} bpm/week",
            signed_one_decimal(slope)
        ));
    }

    let mut status = vec![match &today.baseline_status {
        Some(s) => s.clone(),
        None => format!(
            "baseline from {} morning{}",
            today.baseline_days,
            if today.baseline_days == 1 { "" } else { "s" }
        ),
    }];
    status.push(format!(
        "{} of the last {WINDOW_DAYS} mornings checked",
        today.window_checks
    ));
    match today.days_above {
        0 => {}
        1 => status.push("resting HR above the normal range on the last check".to_owned()),
        n => status.push(format!(
            "resting HR above the normal range on the last {n} checks"
        )),
    }
    vec![values.join(" · "), status.join(" · ")]
}

/// "+1.4", "-0.3", "0.0" (never "-0.0").
fn signed_one_decimal(v: f64) -> String {
    let rounded = (v * 10.0).round() / 10.0;
    if rounded == 0.0 {
        "0.0".to_owned()
    } else {
        format!("{rounded:+.1}")
    }
}

/// A note in a white box, centred across the plot at height `cy`.
fn draw_note(svg: &mut Svg, note: &str, cy: f64) {
    svg.note(note, ((X0 + X1) / 2.0, cy), X1 - X0 - 20.0);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn date_ticks_stay_few_and_round() {
        let last = date(2025, 11, 25);
        for span in [
            1u64, 7, 14, 15, 28, 29, 60, 98, 120, 196, 365, 400, 700, 1000, 2000, 3660,
        ] {
            let first = last.checked_sub_days(Days::new(span - 1)).unwrap();
            let ticks = date_ticks(first, last);
            let n = ticks.dates.len();
            assert!((1..=14).contains(&n), "{span} days: {n} ticks");
            assert!(ticks.dates.iter().all(|d| (first..=last).contains(d)));
            assert!(ticks.dates.windows(2).all(|w| w[0] < w[1]));
        }
        let week = date_ticks(date(2025, 11, 19), last);
        assert_eq!(week.dates.len(), 7);
        assert_eq!(date_label(week.dates[6], week.step), "25 Nov");
        // 60 days: Mondays.
        let two_months = date_ticks(last - chrono::Duration::days(59), last);
        assert!(two_months
            .dates
            .iter()
            .all(|d| d.weekday() == chrono::Weekday::Mon));
        let ten_years = date_ticks(date(2015, 12, 1), last);
        assert_eq!(ten_years.step, Some(DateStep::Years(1)));
        assert_eq!(date_label(ten_years.dates[0], ten_years.step), "2016");
        // The whole calendar does not trip the arithmetic.
        let all = date_ticks(NaiveDate::MIN, NaiveDate::MAX);
        assert!(!all.dates.is_empty() && all.dates.len() <= MAX_DATE_TICKS);
    }

    #[test]
    fn runs_break_after_more_than_three_missing_days() {
        let days = [0, 1, 2, 6, 11, 12, 20];
        let runs: Vec<Vec<i64>> = runs(&days, |d| *d);
        assert_eq!(runs, vec![vec![0, 1, 2, 6], vec![11, 12], vec![20]]);
        assert!(super::runs(&[] as &[i64], |d| *d).is_empty());
    }

    #[test]
    fn slopes_never_read_minus_zero() {
        assert_eq!(signed_one_decimal(1.44), "+1.4");
        assert_eq!(signed_one_decimal(-0.04), "0.0");
        assert_eq!(signed_one_decimal(-0.34), "-0.3");
    }
}
