//! Everything that yields heart-rate data: a BLE strap ([`ble`]), a raw capture file played back
//! ([`replay`]) and the built-in workout simulator ([`simulator`]).
//!
//! Every source sends the same [`SourceEvent`]s into one channel: raw packets stamped with their
//! receive time, and link changes. Decoding into a [`crate::reading::Reading`] happens once,
//! downstream, in [`crate::pipeline`], so a replayed or simulated packet takes exactly the path a
//! strap's packet takes.

pub mod ble;
pub mod replay;
pub mod simulated_heart;
pub mod simulator;
pub mod start;

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::reading::Source;

/// One raw Heart Rate Measurement packet as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet {
    /// Receive time (UTC wall clock; a replay keeps the capture's times).
    pub t: DateTime<Utc>,
    /// The characteristic value, byte for byte.
    pub bytes: Vec<u8>,
}

/// Why data stopped flowing for a while (a gap in a session).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LossReason {
    /// BlueZ reported the device disconnected.
    Disconnected,
    /// No packet arrived within the watchdog time (the strap went silent without a disconnect).
    Watchdog,
    /// The user paused the session (`p` on the live screen). Not a link loss: no source emits it;
    /// it is stored as a gap so the paused time counts as nothing.
    Paused,
}

/// What a strap told us about itself besides heart rate.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceInfo {
    /// Advertised name, when known.
    pub name: Option<String>,
    /// Bluetooth address (or platform id).
    pub address: String,
    /// Battery level in percent (0x2A19), when the strap has a Battery Service.
    pub battery_percent: Option<u8>,
    /// Body Sensor Location (0x2A38), decoded, when present.
    pub body_location: Option<String>,
}

/// A change of the link to the strap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkEvent {
    /// Connected and subscribed for the first time in this session.
    Connected(DeviceInfo),
    /// The link was lost; a gap starts. The supervisor is reconnecting.
    Lost { reason: LossReason },
    /// Connected and subscribed again after a loss; `gap` is how long no data flowed.
    Reconnected { gap: Duration },
}

/// One item from a source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceEvent {
    /// A raw measurement packet.
    Packet(Packet),
    /// A link change at time `t`.
    Link { t: DateTime<Utc>, event: LinkEvent },
}

/// The sending half every source writes into.
pub type EventSender = tokio::sync::mpsc::Sender<SourceEvent>;

/// Which source a command runs on; the same code consumes all of them.
#[derive(Debug, Clone, PartialEq)]
pub enum SourceKind {
    Ble,
    Replay {
        path: std::path::PathBuf,
        fast: bool,
    },
    Simulator {
        fast: bool,
        seed: u64,
    },
}

impl SourceKind {
    /// The [`Source`] tag put on readings from this kind.
    pub fn tag(&self) -> Source {
        match self {
            SourceKind::Ble => Source::Ble,
            SourceKind::Replay { .. } => Source::Replay,
            SourceKind::Simulator { .. } => Source::Simulator,
        }
    }
}
