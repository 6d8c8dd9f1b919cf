//! The contract between the session runner ([`crate::runner`]) and whatever shows a session:
//! the full-screen dashboard, plain or JSON lines, the morning check's countdown, the
//! calibration's questions. A [`View`] is told every pipeline output, every piece of user
//! [`Input`] and, if it asks for them, clock ticks; it answers with [`Effect`]s (pause, lap,
//! quit...) that the runner applies to the running numbers and the recording, the way the
//! connection supervisor returns actions for the transport to carry out.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::physiology::live::LiveNumbers;
use crate::pipeline::Output;
use crate::ui::dashboard::KeyInput;

/// One request from a view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Stop counting (the session is still recorded; the paused time counts nothing).
    Pause,
    /// Count again.
    Resume,
    /// Mark a lap at `t`, the latest reading's time (`None` before the first reading: the
    /// runner uses the latest event's time). The last lap also marks the end of exercise.
    Lap { t: Option<DateTime<Utc>> },
    /// End the session (it is summarised and stored as usual).
    Quit,
}

/// What the user did, as the runner passes it on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A key on the full-screen dashboard.
    Key(KeyInput),
    /// The terminal changed size.
    Resize,
    /// A line typed on standard input (without its line end).
    Line(String),
    /// A character key on a full-screen view that takes typed answers (the calibration's):
    /// Enter is `'\n'`, Backspace `'\u{8}'`.
    Char(char),
    /// Standard input closed.
    EndOfInput,
}

/// A view could not show the session: what it was doing and the I/O error (the terminal or
/// standard output failed).
#[derive(Debug, thiserror::Error)]
#[error("cannot {doing}: {source}")]
pub struct ViewError {
    pub doing: &'static str,
    pub source: std::io::Error,
}

impl ViewError {
    /// A function turning an I/O error into this, for `map_err`.
    pub fn doing(doing: &'static str) -> impl FnOnce(std::io::Error) -> ViewError {
        move |source| ViewError { doing, source }
    }
}

/// What a view's methods return.
pub type ViewResult = Result<Vec<Effect>, ViewError>;

/// Where user input goes: a view that reads the terminal or standard input sends into it.
pub type InputSender = tokio::sync::mpsc::Sender<Input>;

/// Shows one session. Every method gets the session's running numbers to draw from; none of
/// them may block for long (the runner is also committing the recording).
pub trait View {
    /// Called once before the source starts: a view that takes user input starts reading it
    /// here, into `input`.
    fn start(&mut self, input: InputSender) -> Result<(), ViewError> {
        let _ = input;
        Ok(())
    }

    /// A pipeline output arrived (the running numbers already include it).
    fn output(&mut self, out: &Output, live: &LiveNumbers) -> ViewResult;

    /// The user did something.
    fn input(&mut self, input: Input, live: &LiveNumbers) -> ViewResult {
        let _ = (input, live);
        Ok(Vec::new())
    }

    /// How often the view wants [`View::tick`], if at all.
    fn tick_every(&self) -> Option<Duration> {
        None
    }

    /// The clock: `now` is monotonic time since the session started, `wall` the wall clock.
    fn tick(&mut self, now: Duration, wall: DateTime<Utc>, live: &LiveNumbers) -> ViewResult {
        let _ = (now, wall, live);
        Ok(Vec::new())
    }

    /// Whether the source should wait before its next event (the calibration's question waits
    /// for its answer while a `--fast` source would run on). The runner stops taking source
    /// events while this is true; input, ticks and signals still arrive.
    fn holds_source(&self) -> bool {
        false
    }

    /// The session is over: leave the screen, before anything else is printed.
    fn close(&mut self) {}
}
