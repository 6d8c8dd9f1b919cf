//! The live workout screen: a full-screen terminal dashboard readable at two metres from a bike
//! or a treadmill (`talkzone live` on a terminal).
//!
//! Split by state, update and view (shared/style.md), so the screen is tested without a terminal:
//! - [`state`]: the plain [`App`] state and the pure [`update`], which applies one [`Event`] (a
//!   pipeline output, a key, a clock tick, a resize). No clock, no terminal: times come in the
//!   events. Owns the live accounting (time in zones, pause, laps, RMSSD, freshness);
//! - [`view`]: [`render`], which only draws the state into a ratatui `Frame`;
//! - [`widgets`]: the pieces `view` draws with (big block digits, zone bars, the heart-rate chart
//!   on its zone bands) and the zone colours;
//! - [`terminal`]: the only part that touches the real terminal: the [`TerminalGuard`] (raw mode
//!   and alternate screen, restored on drop and by the panic hook), crossterm key mapping and a
//!   thread that turns terminal input into [`Event`]s.
//!
//! The caller's loop (in `commands::live`): create the [`App`], enter the [`TerminalGuard`], feed
//! every pipeline output, key and 4 Hz tick to [`update`], draw with [`render`] when
//! [`App::needs_redraw`] says so, stop when [`App::quit_requested`] is set.

pub mod state;
pub mod terminal;
pub mod view;
pub mod widgets;

pub use state::{update, App, DashboardSettings, Event, KeyInput, Lap};
pub use terminal::{install_panic_hook, key_from_crossterm, spawn_input_reader, TerminalGuard};
pub use view::render;
