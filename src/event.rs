//! The events every source yields and every consumer takes: a raw Heart Rate Measurement packet
//! stamped with its receive time, or a change of the link to the strap.
//!
//! The bottom of the crate with [`crate::reading`]: plain data, no I/O, imports nothing of
//! talkzone's. Sources ([`crate::source`]: BLE, replay, simulator) produce them; the pipeline
//! ([`crate::pipeline`]) decodes packets into readings; the capture format
//! ([`crate::protocol::capture`]), the screens, the recording and the session runner consume them.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

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
    /// The Bluetooth service itself went away (BlueZ or the system bus restarted, or a task of
    /// the Bluetooth library failed): the whole BLE side is started again.
    ServiceLost,
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
