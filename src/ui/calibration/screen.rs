//! The calibration on a terminal, as a [`View`] of its session: the [`Panel`] on the full
//! screen (the live dashboard's terminal guard: raw mode and the alternate screen, restored at
//! the end and by the panic hook) and a thread that turns key presses into characters for the
//! panel (Ctrl-C stops, Esc cancels typing). Steps of the protocol go to the session as laps
//! and the end ([`super::effects`]).

use std::io::Stdout;
use std::time::Duration;

use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;

use super::panel::{render, KeyAction, Panel};
use super::{effects, Guide, GuidedView};
use crate::physiology::live::LiveNumbers;
use crate::physiology::talk_test::{Step, TalkTest};
use crate::pipeline::Output;
use crate::ui::dashboard::{install_panic_hook, spawn_reader, KeyInput, TerminalGuard};
use crate::ui::session_view::{Effect, Input, InputSender, View, ViewError, ViewResult};

/// How often the screen redraws (the time left moves with the readings).
pub const TICK: Duration = Duration::from_millis(250);

/// The full-screen calibration.
pub struct CalibrationScreen {
    guide: Guide,
    panel: Panel,
    screen: Option<(TerminalGuard, Terminal<CrosstermBackend<Stdout>>)>,
    dirty: bool,
}

/// A key press as the calibration takes it: Ctrl-C quits, Esc dismisses, a character (Enter
/// `'\n'`, Backspace `'\u{8}'`) goes to the panel; releases and repeats are ignored.
pub fn key_input(ev: KeyEvent) -> Option<Input> {
    if ev.kind != KeyEventKind::Press {
        return None;
    }
    let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
    match ev.code {
        KeyCode::Char('c' | 'C') if ctrl => Some(Input::Key(KeyInput::Quit)),
        _ if ctrl => None,
        KeyCode::Char(c) => Some(Input::Char(c)),
        KeyCode::Enter => Some(Input::Char('\n')),
        KeyCode::Backspace => Some(Input::Char('\u{8}')),
        KeyCode::Esc => Some(Input::Key(KeyInput::Dismiss)),
        _ => None,
    }
}

/// A terminal event as the calibration takes it: a key ([`key_input`]) or a resize.
pub fn terminal_input(ev: crossterm::event::Event) -> Option<Input> {
    match ev {
        crossterm::event::Event::Key(k) => key_input(k),
        crossterm::event::Event::Resize(..) => Some(Input::Resize),
        _ => None,
    }
}

impl CalibrationScreen {
    pub fn new(guide: Guide) -> Self {
        let panel = Panel::new(guide.modality);
        CalibrationScreen {
            guide,
            panel,
            screen: None,
            dirty: true,
        }
    }

    fn show(&mut self, steps: Vec<Step>) -> Vec<Effect> {
        self.panel.steps(&steps, &self.guide.test);
        self.dirty = true;
        effects(&steps)
    }

    fn draw(&mut self) -> Result<(), ViewError> {
        let Some((_, terminal)) = self.screen.as_mut() else {
            return Ok(());
        };
        if self.dirty {
            let panel = &self.panel;
            terminal
                .draw(|f| render(panel, f))
                .map_err(ViewError::doing("draw the calibration screen"))?;
            self.dirty = false;
        }
        Ok(())
    }
}

impl View for CalibrationScreen {
    fn start(&mut self, input: InputSender) -> Result<(), ViewError> {
        install_panic_hook();
        self.screen =
            Some(TerminalGuard::enter().map_err(ViewError::doing("open the calibration screen"))?);
        spawn_reader(input, terminal_input).map_err(ViewError::doing("read the keyboard"))?;
        self.draw()
    }

    fn output(&mut self, out: &Output, _live: &LiveNumbers) -> ViewResult {
        match out {
            Output::Reading(r) => {
                let steps = self.guide.output(out);
                let hr = (r.hr > 0).then_some(r.hr);
                self.panel.reading(r.t, hr);
                Ok(self.show(steps))
            }
            Output::Link { event, .. } => {
                self.panel.link(event);
                self.dirty = true;
                Ok(Vec::new())
            }
            Output::BadPacket { .. } => Ok(Vec::new()),
        }
    }

    fn input(&mut self, input: Input, _live: &LiveNumbers) -> ViewResult {
        let effects = match input {
            Input::Key(KeyInput::Quit) => {
                let steps = self.guide.test.stop();
                self.show(steps)
            }
            Input::Key(KeyInput::Dismiss) => {
                self.panel.dismiss();
                self.dirty = true;
                Vec::new()
            }
            Input::Char(c) => {
                self.dirty = true;
                match self.panel.key(c) {
                    KeyAction::Answer(a) => {
                        let steps = self.guide.test.answer(a);
                        self.show(steps)
                    }
                    KeyAction::Workload(w) => {
                        self.guide.test.workload(&w);
                        Vec::new()
                    }
                    KeyAction::Stop => {
                        let steps = self.guide.test.stop();
                        self.show(steps)
                    }
                    KeyAction::Nothing => Vec::new(),
                }
            }
            Input::Resize => {
                self.dirty = true;
                Vec::new()
            }
            Input::Key(_) | Input::Line(_) | Input::EndOfInput => Vec::new(),
        };
        self.draw()?;
        Ok(effects)
    }

    fn tick_every(&self) -> Option<Duration> {
        Some(TICK)
    }

    fn tick(&mut self, _now: Duration, _wall: DateTime<Utc>, _live: &LiveNumbers) -> ViewResult {
        self.draw()?;
        Ok(Vec::new())
    }

    fn holds_source(&self) -> bool {
        self.guide.holds_source()
    }

    fn close(&mut self) {
        self.screen = None;
    }
}

impl GuidedView for CalibrationScreen {
    fn into_test(self: Box<Self>) -> TalkTest {
        self.guide.test
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_become_characters_for_the_panel() {
        let key = |code, m| key_input(KeyEvent::new(code, m));
        let none = KeyModifiers::NONE;
        assert_eq!(key(KeyCode::Char('1'), none), Some(Input::Char('1')));
        assert_eq!(key(KeyCode::Char('q'), none), Some(Input::Char('q')));
        assert_eq!(key(KeyCode::Enter, none), Some(Input::Char('\n')));
        assert_eq!(key(KeyCode::Backspace, none), Some(Input::Char('\u{8}')));
        assert_eq!(
            key(KeyCode::Char('c'), KeyModifiers::CONTROL),
            Some(Input::Key(KeyInput::Quit))
        );
        assert_eq!(key(KeyCode::Esc, none), Some(Input::Key(KeyInput::Dismiss)));
        assert_eq!(key(KeyCode::Char('x'), KeyModifiers::CONTROL), None);
    }
}
