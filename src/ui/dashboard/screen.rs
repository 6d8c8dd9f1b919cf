//! The dashboard as a [`View`] of a live session: the [`App`] state, the real terminal (entered
//! when the session starts, restored when it ends or the process panics) and the thread that
//! reads keys. Keys and ticks go through the pure [`update`]; the effects it returns go back to
//! the session runner. Draws at most once per tick (4 times a second), and only when something
//! shown changed.

use std::io::Stdout;
use std::time::Duration;

use chrono::{DateTime, Utc};
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;

use super::state::{update, App, DashboardSettings, Event};
use super::terminal::{install_panic_hook, spawn_input_reader, TerminalGuard};
use super::view::render;
use crate::physiology::live::LiveNumbers;
use crate::pipeline::Output;
use crate::ui::session_view::{Input, InputSender, View, ViewError, ViewResult};

/// How often the dashboard looks at the clock (and redraws, if something shown changed).
pub const TICK: Duration = Duration::from_millis(250);

/// The full-screen dashboard while a session runs.
pub struct DashboardView {
    app: App,
    screen: Option<(TerminalGuard, Terminal<CrosstermBackend<Stdout>>)>,
}

impl DashboardView {
    /// A dashboard for a session with these settings; the terminal is taken at
    /// [`View::start`].
    pub fn new(settings: DashboardSettings) -> Self {
        DashboardView {
            app: App::new(settings),
            screen: None,
        }
    }

    fn apply(&mut self, event: Event, live: &LiveNumbers) -> Vec<crate::ui::session_view::Effect> {
        update(&mut self.app, event, live).into_iter().collect()
    }

    fn draw(&mut self, live: &LiveNumbers) -> Result<(), ViewError> {
        let Some((_, terminal)) = self.screen.as_mut() else {
            return Ok(());
        };
        if self.app.needs_redraw() {
            let app = &self.app;
            terminal
                .draw(|f| render(app, live, f))
                .map_err(ViewError::doing("draw the live screen"))?;
            self.app.mark_drawn();
        }
        Ok(())
    }
}

impl View for DashboardView {
    fn start(&mut self, input: InputSender) -> Result<(), ViewError> {
        install_panic_hook();
        self.screen =
            Some(TerminalGuard::enter().map_err(ViewError::doing("open the live screen"))?);
        spawn_input_reader(input).map_err(ViewError::doing("read the keyboard"))?;
        Ok(())
    }

    fn output(&mut self, out: &Output, live: &LiveNumbers) -> ViewResult {
        // Drawn at the next tick: a fast replay cannot redraw more than 4 times a second.
        Ok(self.apply(Event::Output(out.clone()), live))
    }

    fn input(&mut self, input: Input, live: &LiveNumbers) -> ViewResult {
        let effects = match input {
            Input::Key(key) => self.apply(Event::Key(key), live),
            Input::Resize => self.apply(Event::Resize, live),
            Input::Line(_) | Input::Char(_) | Input::EndOfInput => Vec::new(),
        };
        self.draw(live)?;
        Ok(effects)
    }

    fn tick_every(&self) -> Option<Duration> {
        Some(TICK)
    }

    fn tick(&mut self, now: Duration, wall: DateTime<Utc>, live: &LiveNumbers) -> ViewResult {
        let effects = self.apply(Event::Tick { now, wall }, live);
        self.draw(live)?;
        Ok(effects)
    }

    fn close(&mut self) {
        // Dropping the guard leaves the alternate screen and raw mode.
        self.screen = None;
    }
}
