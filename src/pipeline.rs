//! The one path every source's events take: raw packets are decoded into [`Reading`]s, link
//! changes pass through, and packets that do not decode become [`Output::BadPacket`] (reported and
//! skipped, never fatal). Times are truncated to the millisecond, the precision captures and
//! storage keep, so a live session and the replay of its capture are the same session.
//! Pure: no clock, no I/O.

use chrono::{DateTime, SubsecRound, Utc};

use crate::event::{LinkEvent, SourceEvent};
use crate::protocol::heart_rate::{decode, DecodeError};
use crate::reading::{Reading, Source};

/// What the pipeline hands to outputs (screen, capture, storage).
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    /// A decoded measurement.
    Reading(Reading),
    /// A link change.
    Link { t: DateTime<Utc>, event: LinkEvent },
    /// A packet that did not decode: shown, kept in the capture, not used.
    BadPacket {
        t: DateTime<Utc>,
        bytes: Vec<u8>,
        error: DecodeError,
    },
}

/// Decode one source event. `source` tags the readings.
pub fn process(event: SourceEvent, source: Source) -> Output {
    match event {
        SourceEvent::Packet(p) => match decode(&p.bytes) {
            Ok(m) => Output::Reading(Reading {
                t: p.t.trunc_subsecs(3),
                hr: m.hr,
                contact: m.contact,
                energy_kj: m.energy_kj,
                rr: m.rr,
                source,
            }),
            Err(error) => Output::BadPacket {
                t: p.t.trunc_subsecs(3),
                bytes: p.bytes,
                error,
            },
        },
        SourceEvent::Link { t, event } => Output::Link {
            t: t.trunc_subsecs(3),
            event,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{LossReason, Packet};
    use crate::reading::{Contact, RrInterval};
    use chrono::TimeZone;

    #[test]
    fn packets_become_readings_with_their_time_and_source() {
        let t = Utc.with_ymd_and_hms(2026, 11, 25, 7, 0, 0).unwrap();
        let out = process(
            SourceEvent::Packet(Packet {
                t,
                bytes: vec![0x16, 0x48, 0x54, 0x01, 0xec, 0x02],
            }),
            Source::Replay,
        );
        assert_eq!(
            out,
            Output::Reading(Reading {
                t,
                hr: 72,
                contact: Contact::Detected,
                energy_kj: None,
                rr: vec![RrInterval::Ticks(340), RrInterval::Ticks(748)],
                source: Source::Replay,
            })
        );
    }

    #[test]
    fn times_keep_milliseconds_only() {
        let t = Utc.with_ymd_and_hms(2026, 11, 25, 7, 0, 0).unwrap();
        let fine = t + chrono::Duration::nanoseconds(123_456_789);
        let Output::Reading(r) = process(
            SourceEvent::Packet(Packet {
                t: fine,
                bytes: vec![0x00, 0x48],
            }),
            Source::Ble,
        ) else {
            panic!("a reading")
        };
        assert_eq!(r.t, t + chrono::Duration::milliseconds(123));
    }

    #[test]
    fn bad_packets_are_reported_not_fatal() {
        let t = Utc.with_ymd_and_hms(2026, 11, 25, 7, 0, 0).unwrap();
        let out = process(
            SourceEvent::Packet(Packet {
                t,
                bytes: vec![0x01, 0x48],
            }),
            Source::Ble,
        );
        assert_eq!(
            out,
            Output::BadPacket {
                t,
                bytes: vec![0x01, 0x48],
                error: DecodeError::TruncatedHr { got: 1 }
            }
        );
        let link = SourceEvent::Link {
            t,
            event: LinkEvent::Lost {
                reason: LossReason::Watchdog,
            },
        };
        assert!(matches!(process(link, Source::Ble), Output::Link { .. }));
    }
}
