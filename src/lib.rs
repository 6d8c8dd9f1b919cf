//! talkzone: a Bluetooth heart-rate strap as a coach for healthy, sustainable training.
//!
//! The library holds everything; `main.rs` only parses arguments and dispatches. A functional
//! core (no clock, disk, terminal or radio) and an imperative shell around it. Layers, top to
//! bottom; nothing imports a layer above its own:
//!
//! - command layer: [`cli`] (raw flags), [`commands`] (one thin file per subcommand), [`error`]
//!   (what ends a command, and its exit code);
//! - [`runner`]: the one session runner for every recorded session (live, morning check);
//! - [`session`]: where physiology meets storage: the zones in force, recording a session,
//!   finishing and recovering it; [`history`]: the stored history as trend and readiness;
//! - shell: [`config`] (file + environment -> settings), [`source`] (BLE strap, replay,
//!   simulator), [`store`] (SQLite, locks, the remembered strap), [`interop`] (FIT and TCX in;
//!   TCX, CSV, JSON out), [`ui`] (lines, dashboard, reports, plots), [`owner_only`] (files
//!   only their owner can read);
//! - core: [`pipeline`] (source events -> readings), [`protocol`] (bit-exact 0x2A37, the capture
//!   format), [`physiology`] (zones, running numbers, summaries, HRV, baselines, readiness),
//!   [`timeline`] (which times a recording can have; a session's start and length);
//! - bottom: [`reading`] (the one `Reading` type), [`event`] (packets and link changes).
//!
//! One heart beat's way: the strap notifies 0x2A37 -> [`source::ble::transport`] stamps the bytes
//! with their receive time as an [`event::SourceEvent`] -> [`runner`] writes it to the capture
//! file, if any, and hands it to [`pipeline::process`], which decodes it
//! ([`protocol::heart_rate`]) into a [`reading::Reading`] -> [`physiology::live`] counts it ->
//! [`session::Recording`] stores it ([`store::db`], committed at least once a second) -> the
//! view ([`ui::dashboard`], or a line of [`ui::stream`]) draws it. At the end the recording is
//! summarised by [`physiology::summary`] and printed by [`ui::report`]; later `summary` reads it
//! back: [`store::db`] -> [`physiology::summary`] -> [`ui::report`]. Replay and simulator take
//! the same way from [`source::replay`] and [`source::simulator`].

pub mod cli;
pub mod commands;
pub mod config;
pub mod error;
pub mod event;
pub mod history;
pub mod interop;
pub mod owner_only;
pub mod physiology;
pub mod pipeline;
pub mod protocol;
pub mod reading;
pub mod runner;
pub mod session;
pub mod source;
pub mod store;
pub mod timeline;
pub mod ui;
