//! The calibration's full-screen panel, split like the live dashboard: the [`Panel`] state
//! (what is on screen), updated by pure methods from the protocol's steps, the readings, link
//! changes and keys; and [`render`], which only draws it. No terminal here, so it is tested
//! with ratatui's `TestBackend`.
//!
//! On screen: the stage and the time left in it (on the readings' clock), the heart rate in big
//! digits, the stage's instruction and the workload typed for it, the passage in the stage's
//! last 30 s (kept, with the question under it, until the question is answered), the answer
//! keys (1 yes, 2 not quite, 3 no; y/n for singing), `w` to type the workload, `q` to stop.

use std::time::Duration;

use chrono::{DateTime, Utc};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};
use ratatui::Frame;

use super::words::{self, Modality};
use crate::event::LinkEvent;
use crate::physiology::talk_test::{parse_answer, Answer, Ask, Question, Step, TalkTest};
use crate::ui::dashboard::widgets::{clock, BigText};
use crate::ui::lines::human_duration;

const DIM: Style = Style::new().fg(Color::Gray);
const WARN: Style = Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD);
const BOLD: Style = Style::new().add_modifier(Modifier::BOLD);

/// What a key asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyAction {
    Answer(Answer),
    /// A workload was typed and confirmed with Enter.
    Workload(String),
    /// `q`: stop the test.
    Stop,
    /// Nothing for the session (the screen may have changed).
    Nothing,
}

/// What the panel shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    modality: Modality,
    hr: Option<u16>,
    last_t: Option<DateTime<Utc>>,
    warmup: Option<(DateTime<Utc>, DateTime<Utc>)>,
    stage: Option<(u32, DateTime<Utc>, DateTime<Utc>)>,
    read_aloud: Option<u32>,
    question: Option<Question>,
    /// The workload being typed (after `w`).
    typing: Option<String>,
    /// The workload last typed.
    workload: Option<String>,
    /// The strap's state, a stage's gap.
    note: Option<String>,
}

impl Panel {
    pub fn new(modality: Modality) -> Self {
        Panel {
            modality,
            hr: None,
            last_t: None,
            warmup: None,
            stage: None,
            read_aloud: None,
            question: None,
            typing: None,
            workload: None,
            note: None,
        }
    }

    /// A reading at `t` (`hr` `None`: no signal).
    pub fn reading(&mut self, t: DateTime<Utc>, hr: Option<u16>) {
        self.last_t = Some(t);
        self.hr = hr;
    }

    /// The protocol's steps, and the test after them.
    pub fn steps(&mut self, steps: &[Step], test: &TalkTest) {
        for step in steps {
            match step {
                Step::WarmUp { start, end } => self.warmup = Some((*start, *end)),
                Step::StageStarted { stage, start, end } => {
                    self.stage = Some((*stage, *start, *end));
                    self.workload = None;
                }
                Step::ReadAloud { stage } => self.read_aloud = Some(*stage),
                Step::Ask(q) if q.ask == Ask::Speak => {
                    let gap = test
                        .stages()
                        .iter()
                        .find(|s| s.stage == q.stage)
                        .map_or(0.0, |s| s.gap_s);
                    if gap > 0.0 {
                        self.note = Some(format!(
                            "stage {}: {gap:.0} s without data while reading; its heart rate is \
                             from what arrived",
                            q.stage
                        ));
                    }
                }
                Step::Ask(_) | Step::Lap(_) | Step::Finished(_) => {}
            }
        }
        self.question = test.question();
    }

    /// A link change.
    pub fn link(&mut self, event: &LinkEvent) {
        self.note = match event {
            LinkEvent::Lost { .. } => Some("strap lost, reconnecting...".into()),
            LinkEvent::Reconnected { gap } => Some(format!("back after {}", human_duration(*gap))),
            LinkEvent::Connected(_) => None,
        };
    }

    /// Esc: stop typing a workload.
    pub fn dismiss(&mut self) {
        self.typing = None;
    }

    /// A character key (Enter `'\n'`, Backspace `'\u{8}'`).
    pub fn key(&mut self, c: char) -> KeyAction {
        if let Some(text) = self.typing.as_mut() {
            match c {
                '\n' => {
                    let text = self.typing.take().unwrap_or_default();
                    self.workload = Some(text.clone());
                    return KeyAction::Workload(text);
                }
                '\u{8}' => {
                    text.pop();
                }
                c if !c.is_control() && text.chars().count() < 40 => text.push(c),
                _ => {}
            }
            return KeyAction::Nothing;
        }
        match c {
            'q' | 'Q' => KeyAction::Stop,
            'w' | 'W' => {
                self.typing = Some(String::new());
                KeyAction::Nothing
            }
            c => match self.question {
                Some(q) => parse_answer(q.ask, &c.to_string())
                    .map_or(KeyAction::Nothing, KeyAction::Answer),
                None => KeyAction::Nothing,
            },
        }
    }

    /// The passage on screen: the question's stage's while a question waits, else the current
    /// stage's in its last 30 s.
    fn passage(&self) -> Option<&'static str> {
        match (self.question, self.stage, self.read_aloud) {
            (Some(q), _, _) => Some(words::passage(q.stage)),
            (None, Some((n, _, _)), Some(r)) if n == r => Some(words::passage(n)),
            _ => None,
        }
    }

    /// "stage 3 · 1:12 left", "warm-up · 2:30 left" or "waiting for the first heart beat".
    fn header(&self) -> String {
        let left = |end: DateTime<Utc>| {
            let left = self
                .last_t
                .map(|t| (end - t).to_std().unwrap_or(Duration::ZERO))
                .unwrap_or_default();
            format!("{} left", clock(left))
        };
        match (self.stage, self.warmup) {
            (Some((n, _, end)), _) => format!("stage {n} · {}", left(end)),
            (None, Some((_, end))) => format!("warm-up · {}", left(end)),
            (None, None) => "waiting for the first heart beat".into(),
        }
    }
}

/// Draws the panel (at least 80 x 24 is comfortable).
pub fn render(p: &Panel, frame: &mut Frame) {
    let area = frame.area();
    let [top, body, question, footer] = Layout::vertical([
        Constraint::Length(7),
        Constraint::Min(4),
        Constraint::Length(2),
        Constraint::Length(1),
    ])
    .areas(area);
    let [digits, side] =
        Layout::horizontal([Constraint::Length(34), Constraint::Min(20)]).areas(top);

    let hr = p.hr.map_or_else(|| "--".to_owned(), |h| h.to_string());
    if let Some(scale) = BigText::fit(&hr, digits.width.saturating_sub(4), digits.height, 2) {
        let (w, h) = BigText::size(&hr, scale);
        let at = Rect {
            width: w,
            height: h,
            ..digits
        };
        frame.render_widget(BigText::new(&hr, BOLD).scale(scale), at);
        if at.right() + 4 <= digits.right() {
            let unit = Rect {
                x: at.right() + 1,
                y: at.bottom().saturating_sub(1),
                width: 3,
                height: 1,
            };
            frame.render_widget(Paragraph::new(Span::styled("bpm", DIM)), unit);
        }
    }

    let instruction = match p.stage {
        Some((n, _, _)) => words::stage_instruction(p.modality, n).to_owned(),
        None => words::warm_up(
            p.modality,
            p.warmup
                .map_or(0.0, |(s, e)| (e - s).num_seconds() as f64 / 60.0),
        ),
    };
    let mut lines = vec![
        Line::styled(
            format!("Talk test · {} · {}", p.modality.id(), p.header()),
            BOLD,
        ),
        Line::raw(instruction),
    ];
    match &p.typing {
        Some(t) => lines.push(Line::from(vec![
            Span::styled("workload: ", DIM),
            Span::styled(format!("{t}_"), BOLD),
            Span::styled(" (Enter to keep, Esc to cancel)", DIM),
        ])),
        None => lines.push(Line::styled(
            match &p.workload {
                Some(w) => format!("workload: {w}"),
                None => format!("w: type the workload ({})", p.modality.workload_hint()),
            },
            DIM,
        )),
    }
    if let Some(note) = &p.note {
        lines.push(Line::styled(note.clone(), WARN));
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), side);

    let (title, text, style) = match p.passage() {
        Some(passage) => (" Read this aloud ", passage.to_owned(), Style::new()),
        None if p.stage.is_none() => (" Before you start ", words::SAFETY.to_owned(), WARN),
        None => (
            " Keep going ",
            "The passage to read aloud appears for the last 30 seconds of the stage.".to_owned(),
            DIM,
        ),
    };
    frame.render_widget(
        Paragraph::new(Line::styled(text, style))
            .wrap(Wrap { trim: true })
            .block(Block::bordered().border_style(DIM).title(title)),
        body,
    );

    let q = match p.question {
        Some(q) if q.ask == Ask::Speak => Line::styled(words::ASK_SPEAK, WARN),
        Some(_) => Line::styled(words::ASK_SING, WARN),
        None => Line::default(),
    };
    frame.render_widget(Paragraph::new(q), question);
    frame.render_widget(
        Paragraph::new(Line::styled(
            "1 yes · 2 not quite · 3 no · y/n singing · w workload · q stop",
            DIM,
        )),
        footer,
    );
}

#[cfg(test)]
mod tests;
