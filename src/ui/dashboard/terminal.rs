//! The only part of the dashboard that touches the real terminal: entering and leaving the
//! full-screen mode ([`TerminalGuard`], [`install_panic_hook`]) and reading keys and resizes
//! ([`key_from_crossterm`], [`spawn_input_reader`]).
//!
//! The terminal is restored on every exit path: the guard's `Drop` leaves
//! raw mode and the alternate screen, and the panic hook does the same before the panic message
//! is printed, so the message lands on the normal screen, readable. Restoring happens once:
//! whichever of the two comes first does it.

use std::io::{self, Stdout};
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use crossterm::terminal::{EnterAlternateScreen, LeaveAlternateScreen};
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;

use super::state::KeyInput;
use crate::ui::session_view::{Input, InputSender};

/// Whether this process has the terminal in raw mode on the alternate screen.
static ACTIVE: AtomicBool = AtomicBool::new(false);

/// Holds the terminal in full-screen mode; dropping it restores the terminal.
#[derive(Debug)]
pub struct TerminalGuard {
    _private: (),
}

impl TerminalGuard {
    /// Raw mode, alternate screen, hidden cursor; and the ratatui terminal to draw on. If a step
    /// fails, what was done is undone before the error is returned.
    pub fn enter() -> io::Result<(TerminalGuard, Terminal<CrosstermBackend<Stdout>>)> {
        crossterm::terminal::enable_raw_mode()?;
        ACTIVE.store(true, Ordering::SeqCst);
        // From here on, dropping the guard (also on the error paths below) restores.
        let guard = TerminalGuard { _private: () };
        crossterm::execute!(io::stdout(), EnterAlternateScreen, crossterm::cursor::Hide)?;
        let mut terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
        terminal.clear()?;
        Ok((guard, terminal))
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        let _ = restore();
    }
}

/// Leaves the alternate screen and raw mode and shows the cursor, if the dashboard holds the
/// terminal; otherwise does nothing.
pub fn restore() -> io::Result<()> {
    if !ACTIVE.swap(false, Ordering::SeqCst) {
        return Ok(());
    }
    let screen = crossterm::execute!(io::stdout(), LeaveAlternateScreen, crossterm::cursor::Show);
    let raw = crossterm::terminal::disable_raw_mode();
    screen.and(raw)
}

/// Makes a panic restore the terminal before the message is printed (by the hook that was
/// installed before, normally the default one). Call once, before [`TerminalGuard::enter`].
/// Harmless when the dashboard is not on screen.
pub fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = restore();
        previous(info);
    }));
}

/// The dashboard's meaning of a key press: `q` / Ctrl-C quit, `p` pauses, `l` marks a lap, `?`
/// toggles the help, Esc closes it. Releases and repeats (Windows reports them) are ignored.
pub fn key_from_crossterm(ev: KeyEvent) -> Option<KeyInput> {
    if ev.kind != KeyEventKind::Press {
        return None;
    }
    let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
    match ev.code {
        KeyCode::Char('c' | 'C') if ctrl => Some(KeyInput::Quit),
        _ if ctrl => None,
        KeyCode::Char('q' | 'Q') => Some(KeyInput::Quit),
        KeyCode::Char('p' | 'P') => Some(KeyInput::PauseResume),
        KeyCode::Char('l' | 'L') => Some(KeyInput::Lap),
        KeyCode::Char('?') | KeyCode::F(1) => Some(KeyInput::ToggleHelp),
        KeyCode::Esc => Some(KeyInput::Dismiss),
        _ => None,
    }
}

/// A terminal event as the session takes it: a mapped key, or a resize.
pub fn input_from_crossterm(ev: crossterm::event::Event) -> Option<Input> {
    match ev {
        crossterm::event::Event::Key(k) => key_from_crossterm(k).map(Input::Key),
        crossterm::event::Event::Resize(..) => Some(Input::Resize),
        _ => None,
    }
}

/// Reads the terminal on a thread of its own (crossterm's reading blocks) and sends keys and
/// resizes into `tx`. The thread ends when `tx`'s receiver is dropped (checked every 100 ms) or
/// reading the terminal fails.
pub fn spawn_input_reader(tx: InputSender) -> io::Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name("talkzone-keys".into())
        .spawn(move || {
            while !tx.is_closed() {
                match crossterm::event::poll(Duration::from_millis(100)) {
                    Ok(false) => continue,
                    Ok(true) => {}
                    Err(_) => break,
                }
                let Ok(ev) = crossterm::event::read() else {
                    break;
                };
                if let Some(e) = input_from_crossterm(ev) {
                    if tx.blocking_send(e).is_err() {
                        break;
                    }
                }
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn keys_map_to_dashboard_inputs() {
        let none = KeyModifiers::NONE;
        assert_eq!(
            key_from_crossterm(press(KeyCode::Char('q'), none)),
            Some(KeyInput::Quit)
        );
        assert_eq!(
            key_from_crossterm(press(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            Some(KeyInput::Quit)
        );
        assert_eq!(key_from_crossterm(press(KeyCode::Char('c'), none)), None);
        assert_eq!(
            key_from_crossterm(press(KeyCode::Char('p'), none)),
            Some(KeyInput::PauseResume)
        );
        assert_eq!(
            key_from_crossterm(press(KeyCode::Char('l'), none)),
            Some(KeyInput::Lap)
        );
        assert_eq!(
            key_from_crossterm(press(KeyCode::Char('?'), KeyModifiers::SHIFT)),
            Some(KeyInput::ToggleHelp)
        );
        assert_eq!(
            key_from_crossterm(press(KeyCode::Esc, none)),
            Some(KeyInput::Dismiss)
        );
        assert_eq!(
            key_from_crossterm(press(KeyCode::Char('p'), KeyModifiers::CONTROL)),
            None
        );
        let mut release = press(KeyCode::Char('q'), none);
        release.kind = KeyEventKind::Release;
        assert_eq!(key_from_crossterm(release), None);
        assert_eq!(
            input_from_crossterm(crossterm::event::Event::Resize(100, 30)),
            Some(Input::Resize)
        );
    }

    #[test]
    fn restore_without_the_dashboard_does_nothing() {
        assert!(restore().is_ok());
    }
}
