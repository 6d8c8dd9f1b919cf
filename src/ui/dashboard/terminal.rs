//! The only part of the dashboard that touches the real terminal: entering and leaving the
//! full-screen mode ([`TerminalGuard`], [`install_panic_hook`]) and reading keys and resizes
//! ([`key_from_crossterm`], [`spawn_input_reader`]).
//!
//! The terminal is restored on every exit path: the guard's `Drop` leaves
//! raw mode and the alternate screen, and the panic hook does the same before the panic message
//! is printed, so the message lands on the normal screen, readable. Restoring happens once:
//! whichever of the two comes first does it.
//!
//! But only for a panic that ends the program, one on the main thread (where the session
//! runs). A panic hook also runs for a panic that a tokio task catches: bluez-async 0.9 panics
//! in a task of its own after some silent stalls, and the session goes on (the runner treats a
//! failing BLE side as a lost link). Such a panic leaves the screen alone: its one-line message
//! waits until the terminal is restored (or is printed at once when no dashboard is on).

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

/// Messages of background panics that came while the dashboard was on, printed after it.
static HELD: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

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
    if let Ok(mut held) = HELD.lock() {
        for line in held.drain(..) {
            eprintln!("{line}");
        }
    }
    screen.and(raw)
}

/// The one line a background panic is reported by. (`PanicInfo`: the hook's argument under the
/// crate's minimum Rust, 1.80; an alias of `PanicHookInfo` since.)
#[allow(deprecated)]
fn background_note(info: &std::panic::PanicInfo<'_>) -> String {
    let what = info
        .payload()
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| info.payload().downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".into());
    let at = info
        .location()
        .map(|l| format!(" at {}:{}", l.file(), l.line()))
        .unwrap_or_default();
    format!(
        "talkzone: a background task failed ({what}{at}); if it was Bluetooth's, the session \
         went on as after a lost link"
    )
}

/// Installs the process's panic hook (once; later calls do nothing). A panic on the main
/// thread (or any thread of talkzone's own but the key reader) ends the program: the terminal is restored, then the hook that was installed before
/// (normally the default one) prints it. A panic on another thread is one a task catches: the
/// screen is left alone and one line is printed, after the dashboard when it is on.
pub fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            // tokio's workers and blocking threads, talkzone's key reader, and unnamed threads
            // of libraries: a panic there is caught (by tokio) or ends only that thread.
            let background = std::thread::current().name().map_or(true, |n| {
                n.starts_with("tokio-") || n.starts_with("talkzone-")
            });
            if !background {
                let _ = restore();
                previous(info);
            } else if ACTIVE.load(Ordering::SeqCst) {
                if let Ok(mut held) = HELD.lock() {
                    held.push(background_note(info));
                }
            } else {
                eprintln!("{}", background_note(info));
            }
        }));
    });
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
    spawn_reader(tx, input_from_crossterm)
}

/// The same with another meaning of the terminal's events (`map`; the calibration's screen
/// takes typed characters).
pub fn spawn_reader(
    tx: InputSender,
    map: fn(crossterm::event::Event) -> Option<Input>,
) -> io::Result<JoinHandle<()>> {
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
                if let Some(e) = map(ev) {
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

    /// A panic caught in a background thread while the dashboard is on neither restores the
    /// terminal nor prints over it: its line waits for the restore.
    #[test]
    fn a_background_panic_leaves_the_dashboard_alone_and_restore_is_idle_without_it() {
        install_panic_hook();
        ACTIVE.store(true, Ordering::SeqCst);
        let caught = std::thread::Builder::new()
            .name("tokio-runtime-worker".into())
            .spawn(|| panic!("No match with that id found"))
            .unwrap()
            .join();
        assert!(caught.is_err());
        assert!(ACTIVE.load(Ordering::SeqCst), "the screen was not left");
        let held = HELD.lock().unwrap().clone();
        assert!(
            held.iter()
                .any(|l| l.contains("No match with that id found")),
            "{held:?}"
        );
        // Not through restore(): this test has no real terminal to leave.
        ACTIVE.store(false, Ordering::SeqCst);
        HELD.lock().unwrap().clear();
        // Without the dashboard, restoring does nothing. (One test: both touch the same
        // process-wide state.)
        assert!(restore().is_ok());
    }
}
