//! The one `Reading` type that flows from every source (BLE strap, capture replay, simulator)
//! through the same pipeline to the screen, the capture file and, later, storage and summaries.
//!
//! Owns only plain data: no I/O, no clock. A `Reading` is what one Heart Rate Measurement
//! packet (Bluetooth SIG HRS 1.0, characteristic 0x2A37) said, stamped with when it arrived.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Where a reading came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// A strap over Bluetooth Low Energy.
    Ble,
    /// A raw capture file played back.
    Replay,
    /// The built-in workout simulator.
    Simulator,
    /// A workout file (FIT, TCX) imported from a watch or bike computer.
    Import,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Source::Ble => "ble",
            Source::Replay => "replay",
            Source::Simulator => "simulator",
            Source::Import => "import",
        })
    }
}

/// The strap's skin-contact status (flags bits 1-2 of 0x2A37).
///
/// Optical sensors often do not support the contact bit and keep sending while off the body
/// (polar-ble-sdk #131, #430), so `NotSupported` means "unknown", never "worn".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Contact {
    /// Bits 1-2 = 0b00 or 0b01: the sensor cannot tell.
    NotSupported,
    /// Bits 1-2 = 0b10: supported, no skin contact.
    NotDetected,
    /// Bits 1-2 = 0b11: supported, skin contact.
    Detected,
}

impl Contact {
    /// The JSON form used in `--json` output: `null` (not supported), `false`, `true`.
    pub fn as_option(self) -> Option<bool> {
        match self {
            Contact::NotSupported => None,
            Contact::NotDetected => Some(false),
            Contact::Detected => Some(true),
        }
    }

    /// Inverse of [`Contact::as_option`].
    pub fn from_option(v: Option<bool>) -> Self {
        match v {
            None => Contact::NotSupported,
            Some(false) => Contact::NotDetected,
            Some(true) => Contact::Detected,
        }
    }
}

impl Serialize for Contact {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.as_option().serialize(s)
    }
}

impl<'de> Deserialize<'de> for Contact {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Option::<bool>::deserialize(d).map(Contact::from_option)
    }
}

/// One RR interval as the strap sent it: a count of 1/1024 s (docs/science.md §6, §8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RrInterval(pub u16);

impl RrInterval {
    /// The interval in milliseconds, exactly: raw x 1000 / 1024 (Task Force 1996 units).
    /// 1000/1024 = 0.9765625 is a dyadic fraction, so the result is exact in `f64`.
    pub fn ms(self) -> f64 {
        f64::from(self.0) * 1000.0 / 1024.0
    }

    /// The nearest raw value for a duration in milliseconds (for the simulator and tests).
    /// Saturates at the u16 range.
    pub fn from_ms(ms: f64) -> Self {
        let raw = (ms * 1024.0 / 1000.0).round();
        RrInterval(raw.clamp(0.0, f64::from(u16::MAX)) as u16)
    }
}

/// One decoded heart-rate measurement with its receive time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reading {
    /// When the packet arrived (UTC wall clock; a replay keeps the capture's times).
    pub t: DateTime<Utc>,
    /// Heart rate in beats per minute as the strap reported it (0 means "no signal" on many straps).
    pub hr: u16,
    /// Skin-contact status.
    pub contact: Contact,
    /// Cumulative energy expended in kilojoules, when the packet carried it.
    pub energy_kj: Option<u16>,
    /// RR intervals in this packet, oldest first (zero, one or several).
    pub rr: Vec<RrInterval>,
    /// Where the reading came from.
    pub source: Source,
}

impl Reading {
    /// RR intervals in exact milliseconds.
    pub fn rr_ms(&self) -> Vec<f64> {
        self.rr.iter().map(|r| r.ms()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rr_ms_is_exact() {
        assert_eq!(RrInterval(1024).ms(), 1000.0);
        assert_eq!(RrInterval(1).ms(), 0.9765625);
        assert_eq!(RrInterval(820).ms(), 800.78125);
        assert_eq!(RrInterval::from_ms(800.78125), RrInterval(820));
    }

    #[test]
    fn contact_json_forms() {
        assert_eq!(
            serde_json::to_string(&Contact::NotSupported).unwrap(),
            "null"
        );
        assert_eq!(
            serde_json::to_string(&Contact::NotDetected).unwrap(),
            "false"
        );
        assert_eq!(serde_json::to_string(&Contact::Detected).unwrap(), "true");
        let c: Contact = serde_json::from_str("true").unwrap();
        assert_eq!(c, Contact::Detected);
    }
}
