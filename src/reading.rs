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

/// One RR interval, kept exactly in the unit its source counted it in (docs/science.md §6, §8):
/// 1/1024 s from a strap's Heart Rate Measurement, whole milliseconds from a FIT file's `hrv`
/// messages. Converting one into the other would round (500 ms is not a whole number of
/// 1/1024 s), so neither is converted; [`RrInterval::ms`] is exact for both.
///
/// Two intervals are equal when they last exactly as long, whatever their units
/// (`Ticks(1024) == Millis(1000)`): what a comparison of readings asks is the same heartbeat.
#[derive(Debug, Clone, Copy)]
pub enum RrInterval {
    /// A count of 1/1024 s, as the Heart Rate Measurement characteristic carries it.
    Ticks(u16),
    /// Whole milliseconds, as FIT `hrv` messages carry them.
    Millis(u16),
}

/// The unit of an [`RrInterval`]'s raw value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RrUnit {
    /// 1/1024 s.
    Ticks,
    /// 1 ms.
    Millis,
}

impl RrUnit {
    /// The id in JSON (`rr_unit`): `"1/1024 s"` or `"ms"`.
    pub fn id(self) -> &'static str {
        match self {
            RrUnit::Ticks => "1/1024 s",
            RrUnit::Millis => "ms",
        }
    }
}

impl RrInterval {
    /// The interval in milliseconds, exactly: ticks x 1000 / 1024 (1000/1024 = 0.9765625 is a
    /// dyadic fraction, so the result is exact in `f64`), or the milliseconds themselves.
    pub fn ms(self) -> f64 {
        match self {
            RrInterval::Ticks(t) => f64::from(t) * 1000.0 / 1024.0,
            RrInterval::Millis(m) => f64::from(m),
        }
    }

    /// The raw count, in [`RrInterval::unit`]s.
    pub fn raw(self) -> u16 {
        match self {
            RrInterval::Ticks(v) | RrInterval::Millis(v) => v,
        }
    }

    /// The unit of [`RrInterval::raw`].
    pub fn unit(self) -> RrUnit {
        match self {
            RrInterval::Ticks(_) => RrUnit::Ticks,
            RrInterval::Millis(_) => RrUnit::Millis,
        }
    }

    /// The nearest count of 1/1024 s for a duration in milliseconds (for the simulator and
    /// tests). Saturates at the u16 range.
    pub fn from_ms(ms: f64) -> Self {
        let raw = (ms * 1024.0 / 1000.0).round();
        RrInterval::Ticks(raw.clamp(0.0, f64::from(u16::MAX)) as u16)
    }
}

impl PartialEq for RrInterval {
    fn eq(&self, other: &Self) -> bool {
        self.ms() == other.ms()
    }
}

impl Eq for RrInterval {}

impl std::hash::Hash for RrInterval {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.ms().to_bits().hash(state);
    }
}

/// As its raw count (see [`RrInterval::unit`] for what it counts).
impl Serialize for RrInterval {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.raw().serialize(s)
    }
}

/// One decoded heart-rate measurement with its receive time.
#[derive(Debug, Clone, PartialEq, Serialize)]
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

    /// The unit of this reading's RR values, when they are not the strap's 1/1024 s (a
    /// reading's RR all come from one source).
    pub fn rr_unit_if_not_ticks(&self) -> Option<RrUnit> {
        self.rr
            .iter()
            .map(|r| r.unit())
            .find(|u| *u != RrUnit::Ticks)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rr_ms_is_exact_in_either_unit() {
        assert_eq!(RrInterval::Ticks(1024).ms(), 1000.0);
        assert_eq!(RrInterval::Ticks(1).ms(), 0.9765625);
        assert_eq!(RrInterval::Ticks(820).ms(), 800.78125);
        assert_eq!(RrInterval::from_ms(800.78125), RrInterval::Ticks(820));
        assert_eq!(RrInterval::Millis(501).ms(), 501.0);
        // The same heartbeat in two units is equal; 501 ms has no exact tick count.
        assert_eq!(RrInterval::Ticks(1024), RrInterval::Millis(1000));
        assert_ne!(RrInterval::from_ms(501.0), RrInterval::Millis(501));
        assert_eq!(RrInterval::Millis(501).raw(), 501);
        assert_eq!(RrInterval::Millis(501).unit(), RrUnit::Millis);
        assert_eq!(
            serde_json::to_string(&RrInterval::Millis(501)).unwrap(),
            "501"
        );
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
