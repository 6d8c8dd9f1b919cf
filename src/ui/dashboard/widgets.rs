//! The pieces the live screen is drawn with: big block digits ([`BigText`]), one zone's time as a
//! bar ([`zone_bar`]), the heart-rate chart on its zone bands ([`HrChart`]), and the zone colours
//! as terminal colours ([`zone_color`]).
//!
//! Render only: each widget draws what it is given into a ratatui buffer and never reads the
//! state, the clock or the terminal. Every widget clips to its area, so no size panics.

use std::collections::VecDeque;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use crate::physiology::zones::{TalkZone, ZoneTable};

use super::state::HrPoint;

/// A zone's colour on screen: the palette the SVG plots use ([`crate::ui::plot::zone_colour`]).
pub fn zone_color(zone: TalkZone) -> Color {
    let (r, g, b) = crate::ui::plot::zone_colour(zone);
    Color::Rgb(r, g, b)
}

/// The zone colour darkened to a background tint for the chart's bands.
pub fn zone_band(zone: TalkZone) -> Color {
    let (r, g, b) = crate::ui::plot::zone_colour(zone);
    let dim = |c: u8| (f32::from(c) * 0.22) as u8;
    Color::Rgb(dim(r), dim(g), dim(b))
}

/// `h:mm:ss` from one hour on, `m:ss` below.
pub fn clock(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

/// Rows of a 3 x 5 pixel glyph, `#` for a lit pixel. Digits, `-`, space and the letters of
/// "PAUSED"; anything else is blank.
fn glyph(c: char) -> [&'static str; 5] {
    match c.to_ascii_uppercase() {
        '0' => ["###", "#.#", "#.#", "#.#", "###"],
        '1' => [".#.", "##.", ".#.", ".#.", "###"],
        '2' => ["###", "..#", "###", "#..", "###"],
        '3' => ["###", "..#", "###", "..#", "###"],
        '4' => ["#.#", "#.#", "###", "..#", "..#"],
        '5' | 'S' => ["###", "#..", "###", "..#", "###"],
        '6' => ["###", "#..", "###", "#.#", "###"],
        '7' => ["###", "..#", "..#", "..#", "..#"],
        '8' => ["###", "#.#", "###", "#.#", "###"],
        '9' => ["###", "#.#", "###", "..#", "###"],
        '-' => ["...", "...", "###", "...", "..."],
        'P' => ["###", "#.#", "###", "#..", "#.."],
        'A' => ["###", "#.#", "###", "#.#", "#.#"],
        'U' => ["#.#", "#.#", "#.#", "#.#", "###"],
        'E' => ["###", "#..", "###", "#..", "###"],
        'D' => ["##.", "#.#", "#.#", "#.#", "##."],
        _ => ["...", "...", "...", "...", "..."],
    }
}

/// How many pixels of `text` are lit (for tests: each pixel is `2 x scale` cells wide and
/// `scale` cells high).
pub fn lit_pixels(text: &str) -> usize {
    text.chars()
        .map(|c| {
            glyph(c)
                .iter()
                .map(|row| row.matches('#').count())
                .sum::<usize>()
        })
        .sum()
}

/// Text in 5-row block letters, each pixel two cells wide (so it looks square), `scale` times
/// larger in both directions.
#[derive(Debug, Clone)]
pub struct BigText<'a> {
    text: &'a str,
    style: Style,
    scale: u16,
}

impl<'a> BigText<'a> {
    /// `text` in `style` (its foreground is the colour of the blocks), at scale 1.
    pub fn new(text: &'a str, style: Style) -> Self {
        BigText {
            text,
            style,
            scale: 1,
        }
    }

    /// The same text `scale` times larger (at least 1).
    pub fn scale(mut self, scale: u16) -> Self {
        self.scale = scale.max(1);
        self
    }

    /// Width and height in cells of `text` at `scale`: glyphs 3 pixels wide with 1 pixel
    /// between, a pixel `2 x scale` cells wide.
    pub fn size(text: &str, scale: u16) -> (u16, u16) {
        let n = u16::try_from(text.chars().count()).unwrap_or(u16::MAX);
        let pixels = n.saturating_mul(4).saturating_sub(1);
        (
            pixels.saturating_mul(2).saturating_mul(scale),
            5u16.saturating_mul(scale),
        )
    }

    /// The largest scale up to `max` at which `text` fits in `width` x `height`, if any.
    pub fn fit(text: &str, width: u16, height: u16, max: u16) -> Option<u16> {
        (1..=max).rev().find(|&s| {
            let (w, h) = BigText::size(text, s);
            w <= width && h <= height
        })
    }
}

impl Widget for BigText<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let s = self.scale;
        let (px_w, px_h) = (2 * s, s);
        for (i, c) in self.text.chars().enumerate() {
            let gx = u16::try_from(i)
                .unwrap_or(u16::MAX)
                .saturating_mul(4 * px_w);
            for (row, bits) in glyph(c).iter().enumerate() {
                for (col, bit) in bits.chars().enumerate() {
                    if bit != '#' {
                        continue;
                    }
                    // row, col < 5: no truncation.
                    let x0 = area.x.saturating_add(gx + col as u16 * px_w);
                    let y0 = area.y.saturating_add(row as u16 * px_h);
                    for y in y0..y0.saturating_add(px_h).min(area.bottom()) {
                        for x in x0..x0.saturating_add(px_w).min(area.right()) {
                            if let Some(cell) = buf.cell_mut((x, y)) {
                                cell.set_symbol("█").set_style(self.style);
                            }
                        }
                    }
                }
            }
        }
    }
}

/// One zone's line: a marker for the target zone, the label, a bar of `share` (of the active
/// time) in the zone's colour and the time, `width` cells in all.
pub fn zone_bar(
    zone: TalkZone,
    time: Duration,
    share: f64,
    width: u16,
    is_target: bool,
) -> Line<'static> {
    const EIGHTHS: [&str; 8] = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];
    let colour = zone_color(zone);
    let time = format!(" {:>7}", clock(time));
    let label = format!("{}{:<10} ", if is_target { "▸" } else { " " }, zone.label());
    let bar_w = usize::from(width).saturating_sub(label.chars().count() + time.chars().count());
    let eighths = (share.clamp(0.0, 1.0) * bar_w as f64 * 8.0).round() as usize;
    let (full, part) = (eighths / 8, eighths % 8);
    let mut bar = "█".repeat(full.min(bar_w));
    let mut used = full.min(bar_w);
    if part > 0 && used < bar_w {
        bar.push_str(EIGHTHS[part]);
        used += 1;
    }
    let label_style = if is_target {
        Style::default().fg(colour).add_modifier(Modifier::BOLD)
    } else {
        Style::default().fg(colour)
    };
    Line::from(vec![
        Span::styled(label, label_style),
        Span::styled(bar, Style::default().fg(colour)),
        Span::styled(
            "·".repeat(bar_w - used),
            Style::default().fg(Color::DarkGray),
        ),
        Span::raw(time),
    ])
}

/// A bar of `ratio` (0-1) in `width` cells: filled part in `colour`, the rest dotted.
pub fn progress_bar(ratio: f64, width: u16, colour: Color) -> Vec<Span<'static>> {
    let width = usize::from(width);
    let filled = ((ratio.clamp(0.0, 1.0) * width as f64).round() as usize).min(width);
    vec![
        Span::styled("█".repeat(filled), Style::default().fg(colour)),
        Span::styled(
            "·".repeat(width - filled),
            Style::default().fg(Color::DarkGray),
        ),
    ]
}

/// The heart rate of the last `window` up to `end` as columns on the zone bands (each row's
/// background is the tint of the zone its heart rate falls in); y labels at the zone
/// thresholds, lap markers as dotted lines. Each column spans the lowest to the highest heart
/// rate of its time slice, in half-cell steps, coloured by the slice's mean zone.
#[derive(Debug, Clone)]
pub struct HrChart<'a> {
    pub points: &'a VecDeque<HrPoint>,
    pub zones: &'a ZoneTable,
    pub end: Option<DateTime<Utc>>,
    pub window: Duration,
    pub laps: Vec<DateTime<Utc>>,
}

/// Width of the y labels.
const LABEL_W: u16 = 4;

impl HrChart<'_> {
    /// The heart-rate range shown: every zone threshold from light to near max, and all
    /// visible data, with a margin.
    fn y_range(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> (f64, f64) {
        let visible = self
            .points
            .iter()
            .filter(|p| p.t >= start && p.t <= end)
            .map(|p| f64::from(p.hr));
        let (dmin, dmax) = visible.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), hr| {
            (lo.min(hr), hi.max(hr))
        });
        let lo = (self.zones.min_bpm(TalkZone::Light) - 10.0)
            .min(dmin - 5.0)
            .max(30.0);
        let hi = (self.zones.min_bpm(TalkZone::NearMax) + 8.0)
            .max(dmax + 5.0)
            .min(250.0);
        if hi - lo < 20.0 {
            (lo, lo + 20.0)
        } else {
            (lo, hi)
        }
    }
}

impl Widget for HrChart<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.width <= LABEL_W + 2 || area.height < 3 {
            return;
        }
        let plot = Rect {
            x: area.x + LABEL_W,
            y: area.y,
            width: area.width - LABEL_W,
            height: area.height - 1,
        };
        let end = self.end.unwrap_or_default();
        let window = TimeDelta::from_std(self.window).unwrap_or(TimeDelta::minutes(10));
        let start = end - window;
        let (lo, hi) = self.y_range(start, end);
        let rows = f64::from(plot.height);
        let row_bpm = |r: u16| hi - (f64::from(r) + 0.5) * (hi - lo) / rows;

        // Zone bands.
        for r in 0..plot.height {
            let band = zone_band(self.zones.zone_of(row_bpm(r)));
            for x in plot.left()..plot.right() {
                if let Some(cell) = buf.cell_mut((x, plot.y + r)) {
                    cell.set_symbol(" ").set_bg(band);
                }
            }
        }
        // Y labels where light, moderate, vigorous and near max start.
        let mut labelled = Vec::new();
        for zone in &TalkZone::ALL[1..] {
            let bpm = self.zones.min_bpm(*zone);
            if bpm <= lo || bpm >= hi {
                continue;
            }
            let r = ((hi - bpm) / (hi - lo) * rows).floor() as u16;
            let r = r.min(plot.height - 1);
            if labelled.contains(&r) {
                continue;
            }
            labelled.push(r);
            buf.set_string(
                area.x,
                plot.y + r,
                format!("{:>3}", bpm.round()),
                Style::default().fg(zone_color(*zone)),
            );
        }

        let columns = usize::from(plot.width);
        let col_of = |t: DateTime<Utc>| -> Option<usize> {
            if t < start || t > end {
                return None;
            }
            let from_start = (t - start).num_milliseconds() as f64;
            let span = window.num_milliseconds().max(1) as f64;
            Some(((from_start / span * columns as f64) as usize).min(columns - 1))
        };
        // Lap markers.
        for lap in &self.laps {
            if let Some(c) = col_of(*lap) {
                for r in 0..plot.height {
                    if let Some(cell) = buf.cell_mut((plot.x + c as u16, plot.y + r)) {
                        cell.set_symbol("┊").set_fg(Color::White);
                    }
                }
            }
        }
        // The data: per column (min, max, sum, count).
        let mut slices = vec![(f64::INFINITY, f64::NEG_INFINITY, 0.0, 0u32); columns];
        for p in self.points {
            if let Some(c) = col_of(p.t) {
                let hr = f64::from(p.hr);
                let s = &mut slices[c];
                *s = (s.0.min(hr), s.1.max(hr), s.2 + hr, s.3 + 1);
            }
        }
        let px_rows = plot.height * 2;
        let pixel = |bpm: f64| -> u16 {
            let p = ((bpm - lo) / (hi - lo) * f64::from(px_rows)).floor();
            p.clamp(0.0, f64::from(px_rows - 1)) as u16
        };
        for (c, &(min, max, sum, n)) in slices.iter().enumerate() {
            if n == 0 {
                continue;
            }
            let colour = zone_color(self.zones.zone_of(sum / f64::from(n)));
            let (pmin, pmax) = (pixel(min), pixel(max));
            for r in 0..plot.height {
                // Pixels count from the bottom; row r holds pixels `upper` and `upper - 1`.
                let upper = px_rows - 1 - 2 * r;
                let lower = upper - 1;
                let (u, l) = (
                    (pmin..=pmax).contains(&upper),
                    (pmin..=pmax).contains(&lower),
                );
                let symbol = match (u, l) {
                    (true, true) => "█",
                    (true, false) => "▀",
                    (false, true) => "▄",
                    (false, false) => continue,
                };
                if let Some(cell) = buf.cell_mut((plot.x + c as u16, plot.y + r)) {
                    cell.set_symbol(symbol).set_fg(colour);
                }
            }
        }
        // X labels.
        let minutes = self.window.as_secs() / 60;
        let axis = Style::default().fg(Color::Gray);
        let y = plot.bottom();
        buf.set_string(plot.x, y, format!("-{minutes} min"), axis);
        if plot.width > 30 {
            let mid = plot.x + plot.width / 2 - 4;
            buf.set_string(mid, y, format!("-{} min", minutes as f64 / 2.0), axis);
        }
        buf.set_string(plot.right().saturating_sub(3), y, "now", axis);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::dashboard::state::tests::{t0, zones};

    fn symbols(buf: &Buffer, area: Rect) -> String {
        area.rows()
            .map(|row| {
                row.columns()
                    .map(|p| buf[(p.x, p.y)].symbol().to_owned())
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn big_digits_are_drawn_in_blocks() {
        let area = Rect::new(0, 0, 22, 5);
        let mut buf = Buffer::empty(area);
        BigText::new("120", Style::default().fg(Color::Red)).render(area, &mut buf);
        assert_eq!(
            symbols(&buf, area),
            [
                "  ██    ██████  ██████",
                "████        ██  ██  ██",
                "  ██    ██████  ██  ██",
                "  ██    ██      ██  ██",
                "██████  ██████  ██████",
            ]
            .join("\n")
        );
        assert_eq!(buf[(2, 0)].fg, Color::Red);
        assert_eq!(BigText::size("120", 1), (22, 5));
        assert_eq!(BigText::size("120", 2), (44, 10));
        assert_eq!(BigText::fit("120", 50, 12, 3), Some(2));
        assert_eq!(BigText::fit("120", 10, 12, 3), None);
    }

    #[test]
    fn big_text_clips_to_its_area() {
        let area = Rect::new(0, 0, 5, 2);
        let mut buf = Buffer::empty(area);
        BigText::new("PAUSED", Style::default())
            .scale(3)
            .render(area, &mut buf);
        assert_eq!(symbols(&buf, area), "█████\n█████");
    }

    #[test]
    fn zone_bars_fill_their_share() {
        let line = zone_bar(TalkZone::Moderate, Duration::from_secs(754), 0.5, 40, true);
        let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
        assert_eq!(text.chars().count(), 40);
        assert!(text.starts_with("▸Moderate   "), "{text}");
        assert!(text.ends_with("   12:34"), "{text}");
        // 40 - 12 - 8 = 20 cells of bar, half of them full.
        assert_eq!(text.matches('█').count(), 10);
        assert_eq!(clock(Duration::from_secs(3723)), "1:02:03");
    }

    #[test]
    fn chart_draws_columns_in_the_zone_colour_and_never_panics() {
        let points: VecDeque<HrPoint> = (0..300)
            .map(|s| HrPoint {
                t: t0() + TimeDelta::seconds(s),
                hr: 120,
            })
            .collect();
        let zones = zones();
        for (w, h) in [(60, 12), (7, 3), (1, 1), (0, 0)] {
            let area = Rect::new(0, 0, w, h);
            let mut buf = Buffer::empty(area);
            HrChart {
                points: &points,
                zones: &zones,
                end: Some(t0() + TimeDelta::seconds(299)),
                window: Duration::from_secs(300),
                laps: vec![t0() + TimeDelta::seconds(150)],
            }
            .render(area, &mut buf);
            if w == 60 {
                let moderate = zone_color(TalkZone::Moderate);
                let drawn = area
                    .positions()
                    .filter(|p| {
                        let c = &buf[(p.x, p.y)];
                        matches!(c.symbol(), "▀" | "▄" | "█") && c.fg == moderate
                    })
                    .count();
                assert!(drawn >= 50, "{drawn}");
                assert!(symbols(&buf, area).contains("now"));
            }
        }
    }
}
