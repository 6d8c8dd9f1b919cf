//! talkzone: a Bluetooth heart-rate strap as a coach for healthy, sustainable training.
//!
//! The library holds everything; `main.rs` only parses arguments and dispatches. Layout:
//! - [`reading`], [`protocol`]: the one `Reading` type and bit-exact 0x2A37 decoding (pure);
//! - [`source`]: BLE strap, capture replay and simulator, all yielding the same events;
//! - [`pipeline`]: source events -> decoded readings and link events (pure);
//! - [`config`]: config file + environment + flags -> validated settings;
//! - [`ui`]: plain and JSON line output;
//! - [`timeline`]: which times a recording can have, and a session's start and length (pure);
//! - [`commands`]: one thin function per subcommand, wiring the above together.

pub mod cli;
pub mod commands;
pub mod config;
pub mod error;
pub mod interop;
pub mod physiology;
pub mod pipeline;
pub mod protocol;
pub mod reading;
pub mod recovery;
pub mod session;
pub mod source;
pub mod store;
pub mod timeline;
pub mod ui;
