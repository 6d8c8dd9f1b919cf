//! The compact form of a session's readings on disk: blocks of up to [`MAX_READINGS`] readings,
//! each one `reading_blocks` row, coded by their differences (format 1, docs/storage-design.md
//! §4): about 4 bytes a reading at 1 Hz with RR, where a row per reading cost 47.
//!
//! Pure: readings in, bytes out, and back; no SQLite, no clock. The decoder is total: any
//! bytes either decode to readings or give an error saying what is wrong, never a panic, and it
//! allocates no more than the blob's length justifies (a damaged length cannot ask for
//! gigabytes).
//!
//! Format 1. Integers are unsigned LEB128 varints (at most 10 bytes); "zz" is zigzag
//! (0, -1, 1, -2 ... -> 0, 1, 2, 3 ...) before the varint. In order:
//!
//! 1. format: one byte, 1;
//! 2. flags: bit 0 the RR unit (0 = 1/1024 s, 1 = ms); bits 1-2 contact (0 all "not
//!    supported", 1 all "not detected", 2 all "detected", 3 a contact column follows); bit 3 an
//!    energy column follows; bit 4 regular times (every interval equal); bit 5 mixed RR units (a
//!    unit bitmap follows the RR counts, and bit 0 is 0); bits 6-7 zero;
//! 3. n, the number of readings (>= 1; >= 2 with bit 4);
//! 4. times, in ms: t0 is the row's `start_ms`. With bit 4, one varint D: t_i = t0 + i x D.
//!    Else n - 1 zz changes of the interval, `d_i - d_(i-1)`, with d_0 = 1000 ms. An interval may
//!    be negative: a live recording's wall clock can step back, and the readings are kept as
//!    they arrived (they are put in time order when read back);
//! 5. heart rate: varint hr_0, then a nibble column of the n - 1 values zz(hr_i - hr_(i-1));
//! 6. contact, with bits 1-2 = 3: 2 bits a reading, reading i in bits 2(i mod 4) of byte i/4
//!    (0 not supported, 1 not detected, 2 detected; 3 is refused);
//! 7. energy, with bit 3: a presence bitmap (reading i = bit i mod 8 of byte i/8), then for each
//!    reading that has one: the first as a varint, the others zz(e - previous e);
//! 8. RR counts: a nibble column of n values, how many RR intervals each reading carries;
//! 9. RR units, with bit 5: a bitmap over all the block's RR in order (bit set = ms);
//! 10. RR values, every RR of the block in reading order: the first as a varint, then
//!     zz(rr - previous rr);
//! 11. the end: bytes left over are refused. Unused bits of bitmaps and of the last nibble
//!     byte must be 0.
//!
//! A nibble column of k values is ceil(k/2) bytes, value i in the low (i even) or high (i odd)
//! nibble of byte i/2; a value of 15 or more is written as 15 and `value - 15` follows as a
//! varint, in order, right after the nibble bytes. Heart rates, energies and RR must fit u16.

use chrono::DateTime;

use crate::reading::{Contact, Reading, RrInterval, RrUnit, Source};

/// Readings in a block, normally; a block grows past it only while readings keep a time not
/// after the block's latest (see [`ends_before`]).
pub const MAX_READINGS: usize = 64;

/// The only format this talkzone writes and reads.
const FORMAT: u8 = 1;

const UNIT_MILLIS: u8 = 1;
const CONTACT_SHIFT: u8 = 1;
const CONTACT_COLUMN: u8 = 3;
const HAS_ENERGY: u8 = 1 << 3;
const REGULAR: u8 = 1 << 4;
const MIXED_UNITS: u8 = 1 << 5;
const UNKNOWN_FLAGS: u8 = 0b1100_0000;

/// The interval before the first reading, for the first change of interval.
const FIRST_INTERVAL_MS: i64 = 1000;

/// Whether a block holding `len` readings, the latest of them at `latest_ms`, is closed before
/// a reading at `next_ms`: when it is full and the next reading is strictly later than every
/// reading so far. So two blocks never share a `start_ms` (even with readings at the same time,
/// or a clock that stepped back), and the blocks' starts increase with the order of writing.
pub fn ends_before(len: usize, latest_ms: i64, next_ms: i64) -> bool {
    len >= MAX_READINGS && next_ms > latest_ms
}

/// `readings` cut into blocks by [`ends_before`], in order.
pub fn blocks(readings: &[Reading]) -> Vec<&[Reading]> {
    let mut out = Vec::with_capacity(readings.len() / MAX_READINGS + 1);
    let mut start = 0;
    let mut latest = i64::MIN;
    for (i, r) in readings.iter().enumerate() {
        let t = r.t.timestamp_millis();
        if i > start && ends_before(i - start, latest, t) {
            out.push(&readings[start..i]);
            start = i;
        }
        latest = latest.max(t);
    }
    if start < readings.len() {
        out.push(&readings[start..]);
    }
    out
}

/// The block of `readings` (not empty: an empty block is refused by [`decode`]); its row's
/// `start_ms` is the first reading's time in ms. Times keep whole milliseconds (as every
/// stored time); every other field is kept exactly, RR in their own units.
pub fn encode(readings: &[Reading]) -> Vec<u8> {
    let n = readings.len();
    let mut out = Vec::with_capacity(8 + n * 4);
    let ms: Vec<i64> = readings.iter().map(|r| r.t.timestamp_millis()).collect();

    let mut flags = 0u8;
    let (mut ticks, mut millis) = (false, false);
    for rr in readings.iter().flat_map(|r| &r.rr) {
        match rr.unit() {
            RrUnit::Ticks => ticks = true,
            RrUnit::Millis => millis = true,
        }
    }
    if ticks && millis {
        flags |= MIXED_UNITS;
    } else if millis {
        flags |= UNIT_MILLIS;
    }
    let contact = match readings.first().map(|r| r.contact) {
        Some(c) if readings.iter().all(|r| r.contact == c) => contact_code(c),
        _ => CONTACT_COLUMN,
    };
    flags |= contact << CONTACT_SHIFT;
    if readings.iter().any(|r| r.energy_kj.is_some()) {
        flags |= HAS_ENERGY;
    }
    let intervals: Vec<i64> = ms.windows(2).map(|w| w[1] - w[0]).collect();
    let regular = match intervals.first() {
        Some(&d) if d >= 0 && intervals.iter().all(|&x| x == d) => Some(d),
        _ => None,
    };
    if regular.is_some() {
        flags |= REGULAR;
    }

    out.push(FORMAT);
    out.push(flags);
    put_varint(&mut out, n as u64);

    match regular {
        Some(d) => put_varint(&mut out, d as u64),
        None => {
            let mut prev = FIRST_INTERVAL_MS;
            for &d in &intervals {
                put_varint(&mut out, zigzag(d - prev));
                prev = d;
            }
        }
    }

    put_varint(&mut out, readings.first().map_or(0, |r| u64::from(r.hr)));
    put_nibbles(
        &mut out,
        readings
            .windows(2)
            .map(|w| zigzag(i64::from(w[1].hr) - i64::from(w[0].hr))),
    );

    if contact == CONTACT_COLUMN {
        let mut bytes = vec![0u8; n.div_ceil(4)];
        for (i, r) in readings.iter().enumerate() {
            bytes[i / 4] |= contact_code(r.contact) << (2 * (i % 4));
        }
        out.extend_from_slice(&bytes);
    }

    if flags & HAS_ENERGY != 0 {
        let mut bitmap = vec![0u8; n.div_ceil(8)];
        for (i, r) in readings.iter().enumerate() {
            if r.energy_kj.is_some() {
                bitmap[i / 8] |= 1 << (i % 8);
            }
        }
        out.extend_from_slice(&bitmap);
        put_deltas(&mut out, readings.iter().filter_map(|r| r.energy_kj));
    }

    put_nibbles(&mut out, readings.iter().map(|r| r.rr.len() as u64));
    if flags & MIXED_UNITS != 0 {
        let total = readings.iter().map(|r| r.rr.len()).sum::<usize>();
        let mut bitmap = vec![0u8; total.div_ceil(8)];
        for (i, rr) in readings.iter().flat_map(|r| &r.rr).enumerate() {
            if rr.unit() == RrUnit::Millis {
                bitmap[i / 8] |= 1 << (i % 8);
            }
        }
        out.extend_from_slice(&bitmap);
    }
    put_deltas(
        &mut out,
        readings.iter().flat_map(|r| &r.rr).map(|rr| rr.raw()),
    );
    out
}

/// Decode the block `data` whose row says `start_ms`, appending its readings (tagged with the
/// session's `source`) to `out` in the order they were written. On error `out` may hold some
/// of the block's readings; the error says what is wrong.
pub fn decode(
    start_ms: i64,
    data: &[u8],
    source: Source,
    out: &mut Vec<Reading>,
) -> Result<(), String> {
    let mut r = Bytes { data, pos: 0 };
    let format = r.byte("the format byte")?;
    if format != FORMAT {
        return Err(format!(
            "unknown block format {format} (this talkzone reads 1)"
        ));
    }
    let flags = r.byte("the flags")?;
    if flags & UNKNOWN_FLAGS != 0 {
        return Err(format!("unknown flags {flags:#04x}"));
    }
    if flags & MIXED_UNITS != 0 && flags & UNIT_MILLIS != 0 {
        return Err("flags say both mixed and millisecond RR".into());
    }
    let n = r.varint("the reading count")?;
    // Every reading takes at least one nibble of heart-rate change and one of RR count, so a
    // count beyond twice the bytes left is damage; checking it bounds every allocation below.
    if n == 0 || n > 2 * r.left() as u64 + 1 {
        return Err(format!(
            "reading count {n} impossible for a {}-byte block",
            data.len()
        ));
    }
    let n = n as usize;
    let regular = flags & REGULAR != 0;
    if regular && n < 2 {
        return Err("regular times in a block of one reading".into());
    }

    let mut times = Vec::with_capacity(n);
    times.push(start_ms);
    if regular {
        let d = r.varint("the interval")?;
        let d = i64::try_from(d).map_err(|_| format!("interval {d} ms is out of range"))?;
        for i in 1..n {
            let t = times[i - 1]
                .checked_add(d)
                .ok_or("a time is out of range")?;
            times.push(t);
        }
    } else {
        let mut d = FIRST_INTERVAL_MS;
        for i in 1..n {
            d = d
                .checked_add(unzigzag(r.varint("a change of interval")?))
                .ok_or("an interval is out of range")?;
            let t = times[i - 1]
                .checked_add(d)
                .ok_or("a time is out of range")?;
            times.push(t);
        }
    }

    let mut hrs = Vec::with_capacity(n);
    hrs.push(fit_u16(r.varint("the first heart rate")?, "heart rate")?);
    for delta in r.nibbles(n - 1, "heart-rate changes")? {
        let prev = i64::from(hrs[hrs.len() - 1]);
        hrs.push(fit_u16_i(prev + unzigzag(delta), "heart rate")?);
    }

    let contact_bits = (flags >> CONTACT_SHIFT) & 3;
    let mut contacts = vec![contact_of(contact_bits).unwrap_or(Contact::NotSupported); n];
    if contact_bits == CONTACT_COLUMN {
        let bytes = r.take(n.div_ceil(4), "the contact column")?;
        for (i, c) in contacts.iter_mut().enumerate() {
            let code = (bytes[i / 4] >> (2 * (i % 4))) & 3;
            *c = contact_of(code).ok_or_else(|| format!("contact code {code}"))?;
        }
        unused_bits_zero(bytes, 2 * n, "the contact column")?;
    }

    let mut energies = vec![None; n];
    if flags & HAS_ENERGY != 0 {
        let bitmap = r.take(n.div_ceil(8), "the energy bitmap")?;
        unused_bits_zero(bitmap, n, "the energy bitmap")?;
        let mut prev: Option<u16> = None;
        for (i, e) in energies.iter_mut().enumerate() {
            if bitmap[i / 8] & (1 << (i % 8)) != 0 {
                let v = r.varint("an energy")?;
                let value = match prev {
                    None => fit_u16(v, "energy")?,
                    Some(p) => fit_u16_i(i64::from(p) + unzigzag(v), "energy")?,
                };
                *e = Some(value);
                prev = Some(value);
            }
        }
    }

    let counts = r.nibbles(n, "RR counts")?;
    let mut total: u64 = 0;
    for &c in &counts {
        total = total.saturating_add(c);
    }
    // Every RR value takes at least one byte.
    if total > r.left() as u64 {
        return Err(format!(
            "{total} RR intervals cannot fit the {} bytes left",
            r.left()
        ));
    }
    let total = total as usize;
    let unit_bitmap = if flags & MIXED_UNITS != 0 {
        let bitmap = r.take(total.div_ceil(8), "the RR unit bitmap")?;
        unused_bits_zero(bitmap, total, "the RR unit bitmap")?;
        Some(bitmap)
    } else {
        None
    };
    let block_unit: fn(u16) -> RrInterval = if flags & UNIT_MILLIS != 0 {
        RrInterval::Millis
    } else {
        RrInterval::Ticks
    };

    out.reserve(n);
    let mut k = 0usize;
    let mut prev_rr: Option<u16> = None;
    for i in 0..n {
        let count = counts[i] as usize;
        let mut rr = Vec::with_capacity(count);
        for _ in 0..count {
            let v = r.varint("an RR interval")?;
            let raw = match prev_rr {
                None => fit_u16(v, "RR interval")?,
                Some(p) => fit_u16_i(i64::from(p) + unzigzag(v), "RR interval")?,
            };
            prev_rr = Some(raw);
            let unit = match unit_bitmap {
                Some(b) if b[k / 8] & (1 << (k % 8)) != 0 => RrInterval::Millis,
                Some(_) => RrInterval::Ticks,
                None => block_unit,
            };
            rr.push(unit(raw));
            k += 1;
        }
        let t = DateTime::from_timestamp_millis(times[i])
            .ok_or_else(|| format!("time {} ms is not a valid time", times[i]))?;
        out.push(Reading {
            t,
            hr: hrs[i],
            contact: contacts[i],
            energy_kj: energies[i],
            rr,
            source,
        });
    }
    if r.left() != 0 {
        return Err(format!("{} bytes left over after the block", r.left()));
    }
    Ok(())
}

fn contact_code(c: Contact) -> u8 {
    match c {
        Contact::NotSupported => 0,
        Contact::NotDetected => 1,
        Contact::Detected => 2,
    }
}

fn contact_of(code: u8) -> Option<Contact> {
    match code {
        0 => Some(Contact::NotSupported),
        1 => Some(Contact::NotDetected),
        2 => Some(Contact::Detected),
        _ => None,
    }
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// The first value as a varint, then each one's zz change from the one before.
fn put_deltas(out: &mut Vec<u8>, values: impl Iterator<Item = u16>) {
    let mut prev: Option<u16> = None;
    for v in values {
        match prev {
            None => put_varint(out, u64::from(v)),
            Some(p) => put_varint(out, zigzag(i64::from(v) - i64::from(p))),
        }
        prev = Some(v);
    }
}

fn put_nibbles(out: &mut Vec<u8>, values: impl Iterator<Item = u64>) {
    let start = out.len();
    let mut escapes = Vec::new();
    for (i, v) in values.enumerate() {
        if i % 2 == 0 {
            out.push(0);
        }
        out[start + i / 2] |= (v.min(15) as u8) << (4 * (i % 2));
        if v >= 15 {
            escapes.push(v - 15);
        }
    }
    for e in escapes {
        put_varint(out, e);
    }
}

fn fit_u16(v: u64, what: &str) -> Result<u16, String> {
    u16::try_from(v).map_err(|_| format!("{what} {v} is out of range"))
}

fn fit_u16_i(v: i64, what: &str) -> Result<u16, String> {
    u16::try_from(v).map_err(|_| format!("{what} {v} is out of range"))
}

/// Bits from `used` on in `bytes` must be 0.
fn unused_bits_zero(bytes: &[u8], used: usize, what: &str) -> Result<(), String> {
    let Some(&last) = bytes.last() else {
        return Ok(());
    };
    let used_in_last = used - (bytes.len() - 1) * 8;
    if used_in_last < 8 && last >> used_in_last != 0 {
        return Err(format!("unused bits set in {what}"));
    }
    Ok(())
}

/// A cursor over a block's bytes; every read is checked.
struct Bytes<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Bytes<'a> {
    fn left(&self) -> usize {
        self.data.len() - self.pos
    }

    fn take(&mut self, k: usize, what: &str) -> Result<&'a [u8], String> {
        if k > self.left() {
            return Err(format!("the block ends inside {what}"));
        }
        let s = &self.data[self.pos..self.pos + k];
        self.pos += k;
        Ok(s)
    }

    fn byte(&mut self, what: &str) -> Result<u8, String> {
        Ok(self.take(1, what)?[0])
    }

    fn varint(&mut self, what: &str) -> Result<u64, String> {
        let mut v = 0u64;
        for i in 0..10 {
            let b = self.byte(what)?;
            if i == 9 && b > 1 {
                return Err(format!("{what}: a varint longer than 64 bits"));
            }
            v |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(format!("{what}: a varint longer than 10 bytes"))
    }

    fn nibbles(&mut self, k: usize, what: &str) -> Result<Vec<u64>, String> {
        let bytes = self.take(k.div_ceil(2), what)?;
        if k % 2 == 1 && bytes[k / 2] >> 4 != 0 {
            return Err(format!("unused nibble set in {what}"));
        }
        let mut values: Vec<u64> = (0..k)
            .map(|i| u64::from((bytes[i / 2] >> (4 * (i % 2))) & 0x0f))
            .collect();
        for v in values.iter_mut().filter(|v| **v == 15) {
            *v = self
                .varint(what)?
                .checked_add(15)
                .ok_or_else(|| format!("{what}: a value out of range"))?;
        }
        Ok(values)
    }
}

/// Every field of each reading, RR as (raw, unit): for tests that readings come back exactly,
/// in their source unit (`RrInterval`'s own equality compares durations only).
#[cfg(test)]
pub(super) type Exact = (i64, u16, Contact, Option<u16>, Vec<(u16, RrUnit)>);

/// See [`Exact`].
#[cfg(test)]
pub(super) fn exact(rs: &[Reading]) -> Vec<Exact> {
    rs.iter()
        .map(|r| {
            (
                r.t.timestamp_millis(),
                r.hr,
                r.contact,
                r.energy_kj,
                r.rr.iter().map(|x| (x.raw(), x.unit())).collect(),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn reading(
        ms: i64,
        hr: u16,
        contact: Contact,
        energy: Option<u16>,
        rr: Vec<RrInterval>,
    ) -> Reading {
        Reading {
            t: DateTime::from_timestamp_millis(ms).unwrap(),
            hr,
            contact,
            energy_kj: energy,
            rr,
            source: Source::Ble,
        }
    }

    fn round_trip(rs: &[Reading]) -> Vec<Reading> {
        let data = encode(rs);
        let mut out = Vec::new();
        decode(rs[0].t.timestamp_millis(), &data, Source::Ble, &mut out).unwrap();
        out
    }

    #[test]
    fn a_block_by_hand() {
        let t0 = 1_714_521_600_000;
        let rs = [
            reading(
                t0,
                60,
                Contact::Detected,
                None,
                vec![RrInterval::Ticks(1000)],
            ),
            reading(
                t0 + 1000,
                61,
                Contact::Detected,
                None,
                vec![RrInterval::Ticks(990)],
            ),
            reading(t0 + 2000, 61, Contact::Detected, None, vec![]),
        ];
        // format 1; flags: contact all detected (2 << 1) | regular (0x10); n 3; D = 1000
        // (0xE8 0x07); hr0 60; hr changes zz(+1) = 2, zz(0) = 0 in one byte; RR counts 1, 1, 0
        // in two bytes; RR 1000 (0xE8 0x07), then zz(-10) = 19.
        assert_eq!(
            encode(&rs),
            [0x01, 0x14, 0x03, 0xE8, 0x07, 0x3C, 0x02, 0x11, 0x00, 0xE8, 0x07, 0x13]
        );
        assert_eq!(exact(&round_trip(&rs)), exact(&rs));
    }

    #[test]
    fn irregular_times_energy_contact_and_escapes_by_hand() {
        let t0 = 1_000_000;
        let rs = [
            reading(
                t0,
                200,
                Contact::NotSupported,
                Some(7),
                vec![RrInterval::Millis(300)],
            ),
            reading(t0 + 1001, 100, Contact::NotDetected, None, vec![]),
            reading(t0 + 1001, 100, Contact::Detected, Some(5), vec![]),
        ];
        // flags: ms (1) | contact column (3 << 1) | energy (8) = 0x0F; n 3; intervals 1001, 0:
        // changes zz(+1) = 2, zz(-1001) = 2001 (0xD1 0x0F); hr0 200 (0xC8 0x01); hr changes
        // zz(-100) = 199 (escaped: 15, then 184 = 0xB8 0x01), zz(0) = 0; contact codes 0, 1, 2
        // = 0b10_01_00; energy bitmap 0b101, 7, zz(-2) = 3; RR counts 1, 0, 0; RR 300 (0xAC 0x02).
        let bytes = encode(&rs);
        assert_eq!(
            bytes,
            [
                0x01, 0x0F, 0x03, 0x02, 0xD1, 0x0F, 0xC8, 0x01, 0x0F, 0xB8, 0x01, 0x24, 0x05, 0x07,
                0x03, 0x01, 0x00, 0xAC, 0x02
            ]
        );
        assert_eq!(exact(&round_trip(&rs)), exact(&rs));
    }

    #[test]
    fn damaged_blocks_say_what_is_wrong() {
        let rs = [reading(
            5,
            60,
            Contact::Detected,
            None,
            vec![RrInterval::Ticks(1000)],
        )];
        let good = encode(&rs);
        let mut out = Vec::new();
        let err = |bytes: &[u8]| decode(5, bytes, Source::Ble, &mut Vec::new()).unwrap_err();
        assert!(decode(5, &good, Source::Ble, &mut out).is_ok());
        assert!(err(&[2]).contains("unknown block format 2"));
        assert!(err(&[]).contains("ends inside the format byte"));
        assert!(err(&[1, 0x40, 1, 60, 0]).contains("unknown flags"));
        assert!(err(&[1, 0, 0]).contains("reading count 0"));
        assert!(err(&[1, 0, 0xFF, 0xFF, 0xFF, 0x7F]).contains("impossible"));
        let mut extra = good.clone();
        extra.push(0);
        assert!(err(&extra).contains("left over"));
        assert!(err(&good[..good.len() - 1]).contains("ends inside"));
        // Heart rate 65535 + 1.
        assert!(err(&[1, 0, 2, 0, 0xFF, 0xFF, 0x03, 0x02, 0x00]).contains("heart rate 65536"));
    }

    #[test]
    fn blocks_never_split_equal_times_and_starts_increase() {
        let t0 = 1_000_000;
        let mut rs: Vec<Reading> = (0..64)
            .map(|i| reading(t0 + i * 1000, 60, Contact::Detected, None, vec![]))
            .collect();
        // Three more at the 64th's time, one from a clock that stepped back, then later ones.
        for ms in [63_000, 63_000, 63_000, 10_000, 64_000, 65_000] {
            rs.push(reading(t0 + ms, 61, Contact::Detected, None, vec![]));
        }
        let bs = blocks(&rs);
        assert_eq!(bs.iter().map(|b| b.len()).collect::<Vec<_>>(), vec![68, 2]);
        assert_eq!(bs[1][0].t.timestamp_millis(), t0 + 64_000);
        assert_eq!(exact(&round_trip(bs[0])), exact(bs[0]));
        assert!(blocks(&[]).is_empty());
    }

    fn contact_strategy() -> impl Strategy<Value = Contact> {
        prop_oneof![
            Just(Contact::NotSupported),
            Just(Contact::NotDetected),
            Just(Contact::Detected)
        ]
    }

    /// Readings with times near real ones or anywhere in chrono's range, steps of any sign,
    /// RR all in ticks, all in ms or mixed.
    fn readings_strategy() -> impl Strategy<Value = Vec<Reading>> {
        let step = prop_oneof![Just(1000i64), 0i64..3000, -5000i64..100_000, -1i64..2];
        let start = prop_oneof![
            1_000_000_000_000i64..2_000_000_000_000,
            -8_000_000_000_000_000i64..8_000_000_000_000_000
        ];
        (start, 0u8..3, 1usize..90).prop_flat_map(move |(start, units, n)| {
            let rr_value = move || match units {
                0 => any::<u16>().prop_map(RrInterval::Ticks).boxed(),
                1 => any::<u16>().prop_map(RrInterval::Millis).boxed(),
                _ => prop_oneof![
                    any::<u16>().prop_map(RrInterval::Ticks),
                    any::<u16>().prop_map(RrInterval::Millis)
                ]
                .boxed(),
            };
            let fields = (
                step.clone(),
                prop_oneof![40u16..200, any::<u16>()],
                contact_strategy(),
                proptest::option::of(any::<u16>()),
                proptest::collection::vec(rr_value(), 0..20),
            );
            proptest::collection::vec(fields, n).prop_map(move |fs| {
                let mut ms = start;
                fs.into_iter()
                    .map(|(step, hr, contact, energy, rr)| {
                        ms = (ms + step).clamp(-8_000_000_000_000_000, 8_000_000_000_000_000);
                        reading(ms, hr, contact, energy, rr)
                    })
                    .collect()
            })
        })
    }

    proptest! {
        #[test]
        fn every_field_round_trips_exactly(rs in readings_strategy()) {
            prop_assert_eq!(exact(&round_trip(&rs)), exact(&rs));
            let mut again = Vec::new();
            for b in blocks(&rs) {
                decode(b[0].t.timestamp_millis(), &encode(b), Source::Ble, &mut again).unwrap();
            }
            prop_assert_eq!(exact(&again), exact(&rs));
        }

        #[test]
        fn a_uniform_1hz_block_is_small(hr in 50u16..180, rr in 300u16..1500) {
            let rs: Vec<Reading> = (0..64)
                .map(|i| reading(1_700_000_000_000 + i * 1000, hr, Contact::Detected, None,
                                 vec![RrInterval::Ticks(rr)]))
                .collect();
            // Header 5 bytes (D = 1000 takes two), hr0 at most 2, 32 bytes of HR changes, 32 of
            // counts, the first RR in 2 bytes and each next one (no change) in 1: 2 B a reading.
            prop_assert!(encode(&rs).len() <= 5 + 2 + 32 + 32 + 2 + 63);
        }

        #[test]
        fn any_bytes_decode_or_err(data in proptest::collection::vec(any::<u8>(), 0..300),
                                    start in any::<i64>()) {
            let _ = decode(start, &data, Source::Ble, &mut Vec::new());
            let mut with_format = vec![1u8];
            with_format.extend_from_slice(&data);
            let _ = decode(start, &with_format, Source::Ble, &mut Vec::new());
        }

        #[test]
        fn damaged_real_blocks_decode_or_err(rs in readings_strategy(), at in any::<usize>(),
                                             byte in any::<u8>(), cut in any::<bool>()) {
            let mut data = encode(&rs);
            let i = at % data.len();
            if cut { data.truncate(i) } else { data[i] = byte }
            let _ = decode(rs[0].t.timestamp_millis(), &data, Source::Ble, &mut Vec::new());
        }
    }
}
