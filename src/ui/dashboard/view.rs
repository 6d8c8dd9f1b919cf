//! Draws the live screen from the state: [`render`] only reads the [`App`] and the session's
//! running numbers ([`LiveNumbers`]) and writes into the frame; it never changes state, reads
//! the clock or touches the terminal.
//!
//! The layout is worked out from the frame's size on every draw, so a resize needs nothing
//! else. From 80x24 up (at 36 rows and 100 columns the heart rate doubles in size):
//!
//! ```text
//! link · strap · battery · source                          elapsed · active
//! ███ ███ ███                          ▸Moderate   ██████████····    12:34
//! big heart rate, zone colour    bpm    (time in each zone, 5 bars)
//! Moderate: you can talk, not sing      Session  23 moderate-eq min
//! RMSSD 42 ms                           Week    123 / 150 min ███····
//! alpha1 0.82: below your aerobic threshold (grey when the window is unreliable)
//! Target Moderate ▲ ease off: you should be able to talk in full sentences
//! warnings: contact, link, no data
//! ┌ Heart rate, last 5 min ─────────────────────────────────────────────┐
//! │ chart on the zone bands (PAUSED drawn big over it while paused)     │
//! └─────────────────────────────────────────────────────────────────────┘
//! q quit · p pause · l lap · ? help                         lap 2 at 12:03
//! ```
//!
//! Below 80x24 only a "make the window at least 80x24" message is drawn.

use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};
use ratatui::Frame;

use crate::event::LossReason;
use crate::physiology::dfa::meaning;
use crate::physiology::live::{LiveNumbers, TargetCue, WEEK_GOAL_MIN};
use crate::physiology::zones::TalkZone;

use super::state::{App, LinkState};
use super::widgets::{clock, progress_bar, zone_bar, zone_color, BigText, HrChart};

/// The smallest frame the dashboard is laid out for.
pub const MIN_WIDTH: u16 = 80;
/// The smallest frame the dashboard is laid out for.
pub const MIN_HEIGHT: u16 = 24;

const DIM: Style = Style::new().fg(Color::Gray);
const UNRELIABLE: Style = Style::new().fg(Color::DarkGray);
const WARN: Style = Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD);

/// Draws the whole screen for `app` and the session's numbers `live` into `frame`.
pub fn render(app: &App, live: &LiveNumbers, frame: &mut Frame) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        too_small(frame, area);
        return;
    }
    let large = area.width >= 100 && area.height >= 36;
    let scale_max = if large { 2 } else { 1 };
    let top_h = 5 * scale_max + 2;
    let [header, top, alpha1, cue, warnings, chart, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(top_h),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(6),
        Constraint::Length(1),
    ])
    .areas(area);
    let right_w = (area.width / 2).min(56);
    let [left, right] =
        Layout::horizontal([Constraint::Fill(1), Constraint::Length(right_w)]).areas(top);

    draw_header(app, live, frame, header);
    draw_heart_rate(app, live, frame, left, scale_max);
    draw_zones(app, live, frame, right);
    frame.render_widget(Paragraph::new(alpha1_line(app, live)), alpha1);
    frame.render_widget(Paragraph::new(cue_line(app)), cue);
    frame.render_widget(Paragraph::new(warning_line(app)), warnings);
    draw_chart(app, frame, chart, area.width >= 110);
    draw_footer(app, frame, footer);
    if app.paused() {
        draw_paused(frame, chart);
    }
    if app.show_help() {
        draw_help(app, frame, area);
    }
}

fn too_small(frame: &mut Frame, area: Rect) {
    let text = vec![
        Line::from(format!("make the window at least {MIN_WIDTH}x{MIN_HEIGHT}")),
        Line::from(format!("(now {}x{})", area.width, area.height)),
        Line::from("q quits"),
    ];
    let y = area.height.saturating_sub(3) / 2;
    let inner = Rect {
        y: area.y + y,
        height: area.height - y,
        ..area
    };
    frame.render_widget(
        Paragraph::new(text)
            .alignment(Alignment::Center)
            .wrap(Wrap { trim: true }),
        inner,
    );
}

fn draw_header(app: &App, live: &LiveNumbers, frame: &mut Frame, area: Rect) {
    let mut right = vec![
        Span::styled("elapsed ", DIM),
        Span::styled(
            clock(app.elapsed()),
            Style::new().add_modifier(Modifier::BOLD),
        ),
        Span::styled("  active ", DIM),
        Span::styled(
            clock(live.active_time()),
            Style::new().add_modifier(Modifier::BOLD),
        ),
    ];
    if app.paused() {
        right.insert(0, Span::styled("PAUSED  ", WARN));
    }
    let right = Line::from(right);
    // One cell more than the text, so the two sides never run into each other.
    let right_w = u16::try_from(right.width() + 1)
        .unwrap_or(u16::MAX)
        .min(area.width);

    let link = match app.link() {
        LinkState::Waiting => Span::styled("○ waiting for data", DIM),
        LinkState::Connected => Span::styled(
            "● connected",
            Style::new().fg(Color::Green).add_modifier(Modifier::BOLD),
        ),
        LinkState::Reconnecting { .. } => Span::styled(
            format!(
                "● reconnecting {}",
                clock(app.gap_so_far().unwrap_or_default())
            ),
            WARN,
        ),
    };
    // The rest of the left side in display order, each with its rank (0 = most important):
    // whatever does not fit whole is left out, least important first.
    let mut extras: Vec<(u8, Span<'static>)> = Vec::new();
    if let Some(device) = app.device() {
        let name = device.name.as_deref().unwrap_or(&device.address);
        extras.push((1, Span::raw(name.to_owned())));
        if let Some(b) = device.battery_percent {
            let style = if b <= 15 { WARN } else { Style::new() };
            extras.push((0, Span::styled(format!("battery {b}%"), style)));
        }
    }
    extras.push((2, Span::styled(app.settings().source_label.clone(), DIM)));
    let room = usize::from(area.width.saturating_sub(right_w));
    let mut used = link.width();
    let mut keep = vec![false; extras.len()];
    for rank in 0..3 {
        for (i, (r, span)) in extras.iter().enumerate() {
            if *r == rank && used + 3 + span.width() <= room {
                used += 3 + span.width();
                keep[i] = true;
            }
        }
    }
    let mut left = vec![link];
    for ((_, span), keep) in extras.into_iter().zip(keep) {
        if keep {
            left.push(Span::styled(" · ", DIM));
            left.push(span);
        }
    }

    let [l, r] = Layout::horizontal([Constraint::Fill(1), Constraint::Length(right_w)]).areas(area);
    frame.render_widget(Paragraph::new(Line::from(left)), l);
    frame.render_widget(Paragraph::new(right).alignment(Alignment::Right), r);
}

fn draw_heart_rate(app: &App, live: &LiveNumbers, frame: &mut Frame, area: Rect, scale_max: u16) {
    let [digits, zone_row, hrv_row] = Layout::vertical([
        Constraint::Length(5 * scale_max),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    let hr = app.heart_rate();
    let text = hr.map_or_else(|| "--".to_owned(), |hr| hr.to_string());
    let colour = app.zone().map_or(Color::DarkGray, zone_color);
    // Leave room for " bpm" beside the digits.
    let room = digits.width.saturating_sub(5);
    if let Some(scale) = BigText::fit(&text, room, digits.height, scale_max) {
        let (w, h) = BigText::size(&text, scale);
        let at = Rect {
            width: w,
            height: h,
            ..digits
        };
        frame.render_widget(
            BigText::new(&text, Style::new().fg(colour)).scale(scale),
            at,
        );
        let unit = Rect {
            x: at.right() + 1,
            y: at.bottom().saturating_sub(1),
            width: 3,
            height: 1,
        };
        frame.render_widget(Paragraph::new(Span::styled("bpm", DIM)), unit);
    }

    let zone_line = match app.zone() {
        Some(zone) => {
            let style = Style::new().fg(zone_color(zone));
            let mut spans = vec![
                Span::styled(zone.label(), style.add_modifier(Modifier::BOLD)),
                Span::styled(": ", style),
                Span::styled(zone.cue(), style),
            ];
            // Where the zones came from, when the row has room (the chart's title always says it).
            if let Some(from) = &app.settings().zones_from {
                let used: usize = spans.iter().map(|s| s.content.chars().count()).sum();
                let extra = format!(" ({from})");
                if used + extra.chars().count() <= usize::from(zone_row.width) {
                    spans.push(Span::styled(extra, DIM));
                }
            }
            Line::from(spans)
        }
        None => Line::styled("no fresh heart rate", DIM),
    };
    frame.render_widget(Paragraph::new(zone_line), zone_row);

    let hrv = match app.live_rmssd_ms(live) {
        Some(ms) => Line::from(vec![
            Span::styled("RMSSD ", DIM),
            Span::styled(
                format!("{ms:.0} ms"),
                Style::new().add_modifier(Modifier::BOLD),
            ),
            Span::styled(" over the last minute", DIM),
        ]),
        None if live.rr_seen() => Line::styled("RMSSD -- (collecting beats)", DIM),
        None => Line::styled("RMSSD -- (no RR intervals from the strap yet)", DIM),
    };
    frame.render_widget(Paragraph::new(hrv), hrv_row);
}

/// "alpha1 0.82: below your aerobic threshold" (docs/science.md §9); grey with the artifact
/// share when the window is unreliable; what is missing before the first window.
fn alpha1_line(app: &App, live: &LiveNumbers) -> Line<'static> {
    let Some(w) = app.live_alpha1(live) else {
        return if !live.rr_seen() {
            Line::styled("alpha1 -- (no RR intervals from the strap yet)", DIM)
        } else {
            Line::styled("alpha1 -- (needs 2 min of beats)", DIM)
        };
    };
    let share = w.artifact_share * 100.0;
    match w.alpha1 {
        Some(a) if w.reliable => Line::from(vec![
            Span::styled("alpha1 ", DIM),
            Span::styled(format!("{a:.2}"), Style::new().add_modifier(Modifier::BOLD)),
            Span::raw(format!(": {}", meaning(a))),
        ]),
        Some(a) => Line::styled(
            format!("alpha1 {a:.2} unreliable: {share:.0} % artifacts (over 5 %)"),
            UNRELIABLE,
        ),
        None => Line::styled(
            format!("alpha1 -- too few clean beats ({share:.0} % artifacts)"),
            UNRELIABLE,
        ),
    }
}

fn draw_zones(app: &App, live: &LiveNumbers, frame: &mut Frame, area: Rect) {
    let times = live.time_in_zones();
    let active = live.active_time().as_secs_f64();
    let target = app.settings().target;
    let mut lines = Vec::new();
    if area.height >= 9 {
        lines.push(Line::styled("Time in zones", DIM));
    }
    for zone in TalkZone::ALL.into_iter().rev() {
        let t = *times.get(zone);
        let share = if active > 0.0 {
            t.as_secs_f64() / active
        } else {
            0.0
        };
        lines.push(zone_bar(zone, t, share, area.width, zone == target));
    }
    if area.height >= 9 {
        lines.push(Line::default());
    }
    lines.push(Line::from(vec![
        Span::styled(" Session ", DIM),
        Span::styled(
            format!("{:.0}", live.moderate_equivalent_min()),
            Style::new().add_modifier(Modifier::BOLD),
        ),
        Span::styled(" moderate-eq min (vigorous x2)", DIM),
    ]));
    let week = live.week_total_min();
    let done = week >= WEEK_GOAL_MIN;
    let numbers = format!(" Week {week:.0} / {WEEK_GOAL_MIN:.0} min ");
    let bar_w = area
        .width
        .saturating_sub(u16::try_from(numbers.chars().count()).unwrap_or(u16::MAX) + 2);
    let colour = if done {
        Color::Green
    } else {
        zone_color(TalkZone::Moderate)
    };
    let mut week_line = vec![Span::styled(
        numbers,
        Style::new().add_modifier(Modifier::BOLD),
    )];
    week_line.extend(progress_bar(live.week_progress(), bar_w, colour));
    if done {
        week_line.push(Span::styled(" ✓", Style::new().fg(Color::Green)));
    }
    lines.push(Line::from(week_line));
    frame.render_widget(Paragraph::new(lines), area);
}

fn cue_line(app: &App) -> Line<'static> {
    let target = app.settings().target;
    let head = Span::styled(
        format!("Target {} ", target.label()),
        Style::new()
            .fg(zone_color(target))
            .add_modifier(Modifier::BOLD),
    );
    match app.target_cue() {
        Some(TargetCue::Above(cue)) => Line::from(vec![
            head,
            Span::styled(
                format!("▲ {cue}"),
                Style::new()
                    .fg(Color::LightYellow)
                    .add_modifier(Modifier::BOLD),
            ),
        ]),
        Some(TargetCue::Below(cue)) => Line::from(vec![
            head,
            Span::styled(
                format!("▼ {cue}"),
                Style::new()
                    .fg(Color::LightCyan)
                    .add_modifier(Modifier::BOLD),
            ),
        ]),
        Some(TargetCue::OnTarget) => Line::from(vec![
            head,
            Span::styled(
                format!("✓ on target: {}", target.cue()),
                Style::new().fg(Color::LightGreen),
            ),
        ]),
        None => Line::from(vec![head, Span::styled(format!("({})", target.cue()), DIM)]),
    }
}

fn warning_line(app: &App) -> Line<'static> {
    let mut parts: Vec<String> = Vec::new();
    match app.link() {
        LinkState::Reconnecting { reason, .. } => parts.push(format!(
            "{}: reconnecting ({} so far); the session goes on",
            match reason {
                LossReason::ServiceLost => "the Bluetooth service went away",
                _ => "strap link lost",
            },
            clock(app.gap_so_far().unwrap_or_default())
        )),
        LinkState::Waiting => parts.push("waiting for the strap...".to_owned()),
        LinkState::Connected => {
            if let Some(silent) = app.silent_for() {
                parts.push(format!("no reading for {} s", silent.as_secs()));
            }
        }
    }
    if let Some(w) = app.contact_warning() {
        parts.push(w.to_owned());
    }
    if app.paused() {
        parts.push(format!(
            "paused {}: p resumes (paused time is not counted)",
            clock(app.paused_total())
        ));
    }
    if parts.is_empty() {
        if let Some(gap) = app.last_gap() {
            return Line::styled(format!("reconnected after a {} gap", clock(gap)), DIM);
        }
        return Line::default();
    }
    Line::styled(parts.join(" · "), WARN)
}

fn draw_chart(app: &App, frame: &mut Frame, area: Rect, ten_minutes: bool) {
    let minutes = if ten_minutes { 10 } else { 5 };
    let from = app
        .settings()
        .zones_from
        .as_ref()
        .map(|f| format!("· zones from {f} "))
        .unwrap_or_default();
    let block = Block::bordered().border_style(DIM).title(Span::styled(
        format!(" Heart rate, last {minutes} min {from}"),
        DIM,
    ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    frame.render_widget(
        HrChart {
            points: app.history(),
            zones: &app.settings().zones,
            end: app.chart_now(),
            window: std::time::Duration::from_secs(minutes * 60),
            laps: app.laps().iter().filter_map(|l| l.reading_t).collect(),
        },
        inner,
    );
}

fn draw_footer(app: &App, frame: &mut Frame, area: Rect) {
    let key = |k: &'static str| Span::styled(k, Style::new().add_modifier(Modifier::BOLD));
    let keys = Line::from(vec![
        key("q"),
        Span::styled(" quit  ", DIM),
        key("p"),
        Span::styled(
            if app.paused() {
                " resume  "
            } else {
                " pause  "
            },
            DIM,
        ),
        key("l"),
        Span::styled(" lap  ", DIM),
        key("?"),
        Span::styled(" help", DIM),
    ]);
    let mut status = Vec::new();
    if let Some(lap) = app.laps().last() {
        status.push(format!("lap {} at {}", lap.number, clock(lap.elapsed)));
    }
    if app.bad_packets() > 0 {
        status.push(format!("{} bad packets skipped", app.bad_packets()));
    }
    let status = Line::styled(status.join(" · "), DIM);
    let status_w = u16::try_from(status.width())
        .unwrap_or(u16::MAX)
        .min(area.width / 2);
    let [l, r] =
        Layout::horizontal([Constraint::Fill(1), Constraint::Length(status_w)]).areas(area);
    frame.render_widget(Paragraph::new(keys), l);
    frame.render_widget(Paragraph::new(status).alignment(Alignment::Right), r);
}

/// "PAUSED" in big letters over the middle of `area`.
fn draw_paused(frame: &mut Frame, area: Rect) {
    const TEXT: &str = "PAUSED";
    let Some(scale) = BigText::fit(
        TEXT,
        area.width.saturating_sub(4),
        area.height.saturating_sub(2),
        2,
    ) else {
        frame.render_widget(Paragraph::new(Span::styled("PAUSED", WARN)), area);
        return;
    };
    let (w, h) = BigText::size(TEXT, scale);
    let boxed = centred(area, w + 4, h + 2);
    frame.render_widget(Clear, boxed);
    let block = Block::bordered()
        .border_style(WARN)
        .title(Span::styled(" PAUSED · p resumes ", WARN));
    let inner = block.inner(boxed);
    frame.render_widget(block, boxed);
    let text_area = Rect {
        x: inner.x + 1,
        width: w,
        height: h,
        ..inner
    }
    .intersection(inner);
    frame.render_widget(
        BigText::new(TEXT, Style::new().fg(Color::Yellow)).scale(scale),
        text_area,
    );
}

fn draw_help(app: &App, frame: &mut Frame, area: Rect) {
    let key = |k: &'static str, what: &'static str| {
        Line::from(vec![
            Span::styled(
                format!("  {k:<12}"),
                Style::new().add_modifier(Modifier::BOLD),
            ),
            Span::raw(what),
        ])
    };
    let zones = &app.settings().zones;
    let mut lines = vec![
        key("q, Ctrl-C", "end the session and show its summary"),
        key("p", "pause / resume (paused time is not counted)"),
        key("l", "mark a lap"),
        key("?, Esc", "close this help"),
        Line::default(),
        Line::styled("  Zones: the talk test", DIM),
    ];
    for zone in TalkZone::ALL {
        // Whole beats per minute in the zone: thresholds are real numbers (115.2 starts
        // moderate, so 115 is light and 116 moderate).
        let from = zones.min_bpm(zone).ceil();
        let range = match zones.max_bpm(zone) {
            Some(to) if zone == TalkZone::VeryLight => format!("below {:.0}", to.ceil()),
            Some(to) => format!("{from:.0}-{:.0}", to.ceil() - 1.0),
            None => format!("{from:.0} and up"),
        };
        lines.push(Line::from(vec![
            Span::styled(
                format!("  {:<11}", zone.label()),
                Style::new()
                    .fg(zone_color(zone))
                    .add_modifier(Modifier::BOLD),
            ),
            Span::styled(format!("{range:<12}"), DIM),
            Span::raw(zone.cue()),
        ]));
    }
    let height = u16::try_from(lines.len()).unwrap_or(u16::MAX) + 2;
    let boxed = centred(area, 64, height);
    frame.render_widget(Clear, boxed);
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::bordered()
                .title(" Help · ? closes ")
                .border_style(Style::new().fg(Color::White)),
        ),
        boxed,
    );
}

/// A `width` x `height` rectangle in the middle of `area` (clipped to it).
fn centred(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{DeviceInfo, LinkEvent};
    use crate::reading::Contact;
    use crate::ui::dashboard::state::tests::{link, reading, reading_with, tick, Screen};
    use crate::ui::dashboard::state::{DashboardSettings, Event, KeyInput};
    use crate::ui::dashboard::widgets::lit_pixels;
    use ratatui::backend::TestBackend;
    use ratatui::buffer::Buffer;
    use ratatui::Terminal;

    fn draw(s: &Screen, width: u16, height: u16) -> Buffer {
        let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
        terminal.draw(|f| render(&s.app, &s.live, f)).unwrap();
        terminal.backend().buffer().clone()
    }

    fn text(buf: &Buffer) -> String {
        buf.area
            .rows()
            .map(|row| {
                row.columns()
                    .map(|p| buf[(p.x, p.y)].symbol().to_owned())
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Cells of the big heart-rate digits: block cells in the top-left panel.
    fn digit_cells(buf: &Buffer, scale: u16) -> Vec<Color> {
        let panel = Rect::new(0, 1, buf.area.width / 2, 5 * scale);
        panel
            .positions()
            .map(|p| &buf[(p.x, p.y)])
            .filter(|c| c.symbol() == "█")
            .map(|c| c.fg)
            .collect()
    }

    /// A session at 130 bpm (moderate), connected to a strap with a battery.
    fn moderate_app() -> Screen {
        moderate_app_with(Screen::new())
    }

    fn moderate_app_with(mut app: Screen) -> Screen {
        app.send(link(LinkEvent::Connected(DeviceInfo {
            name: Some("Polar H10 1234".into()),
            address: "AA:BB".into(),
            battery_percent: Some(80),
            body_location: None,
        })));
        for s in 0..120 {
            app.send(tick(s * 1000));
            app.send(reading_with(
                s as i64 * 1000,
                130,
                Contact::Detected,
                vec![800, 820],
            ));
        }
        app.send(tick(120_000));
        app
    }

    #[test]
    fn the_cue_says_where_talk_test_zones_came_from() {
        let app = moderate_app_with(Screen::with_settings(DashboardSettings {
            zones_from: Some("your talk test of 12 Nov".into()),
            ..crate::ui::dashboard::state::tests::settings()
        }));
        // At 80x24 the chart's title says it; at 120x40 the zone's cue too.
        let screen = text(&draw(&app, 80, 24));
        assert!(
            screen.contains("Heart rate, last 5 min · zones from your talk test of 12 Nov"),
            "{screen}"
        );
        let wide = text(&draw(&app, 120, 40));
        let row = wide
            .lines()
            .find(|l| l.contains("Moderate: you can talk, not sing"))
            .unwrap_or("");
        assert!(row.contains("(your talk test of 12 Nov)"), "{wide}");
        let plain = text(&draw(&moderate_app(), 80, 24));
        assert!(!plain.contains("talk test of"), "{plain}");
    }

    #[test]
    fn shows_heart_rate_zone_and_cue_at_80x24_and_120x40() {
        let app = moderate_app();
        let moderate = zone_color(TalkZone::Moderate);
        for (w, h, scale) in [(80, 24, 1), (120, 40, 2)] {
            let buf = draw(&app, w, h);
            let screen = text(&buf);
            for expected in [
                "Moderate",
                "you can talk, not sing",
                "bpm",
                "connected",
                "Polar H10 1234",
                "battery 80%",
                "elapsed 2:00",
                "active 1:59",
                "Target Moderate",
                "on target",
                "RMSSD",
                "Week 102 / 150 min",
                "Heart rate, last",
                "q quit",
            ] {
                assert!(
                    screen.contains(expected),
                    "{w}x{h}: {expected:?} in\n{screen}"
                );
            }
            let cells = digit_cells(&buf, scale);
            let per_pixel = usize::from(2 * scale * scale);
            assert_eq!(cells.len(), lit_pixels("130") * per_pixel, "{w}x{h}");
            assert!(cells.iter().all(|c| *c == moderate), "{w}x{h}");
        }
    }

    /// 150 s of readings at 140 bpm whose RR (1/1024 s) wander by a few ticks (a small LCG),
    /// with one beat in 8 lengthened by about 16 % (`jumpy`: 12.5 % artifacts, shown as 12 %:
    /// `{:.0}` rounds half to even).
    fn alpha1_app(jumpy: bool) -> Screen {
        let mut app = Screen::new();
        let mut x: u32 = 12345;
        for s in 0..150 {
            app.send(tick(s * 1000));
            let rr = (0..2)
                .map(|i| {
                    x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                    let rr = 435 + ((x >> 16) % 10) as u16;
                    if jumpy && (s * 2 + i) % 8 == 5 {
                        rr + 70
                    } else {
                        rr
                    }
                })
                .collect();
            app.send(reading_with(s as i64 * 1000, 140, Contact::Detected, rr));
        }
        app.send(tick(150_000));
        app
    }

    fn row_with<'a>(screen: &'a str, needle: &str) -> &'a str {
        screen.lines().find(|l| l.contains(needle)).unwrap_or("")
    }

    #[test]
    fn alpha1_is_shown_with_its_meaning_once_two_minutes_of_beats_exist() {
        let app = alpha1_app(false);
        let w = app.live.alpha1().expect("a window after 120 s");
        let a = w.alpha1.expect("an alpha1");
        assert!(w.reliable, "{w:?}");
        for (width, height) in [(80, 24), (120, 40)] {
            let screen = text(&draw(&app, width, height));
            let row = row_with(&screen, "alpha1");
            assert!(
                row.contains(&format!("alpha1 {a:.2}: {}", meaning(a))),
                "{width}x{height}: {row:?} in\n{screen}"
            );
        }
        // Before 120 s of beats: what is missing.
        let mut early = Screen::new();
        early.send(reading_with(0, 140, Contact::Detected, vec![440]));
        assert!(text(&draw(&early, 80, 24)).contains("alpha1 -- (needs 2 min of beats)"));
        let mut no_rr = Screen::new();
        no_rr.send(reading(0, 140));
        assert!(
            text(&draw(&no_rr, 80, 24)).contains("alpha1 -- (no RR intervals from the strap yet)")
        );
    }

    #[test]
    fn an_unreliable_alpha1_window_is_greyed_with_its_artifact_share() {
        let app = alpha1_app(true);
        let w = app.live.alpha1().expect("a window after 120 s");
        assert!(!w.reliable, "{w:?}");
        let buf = draw(&app, 80, 24);
        let screen = text(&buf);
        let y = screen
            .lines()
            .position(|l| l.contains("alpha1"))
            .expect("an alpha1 row") as u16;
        let row = row_with(&screen, "alpha1");
        let a = w.alpha1.expect("an alpha1 from the clean beats");
        assert!(
            row.contains(&format!(
                "alpha1 {a:.2} unreliable: 12 % artifacts (over 5 %)"
            )),
            "{row:?} {w:?}"
        );
        let x = row.find("alpha1").unwrap_or(0) as u16;
        assert_eq!(buf[(x, y)].fg, Color::DarkGray, "{row:?}");
    }

    #[test]
    fn vigorous_digits_take_the_vigorous_colour_and_the_ease_off_cue() {
        let mut app = Screen::new();
        app.send(reading(0, 150));
        let buf = draw(&app, 80, 24);
        let cells = digit_cells(&buf, 1);
        assert_eq!(cells.len(), lit_pixels("150") * 2);
        assert!(cells.iter().all(|c| *c == zone_color(TalkZone::Vigorous)));
        let screen = text(&buf);
        assert!(screen.contains("Vigorous: only a few words"), "{screen}");
        assert!(screen.contains("ease off: you should be able to talk in full sentences"));
    }

    #[test]
    fn a_lost_link_shows_dashes_and_reconnecting() {
        let mut app = moderate_app();
        app.send(link(LinkEvent::Lost {
            reason: LossReason::Watchdog,
        }));
        app.send(tick(132_000));
        let buf = draw(&app, 80, 24);
        let screen = text(&buf);
        assert!(screen.contains("reconnecting"), "{screen}");
        // No data since the last reading arrived at 119 s.
        assert!(screen.contains("0:13"), "{screen}");
        assert!(screen.contains("no fresh heart rate"), "{screen}");
        assert!(!screen.contains("on target"), "{screen}");
        let cells = digit_cells(&buf, 1);
        assert_eq!(cells.len(), lit_pixels("--") * 2, "{screen}");
        assert!(cells.iter().all(|c| *c == Color::DarkGray));
    }

    #[test]
    fn a_silent_strap_shows_dashes_after_three_seconds() {
        let mut app = moderate_app();
        app.send(tick(122_500));
        let buf = draw(&app, 80, 24);
        assert_eq!(digit_cells(&buf, 1).len(), lit_pixels("--") * 2);
        assert!(text(&buf).contains("no reading for 3 s"));
    }

    #[test]
    fn paused_is_shown_big() {
        let mut app = moderate_app();
        app.send(Event::Key(KeyInput::PauseResume));
        for (w, h, scale) in [(80, 24, 1), (120, 40, 2)] {
            let screen = text(&draw(&app, w, h));
            assert!(screen.contains("PAUSED"), "{screen}");
            assert!(screen.contains("p resumes"), "{screen}");
            // The big letters' top row: P, A, U (3 pixels, 3, then 1 + gap + 1).
            let (px, gap) = ("█".repeat(2 * scale), " ".repeat(2 * scale));
            let top = format!("{0}{0}{0}{1}{0}{0}{0}{1}{0}{1}{0}", px, gap);
            assert!(screen.contains(&top), "{w}x{h}:\n{screen}");
        }
    }

    #[test]
    fn help_overlay_toggles() {
        let mut app = moderate_app();
        assert!(!text(&draw(&app, 80, 24)).contains("mark a lap"));
        app.send(Event::Key(KeyInput::ToggleHelp));
        let screen = text(&draw(&app, 80, 24));
        assert!(screen.contains("Help"), "{screen}");
        assert!(screen.contains("mark a lap"), "{screen}");
        assert!(screen.contains("end the session"), "{screen}");
        assert!(screen.contains("you can't talk"), "{screen}");
        app.send(Event::Key(KeyInput::ToggleHelp));
        assert!(!text(&draw(&app, 80, 24)).contains("mark a lap"));
    }

    #[test]
    fn contact_warning_laps_and_bad_packets_are_shown() {
        let mut app = moderate_app();
        app.send(Event::Key(KeyInput::Lap));
        app.send(reading_with(121_000, 0, Contact::NotDetected, vec![]));
        let screen = text(&draw(&app, 80, 24));
        assert!(
            screen.contains("no skin contact: wet the electrodes"),
            "{screen}"
        );
        assert!(screen.contains("lap 1 at 2:00"), "{screen}");
    }

    #[test]
    fn small_frames_ask_for_room_and_never_panic() {
        let app = moderate_app();
        let screen = text(&draw(&app, 40, 10));
        assert!(screen.contains("make the window at least"), "{screen}");
        assert!(screen.contains("80x24"), "{screen}");
        for (w, h) in [
            (79, 24),
            (80, 23),
            (1, 1),
            (0, 0),
            (200, 24),
            (80, 60),
            (300, 100),
        ] {
            let mut app = moderate_app();
            app.send(Event::Key(KeyInput::PauseResume));
            app.send(Event::Key(KeyInput::ToggleHelp));
            draw(&app, w, h);
        }
        // Before any data.
        let fresh = Screen::new();
        let screen = text(&draw(&fresh, 80, 24));
        assert!(screen.contains("waiting"), "{screen}");
    }
}
