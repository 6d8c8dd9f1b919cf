//! Bit-exact decoding and encoding of the Heart Rate Measurement characteristic (0x2A37),
//! Bluetooth SIG Heart Rate Service 1.0 (see docs/science.md §8).
//!
//! Pure: bytes in, a [`Measurement`] or a typed [`DecodeError`] out. Never panics on any input
//! (a property test feeds it arbitrary bytes). Encoding exists for the simulator, the strap
//! emulator and tests.
//!
//! Layout: byte 0 flags; bit 0 HR format (0 = uint8, 1 = uint16 LE); bits 1-2 sensor contact
//! (0b0x not supported, 0b10 supported but not detected, 0b11 detected); bit 3 energy expended
//! present (uint16 LE, kJ); bit 4 RR intervals present (uint16 LE each, 1/1024 s, to the end of
//! the packet); bits 5-7 reserved, ignored.
//!
//! Decisions where the spec leaves room:
//! - A packet with the RR flag set but no RR bytes is **accepted** as a measurement with no RR
//!   intervals: HRS allows "zero or more" intervals per packet, and real straps send such packets
//!   (e.g. in the first seconds after contact). It is not an error.
//! - Bytes after the last field when the RR flag is clear are ignored (room for future fields),
//!   like the reserved flag bits.
//! - A dangling odd byte in the RR field is an error: the packet is corrupt, and guessing which
//!   interval is incomplete would invent data.

use crate::reading::{Contact, RrInterval};

/// Flag bit 0: heart rate is uint16.
pub const FLAG_HR_U16: u8 = 0b0000_0001;
/// Flag bit 1: sensor contact status... bit 2: contact feature supported.
pub const FLAG_CONTACT_DETECTED: u8 = 0b0000_0010;
/// Flag bit 2: the sensor supports contact detection.
pub const FLAG_CONTACT_SUPPORTED: u8 = 0b0000_0100;
/// Flag bit 3: energy expended field present.
pub const FLAG_ENERGY: u8 = 0b0000_1000;
/// Flag bit 4: one or more RR intervals present.
pub const FLAG_RR: u8 = 0b0001_0000;

/// Width of the heart-rate field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HrFormat {
    U8,
    U16,
}

/// Everything one 0x2A37 packet says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Measurement {
    /// Heart rate in bpm.
    pub hr: u16,
    /// Width the heart rate was sent in (kept so encoding reproduces the packet).
    pub hr_format: HrFormat,
    /// Sensor contact status.
    pub contact: Contact,
    /// Energy expended in kJ, when present.
    pub energy_kj: Option<u16>,
    /// Whether the RR flag was set (it may be set with zero intervals).
    pub rr_present: bool,
    /// RR intervals in 1/1024 s, oldest first.
    pub rr: Vec<RrInterval>,
}

/// Why a packet could not be decoded. Every variant names what was wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("empty packet (no flags byte)")]
    Empty,
    #[error(
        "packet has flags but no heart-rate value ({needed} byte(s) expected after the flags)"
    )]
    FlagsOnly { needed: usize },
    #[error("heart-rate value truncated: uint16 format needs 2 bytes, packet has {got}")]
    TruncatedHr { got: usize },
    #[error("energy-expended flag set but only {got} of 2 bytes present at offset {offset}")]
    TruncatedEnergy { offset: usize, got: usize },
    #[error("RR field has a dangling odd byte at offset {offset} (RR values are 2 bytes each)")]
    DanglingRrByte { offset: usize },
}

/// Decode one Heart Rate Measurement packet.
pub fn decode(bytes: &[u8]) -> Result<Measurement, DecodeError> {
    let (&flags, rest) = bytes.split_first().ok_or(DecodeError::Empty)?;
    let hr_format = if flags & FLAG_HR_U16 != 0 {
        HrFormat::U16
    } else {
        HrFormat::U8
    };
    let contact = match (
        flags & FLAG_CONTACT_SUPPORTED != 0,
        flags & FLAG_CONTACT_DETECTED != 0,
    ) {
        (false, _) => Contact::NotSupported,
        (true, false) => Contact::NotDetected,
        (true, true) => Contact::Detected,
    };

    let (hr, mut offset) = match hr_format {
        HrFormat::U8 => match rest.first() {
            Some(&b) => (u16::from(b), 2),
            None => return Err(DecodeError::FlagsOnly { needed: 1 }),
        },
        HrFormat::U16 => match rest {
            [] => return Err(DecodeError::FlagsOnly { needed: 2 }),
            [_] => return Err(DecodeError::TruncatedHr { got: 1 }),
            [lo, hi, ..] => (u16::from_le_bytes([*lo, *hi]), 3),
        },
    };

    let energy_kj = if flags & FLAG_ENERGY != 0 {
        match bytes.get(offset..offset + 2) {
            Some(&[lo, hi]) => {
                offset += 2;
                Some(u16::from_le_bytes([lo, hi]))
            }
            _ => {
                return Err(DecodeError::TruncatedEnergy {
                    offset,
                    got: bytes.len().saturating_sub(offset),
                })
            }
        }
    } else {
        None
    };

    let rr_present = flags & FLAG_RR != 0;
    let mut rr = Vec::new();
    if rr_present {
        let field = bytes.get(offset..).unwrap_or(&[]);
        let mut chunks = field.chunks_exact(2);
        for c in chunks.by_ref() {
            rr.push(RrInterval::Ticks(u16::from_le_bytes([c[0], c[1]])));
        }
        if !chunks.remainder().is_empty() {
            return Err(DecodeError::DanglingRrByte {
                offset: offset + field.len() - 1,
            });
        }
    }

    Ok(Measurement {
        hr,
        hr_format,
        contact,
        energy_kj,
        rr_present,
        rr,
    })
}

/// Encode a measurement as the strap would send it. A `U8` format with `hr > 255` is written
/// as uint16 (the value always survives). RR intervals are written when `rr_present` is set
/// or the list is non-empty.
pub fn encode(m: &Measurement) -> Vec<u8> {
    let u16_hr = m.hr_format == HrFormat::U16 || m.hr > 255;
    let mut flags = 0u8;
    if u16_hr {
        flags |= FLAG_HR_U16;
    }
    match m.contact {
        Contact::NotSupported => {}
        Contact::NotDetected => flags |= FLAG_CONTACT_SUPPORTED,
        Contact::Detected => flags |= FLAG_CONTACT_SUPPORTED | FLAG_CONTACT_DETECTED,
    }
    if m.energy_kj.is_some() {
        flags |= FLAG_ENERGY;
    }
    if m.rr_present || !m.rr.is_empty() {
        flags |= FLAG_RR;
    }
    let mut out = Vec::with_capacity(5 + 2 * m.rr.len());
    out.push(flags);
    if u16_hr {
        out.extend_from_slice(&m.hr.to_le_bytes());
    } else {
        out.push(m.hr as u8);
    }
    if let Some(e) = m.energy_kj {
        out.extend_from_slice(&e.to_le_bytes());
    }
    for r in &m.rr {
        // The characteristic counts 1/1024 s; a value in another unit goes as the nearest.
        let ticks = match r {
            RrInterval::Ticks(t) => *t,
            RrInterval::Millis(_) => RrInterval::from_ms(r.ms()).raw(),
        };
        out.extend_from_slice(&ticks.to_le_bytes());
    }
    out
}

/// Lower-case hex of a packet, as stored in capture files.
pub fn to_hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// Parse hex (either case, no separators) into bytes.
pub fn from_hex(hex: &str) -> Result<Vec<u8>, String> {
    let hex = hex.trim();
    if hex.len() % 2 != 0 {
        return Err(format!("odd number of hex digits ({})", hex.len()));
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| {
            hex.get(i..i + 2)
                .and_then(|p| u8::from_str_radix(p, 16).ok())
                .ok_or_else(|| format!("not a hex byte at position {i}"))
        })
        .collect()
}

/// Body Sensor Location (0x2A38) value as a word (HRS 1.0, Table 3.2); unknown values are
/// "other".
pub fn body_sensor_location(value: u8) -> &'static str {
    match value {
        1 => "chest",
        2 => "wrist",
        3 => "finger",
        4 => "hand",
        5 => "ear_lobe",
        6 => "foot",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn m(
        hr: u16,
        fmt: HrFormat,
        contact: Contact,
        energy: Option<u16>,
        rr: Option<&[u16]>,
    ) -> Measurement {
        Measurement {
            hr,
            hr_format: fmt,
            contact,
            energy_kj: energy,
            rr_present: rr.is_some(),
            rr: rr
                .unwrap_or(&[])
                .iter()
                .map(|&r| RrInterval::Ticks(r))
                .collect(),
        }
    }

    // Hand-decoded vectors: one per combination of HR format x contact x energy x RR.
    #[test]
    fn u8_hr_no_contact_feature() {
        // flags 0x00, HR 0x48 = 72
        assert_eq!(
            decode(&[0x00, 0x48]).unwrap(),
            m(72, HrFormat::U8, Contact::NotSupported, None, None)
        );
        // bit 1 alone (0b01 in bits 1-2) still means "not supported"
        assert_eq!(
            decode(&[0x02, 0x48]).unwrap().contact,
            Contact::NotSupported
        );
    }

    #[test]
    fn u8_hr_contact_states() {
        assert_eq!(decode(&[0x04, 0x50]).unwrap().contact, Contact::NotDetected);
        assert_eq!(
            decode(&[0x06, 0x50]).unwrap(),
            m(80, HrFormat::U8, Contact::Detected, None, None)
        );
    }

    #[test]
    fn u16_hr() {
        // flags 0x01, HR 0x012c = 300 (LE 2c 01)
        assert_eq!(
            decode(&[0x01, 0x2c, 0x01]).unwrap(),
            m(300, HrFormat::U16, Contact::NotSupported, None, None)
        );
        // u16 format with a small value: 0x0048 = 72
        assert_eq!(
            decode(&[0x07, 0x48, 0x00]).unwrap(),
            m(72, HrFormat::U16, Contact::Detected, None, None)
        );
    }

    #[test]
    fn energy_expended() {
        // flags 0x08 | contact detected 0x06 = 0x0e; HR 0x64 = 100; energy 0x0102 = 258 kJ
        assert_eq!(
            decode(&[0x0e, 0x64, 0x02, 0x01]).unwrap(),
            m(100, HrFormat::U8, Contact::Detected, Some(258), None)
        );
        // u16 HR + energy: 0x09; HR 0x00a0 = 160; energy 0xffff
        assert_eq!(
            decode(&[0x09, 0xa0, 0x00, 0xff, 0xff]).unwrap(),
            m(160, HrFormat::U16, Contact::NotSupported, Some(65535), None)
        );
    }

    #[test]
    fn rr_intervals() {
        // The example from the issue: 16 48 54 01 ec 02
        // flags 0x16 = RR | contact supported+detected; HR 0x48 = 72; RR 0x0154 = 340, 0x02ec = 748
        let d = decode(&[0x16, 0x48, 0x54, 0x01, 0xec, 0x02]).unwrap();
        assert_eq!(
            d,
            m(72, HrFormat::U8, Contact::Detected, None, Some(&[340, 748]))
        );
        assert_eq!(d.rr[0].ms(), 332.03125);
        assert_eq!(d.rr[1].ms(), 730.46875);
        // One RR, u16 HR: flags 0x11; HR 0x0041 = 65; RR 0x0400 = 1024 = 1000 ms
        assert_eq!(
            decode(&[0x11, 0x41, 0x00, 0x00, 0x04]).unwrap(),
            m(
                65,
                HrFormat::U16,
                Contact::NotSupported,
                None,
                Some(&[1024])
            )
        );
    }

    #[test]
    fn energy_shifts_rr_start() {
        // flags 0x1e = RR | energy | contact detected; HR 0x8c = 140; energy 0x0010 = 16;
        // RR 0x01b5 = 437, 0x01b0 = 432, 0x01ad = 429
        let d = decode(&[0x1e, 0x8c, 0x10, 0x00, 0xb5, 0x01, 0xb0, 0x01, 0xad, 0x01]).unwrap();
        assert_eq!(
            d,
            m(
                140,
                HrFormat::U8,
                Contact::Detected,
                Some(16),
                Some(&[437, 432, 429])
            )
        );
        // All flags with u16 HR: 0x1f; HR 0x00b4 = 180; energy 0x0201 = 513; RR 0x0150 = 336
        let d = decode(&[0x1f, 0xb4, 0x00, 0x01, 0x02, 0x50, 0x01]).unwrap();
        assert_eq!(
            d,
            m(
                180,
                HrFormat::U16,
                Contact::Detected,
                Some(513),
                Some(&[336])
            )
        );
    }

    #[test]
    fn rr_flag_without_rr_bytes_is_hr_without_rr() {
        let d = decode(&[0x10, 0x48]).unwrap();
        assert_eq!(
            d,
            m(72, HrFormat::U8, Contact::NotSupported, None, Some(&[]))
        );
        assert!(d.rr.is_empty());
    }

    #[test]
    fn reserved_bits_are_ignored() {
        assert_eq!(
            decode(&[0xe6, 0x50]).unwrap(),
            decode(&[0x06, 0x50]).unwrap()
        );
    }

    #[test]
    fn trailing_bytes_without_rr_flag_are_ignored() {
        assert_eq!(decode(&[0x00, 0x48, 0x99]).unwrap().hr, 72);
    }

    #[test]
    fn malformed_packets_are_typed_errors() {
        assert_eq!(decode(&[]), Err(DecodeError::Empty));
        assert_eq!(decode(&[0x00]), Err(DecodeError::FlagsOnly { needed: 1 }));
        assert_eq!(decode(&[0x01]), Err(DecodeError::FlagsOnly { needed: 2 }));
        assert_eq!(
            decode(&[0x01, 0x48]),
            Err(DecodeError::TruncatedHr { got: 1 })
        );
        assert_eq!(
            decode(&[0x08, 0x48]),
            Err(DecodeError::TruncatedEnergy { offset: 2, got: 0 })
        );
        assert_eq!(
            decode(&[0x08, 0x48, 0x01]),
            Err(DecodeError::TruncatedEnergy { offset: 2, got: 1 })
        );
        assert_eq!(
            decode(&[0x09, 0x48, 0x00, 0x01]),
            Err(DecodeError::TruncatedEnergy { offset: 3, got: 1 })
        );
        assert_eq!(
            decode(&[0x10, 0x48, 0x54]),
            Err(DecodeError::DanglingRrByte { offset: 2 })
        );
        assert_eq!(
            decode(&[0x10, 0x48, 0x54, 0x01, 0xec]),
            Err(DecodeError::DanglingRrByte { offset: 4 })
        );
        assert_eq!(
            decode(&[0x18, 0x48, 0x00, 0x00, 0x01]),
            Err(DecodeError::DanglingRrByte { offset: 4 })
        );
    }

    #[test]
    fn encode_matches_hand_vectors() {
        assert_eq!(
            encode(&m(
                72,
                HrFormat::U8,
                Contact::Detected,
                None,
                Some(&[340, 748])
            )),
            vec![0x16, 0x48, 0x54, 0x01, 0xec, 0x02]
        );
        assert_eq!(
            encode(&m(
                180,
                HrFormat::U16,
                Contact::Detected,
                Some(513),
                Some(&[336])
            )),
            vec![0x1f, 0xb4, 0x00, 0x01, 0x02, 0x50, 0x01]
        );
        // A u8 format cannot hold 300: written as u16.
        assert_eq!(
            encode(&m(300, HrFormat::U8, Contact::NotSupported, None, None)),
            vec![0x01, 0x2c, 0x01]
        );
    }

    #[test]
    fn body_locations() {
        assert_eq!(body_sensor_location(1), "chest");
        assert_eq!(body_sensor_location(2), "wrist");
        assert_eq!(body_sensor_location(0), "other");
        assert_eq!(body_sensor_location(200), "other");
    }

    #[test]
    fn hex_round_trip() {
        assert_eq!(to_hex(&[0x16, 0x48, 0xec]), "1648ec");
        assert_eq!(from_hex("1648EC").unwrap(), vec![0x16, 0x48, 0xec]);
        assert!(from_hex("164").is_err());
        assert!(from_hex("zz").is_err());
        assert!(from_hex("é1").is_err());
    }

    fn arb_measurement() -> impl Strategy<Value = Measurement> {
        (
            any::<bool>(),
            any::<u16>(),
            0u8..3,
            proptest::option::of(any::<u16>()),
            any::<bool>(),
            proptest::collection::vec(any::<u16>(), 0..9),
        )
            .prop_map(|(wide, hr, c, energy, rr_flag, rr)| {
                let hr_format = if wide { HrFormat::U16 } else { HrFormat::U8 };
                let hr = if wide { hr } else { hr & 0xff };
                Measurement {
                    hr,
                    hr_format,
                    contact: [
                        Contact::NotSupported,
                        Contact::NotDetected,
                        Contact::Detected,
                    ][c as usize],
                    energy_kj: energy,
                    rr_present: rr_flag || !rr.is_empty(),
                    rr: rr.into_iter().map(RrInterval::Ticks).collect(),
                }
            })
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
            if let Ok(d) = decode(&bytes) {
                // Whatever decodes re-encodes to something that decodes the same.
                prop_assert_eq!(decode(&encode(&d)), Ok(d));
            }
        }

        #[test]
        fn valid_encodings_round_trip(meas in arb_measurement()) {
            let bytes = encode(&meas);
            prop_assert_eq!(decode(&bytes), Ok(meas));
        }

        #[test]
        fn hex_round_trips(bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
            prop_assert_eq!(from_hex(&to_hex(&bytes)), Ok(bytes));
        }
    }
}
