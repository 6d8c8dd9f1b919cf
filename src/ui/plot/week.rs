//! A week, Monday to Sunday: a stacked bar of minutes per zone for each day, against the daily
//! share of the WHO 150 moderate-equivalent minutes a week.
//!
//! The bars show all heart-rate time; the guideline counts moderate-equivalent minutes
//! (moderate + 2 x vigorous or harder, see [`crate::physiology::week`]). So the title gives the
//! week's moderate-equivalent total against 150-300, each bar carries that day's
//! moderate-equivalent minutes as a diamond and a number, and the dashed line marks 150 / 7 of
//! them a day, as a hint: a diamond above the line is a day on track.

use crate::physiology::week::WeekSummary;
use crate::physiology::zones::TalkZone;

use super::axis::{self, Scale};
use super::svg::{hex, num, Svg, INK};
use super::zone_colour;

const WIDTH: f64 = 960.0;
const HEIGHT: f64 = 480.0;
/// The plot area: left, right, top, bottom edges in pixels. The right margin holds the legend,
/// the bottom one the day names, dates and strength marks.
const X0: f64 = 64.0;
const X1: f64 = 744.0;
const Y0: f64 = 72.0;
const Y1: f64 = 396.0;
/// A bar's width as a share of its day's slot.
const BAR_SHARE: f64 = 0.56;

const MUTED: &str = "#52606d";

/// Draws `week`: one stacked bar per day, easiest zone at the bottom, the day's
/// moderate-equivalent minutes as a diamond, strength days marked under the date. Always returns a complete SVG document; a week without heart-rate time says
/// so.
pub fn week_svg(week: &WeekSummary) -> String {
    let meq = finite(week.moderate_equivalent_min);
    let title = format!(
        "Week of {}: {} moderate-equivalent min (goal {}-{})",
        week.monday.format("%a %-d %b %Y"),
        num(meq.round()),
        num(week.guideline_min),
        num(week.guideline_max),
    );
    let daily_share = finite(week.guideline_min) / 7.0;
    let totals: Vec<f64> = week
        .days
        .iter()
        .map(|d| {
            TalkZone::ALL
                .iter()
                .map(|z| finite(*d.minutes_in_zone.get(*z)))
                .sum()
        })
        .collect();
    let tallest = totals.iter().copied().fold(daily_share.max(30.0), f64::max);
    // Headroom for the number above the tallest bar.
    let step = axis::step(tallest * 1.12, 8, axis::MINUTE_STEPS);
    let tallest = week
        .days
        .iter()
        .map(|d| finite(d.moderate_equivalent_min))
        .fold(tallest, f64::max);
    let top = (tallest * 1.12 / step).ceil() * step;
    let y = Scale::new((0.0, top), (Y1, Y0));
    let slots = week.days.len().max(1);
    let slot = (X1 - X0) / slots as f64;

    let mut svg = Svg::new(WIDTH, HEIGHT, &title);
    svg.text(
        "title",
        (16.0, 26.0),
        &title,
        &[
            ("font-size", "17".into()),
            ("font-weight", "bold".into()),
            ("fill", INK.into()),
        ],
    );
    svg.text(
        "subtitle",
        (16.0, 46.0),
        &format!(
            "{} · moderate-equivalent = moderate + 2 × vigorous-or-harder minutes · \
             strength days: {} of {}",
            week.status_text, week.strength_days, week.strength_days_target
        ),
        &[("fill", MUTED.into())],
    );

    svg.group("axes", &[("fill", MUTED.into())]);
    for minutes in axis::ticks(0.0, top, step) {
        let py = y.at(minutes);
        svg.line("grid", (X0, py), (X1, py), &[("stroke", "#e4e7eb".into())]);
        svg.text(
            "tick",
            (X0 - 8.0, py + 4.0),
            &axis::label(minutes, step),
            &[("text-anchor", "end".into())],
        );
    }
    svg.y_axis_title((20.0, (Y0 + Y1) / 2.0), "minutes of heart-rate time");
    svg.end_group();

    svg.group("bars", &[("stroke", "#ffffff".into())]);
    for (i, day) in week.days.iter().enumerate() {
        let centre = X0 + slot * (i as f64 + 0.5);
        let width = slot * BAR_SHARE;
        let mut base = 0.0;
        for zone in TalkZone::ALL {
            let minutes = finite(*day.minutes_in_zone.get(zone));
            if minutes <= 0.0 {
                continue;
            }
            let (bottom, top) = (y.at(base), y.at(base + minutes));
            svg.rect(
                &format!("bar zone-{}", zone.id()),
                (centre - width / 2.0, top),
                (width, bottom - top),
                &[("fill", hex(zone_colour(zone)))],
            );
            base += minutes;
        }
    }
    svg.end_group();

    svg.line(
        "daily-share",
        (X0, y.at(daily_share)),
        (X1, y.at(daily_share)),
        &[
            ("stroke", INK.into()),
            ("stroke-width", "1.5".into()),
            ("stroke-dasharray", "6 4".into()),
        ],
    );
    svg.line("baseline", (X0, Y1), (X1, Y1), &[("stroke", MUTED.into())]);

    // Each day's moderate-equivalent minutes: a diamond on the same scale as the dashed line,
    // and the number above whichever is higher, the diamond or the bar.
    svg.group("day-meq", &[("fill", INK.into())]);
    for ((i, day), total) in week.days.iter().enumerate().zip(&totals) {
        let day_meq = finite(day.moderate_equivalent_min);
        if day_meq <= 0.0 {
            continue;
        }
        let centre = X0 + slot * (i as f64 + 0.5);
        let at = y.at(day_meq);
        svg.path(
            "meq-mark",
            &diamond((centre, at)),
            &[("stroke", "#ffffff".into())],
        );
        svg.text(
            "meq",
            (centre, y.at(day_meq.max(*total)) - 10.0),
            &num(day_meq.round()),
            &[
                ("text-anchor", "middle".into()),
                ("font-weight", "bold".into()),
            ],
        );
    }
    svg.end_group();

    svg.group("days", &[("text-anchor", "middle".into())]);
    for (i, day) in week.days.iter().enumerate() {
        let centre = X0 + slot * (i as f64 + 0.5);
        svg.text(
            "day",
            (centre, Y1 + 18.0),
            &day.weekday,
            &[("font-weight", "bold".into()), ("fill", INK.into())],
        );
        svg.text(
            "date",
            (centre, Y1 + 33.0),
            &day.date.format("%-d %b").to_string(),
            &[("fill", MUTED.into())],
        );
        if day.strength {
            svg.rect(
                "strength-mark",
                (centre - 30.0, Y1 + 41.0),
                (60.0, 17.0),
                &[("fill", "#3e4c59".into()), ("rx", "8".into())],
            );
            svg.text(
                "strength",
                (centre, Y1 + 53.5),
                "strength",
                &[("fill", "#ffffff".into()), ("font-size", "11".into())],
            );
        }
    }
    svg.end_group();

    draw_legend(&mut svg, week.guideline_min);
    if totals.iter().all(|t| *t <= 0.0) {
        svg.text(
            "note",
            ((X0 + X1) / 2.0, (Y0 + Y1) / 2.0),
            "no heart-rate time this week",
            &[
                ("text-anchor", "middle".into()),
                ("font-size", "16".into()),
                ("fill", INK.into()),
            ],
        );
    }
    svg.finish()
}

/// A value to draw: anything negative or not finite counts as nothing.
fn finite(v: f64) -> f64 {
    if v.is_finite() {
        v.max(0.0)
    } else {
        0.0
    }
}

/// A diamond marker centred on `(x, y)`, as path data.
fn diamond((x, y): (f64, f64)) -> String {
    format!(
        "M{} {}L{} {}L{} {}L{} {}Z",
        num(x),
        num(y - 6.0),
        num(x + 6.0),
        num(y),
        num(x),
        num(y + 6.0),
        num(x - 6.0),
        num(y)
    )
}

/// The zones (hardest at the top, as in the stacks), then the diamonds and the dashed line.
fn draw_legend(svg: &mut Svg, weekly_goal: f64) {
    let x = X1 + 16.0;
    let text_x = x + 20.0;
    let mut at = Y0 + 8.0;
    svg.group("legend", &[]);
    for zone in TalkZone::ALL.into_iter().rev() {
        svg.rect(
            &format!("swatch zone-{}", zone.id()),
            (x, at - 11.0),
            (12.0, 12.0),
            &[("fill", hex(zone_colour(zone)))],
        );
        svg.text(
            "zone-label",
            (text_x, at),
            zone.label(),
            &[("font-weight", "bold".into()), ("fill", INK.into())],
        );
        svg.text(
            "zone-cue",
            (text_x, at + 14.0),
            zone.cue(),
            &[("font-style", "italic".into()), ("fill", MUTED.into())],
        );
        at += 34.0;
    }
    at += 6.0;
    svg.path(
        "legend-mark",
        &diamond((x + 6.0, at - 4.0)),
        &[("fill", INK.into())],
    );
    legend_lines(
        svg,
        (text_x, at),
        &["moderate-equivalent min of", "the day (number above it)"],
    );
    at += 40.0;
    svg.line(
        "legend-line",
        (x - 2.0, at - 4.0),
        (x + 14.0, at - 4.0),
        &[
            ("stroke", INK.into()),
            ("stroke-width", "1.5".into()),
            ("stroke-dasharray", "4 3".into()),
        ],
    );
    let goal = finite(weekly_goal);
    legend_lines(
        svg,
        (text_x, at),
        &[
            &format!("{} min a day: the daily", axis::label(goal / 7.0, 0.1)),
            &format!("share of {} a week", num(goal)),
        ],
    );
    svg.end_group();
}

fn legend_lines(svg: &mut Svg, (x, y): (f64, f64), lines: &[&str]) {
    for (i, line) in lines.iter().enumerate() {
        svg.text(
            "legend-text",
            (x, y + 14.0 * i as f64),
            line,
            &[("fill", INK.into())],
        );
    }
}
