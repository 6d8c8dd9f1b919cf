//! The live workout screen: a full-screen terminal dashboard readable at two metres from a bike
//! or a treadmill (`talkzone live` on a terminal).
//!
//! Split by state, update and view, so the screen is tested without a terminal:
//! - [`state`]: the plain [`App`] state and the pure [`update`], which applies one [`Event`] (a
//!   pipeline output, a key, a clock tick, a resize) and returns the effects the user asked for
//!   (pause, resume, lap, quit). No clock, no terminal: times come in the events. Owns what is
//!   only the screen's (freshness of the heart rate, link state, chart history, help); the
//!   session's running numbers are [`crate::physiology::live`]'s, passed in;
//! - [`view`]: [`render`], which only draws the state and the numbers into a ratatui `Frame`;
//! - [`widgets`]: the pieces `view` draws with (big block digits, zone bars, the heart-rate chart
//!   on its zone bands) and the zone colours;
//! - [`terminal`]: the only part that touches the real terminal: the [`TerminalGuard`] (raw mode
//!   and alternate screen, restored on drop and by the panic hook), crossterm key mapping and a
//!   thread that turns terminal input into the session's input;
//! - [`screen`]: all of it as a [`DashboardView`], the session runner's view on a terminal.

pub mod screen;
pub mod state;
pub mod terminal;
pub mod view;
pub mod widgets;

pub use screen::DashboardView;
pub use state::{update, App, DashboardSettings, Event, KeyInput, Lap};
pub use terminal::{
    install_panic_hook, key_from_crossterm, spawn_input_reader, spawn_reader, TerminalGuard,
};
pub use view::render;
