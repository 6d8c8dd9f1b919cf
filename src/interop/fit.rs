//! FIT import: heart rate (and RR intervals) from the activity files that Garmin, Wahoo, Coros
//! and other devices write.
//!
//! Owns the FIT side of [`super::import_bytes`]; knows nothing of storage or sessions.
//!
//! How a file is read, and why:
//! - **Framing first, ourselves.** Before any decoding, every FIT header in the file (files may
//!   be chained) is checked: size 12 or 14, the `.FIT` signature, the header checksum when
//!   present, the declared data length against the bytes present ([`ImportError::Truncated`]
//!   when the file is shorter: an interrupted copy) and the file checksum (CRC-16 over header,
//!   data and CRC must give 0; a mismatch is [`ImportError::Corrupt`]). Bytes after the last file that
//!   are not another valid header are a damaged header, reported with their offset. This is
//!   strict (the FIT SDK and `fitparser` also refuse a bad checksum), and it means damaged or
//!   random bytes never reach the decoder.
//! - **Decoding with `fitparser`, behind `catch_unwind`.** `fitparser` 0.11 can panic on a
//!   well-framed file with odd content: a `timestamp` field declared as 64-bit with a huge value
//!   overflows chrono's date arithmetic inside `fitparser` (proved by the unit test
//!   `fitparser_can_panic_on_a_valid_checksum`), and some of its length arithmetic underflows.
//!   So the decoding loop runs under [`std::panic::catch_unwind`], and a panic becomes
//!   [`ImportError::Corrupt`]. While it runs, [`in_decoder`] is true on that thread, so a
//!   panic hook can keep quiet about a panic that is caught here (the `import` command's does:
//!   the default hook would print a backtrace for a file that is merely damaged). With
//!   `panic = "abort"` this guard would not hold. `fitparser` also prints a line on stderr for
//!   a field whose size does not match its type; that is its behaviour, not ours.
//! - **Heart rate** comes from `record` messages: `heart_rate` with the record's `timestamp`
//!   (compressed timestamps are resolved by `fitparser`). Records without a heart rate (the
//!   field absent or invalid, 0xFF) are skipped; records without a timestamp are skipped; HR 0 is
//!   kept as 0 ("no signal", see the parent module). No `heart_rate` value in the whole file is
//!   [`ImportError::NoHeartRate`].
//! - **RR intervals** come from `hrv` messages (field `time`, up to five RR values in seconds at
//!   1 ms resolution; invalid entries, 0xFFFF, are skipped, and so is 0). `hrv` messages carry no
//!   time, so each beat is placed by accumulating the RR durations from the first record's
//!   timestamp (Garmin starts both together: in garmin-fenix-5-run.fit the session and the
//!   first record start at 14:34:09 and the 113 RR sum to 75.0 s, the session's length) and
//!   attached to the first reading at or after the beat's end, as a BLE strap reports the RR
//!   intervals that ended since its previous packet. The watch keeps logging RR after its last
//!   HR record (there, 18 s more): those beats go to the last reading, so every RR is kept, in
//!   order. Each value is kept exactly, in whole milliseconds ([`RrInterval::Millis`]), so
//!   HRV and DFA alpha1 of an imported session are those of the file's own numbers.
//! - **One activity per activity sequence**, also for multisport files: a FIT activity file is
//!   one workout (one `activity` message), and its `session` messages are legs of it, including
//!   short `transition` legs (7 sessions, one of 4 s, in activity-large-fenxi2-multisport.fit).
//!   But files can hold several: chained FIT files (each its own sequence), or records that go
//!   on after an `activity` message (a second sequence: the message ends one; written first, as
//!   in antfs-dump.63.fit, it ends nothing). Each sequence's records then follow the time rules
//!   of [`crate::timeline`] (refused times, splits at jumps of more than a day and at
//!   timestamps that restart, stray parts), and each part left is one activity. The sport is the
//!   sequence's sessions' sport when they agree (ignoring `transition`), `multisport` when they
//!   differ, else the `sport` message's; FIT's `generic` is "not said" (`None`). The start is
//!   the first reading. RR intervals go with the part of the record they follow in the file.
//! - Records are named in messages by their number among the file's `record` messages, from 1.
//! - A FIT time below 0x10000000 (before 1998-07-03T21:24:16Z) is, by the FIT profile, a device's
//!   "system time": seconds since it was switched on, not a date (a watch whose clock was never
//!   set: antfs-dump.63.fit, a Forerunner 70, says 1990-07-09). Such records are refused as
//!   that, not as "before 2000". (Its `activity` message's `local_timestamp` gives the local
//!   date, but not the time zone: no UTC time can be had without guessing one.)

use chrono::{DateTime, Duration, Utc};
use fitparser::de::{DecodeOption, FitObject, FitStreamProcessor};
use fitparser::profile::MesgNum;
use fitparser::{FitDataRecord, Value};

use super::{imported_reading, refusal_notes, time_rules, ImportError, ImportedActivity, Refusal};
use crate::reading::{Reading, RrInterval};
use crate::timeline;

/// The FIT epoch, 1989-12-31T00:00:00Z, in Unix seconds.
const FIT_EPOCH_S: i64 = 631_065_600;

/// FIT times below 0x10000000 s are a device's "system time" (see the module doc): this is
/// the first FIT date, 1998-07-03T21:24:16Z.
const FIRST_FIT_DATE_S: i64 = FIT_EPOCH_S + 0x1000_0000;

/// Whether `t` is a FIT system time, not a date.
fn is_system_time(t: DateTime<Utc>) -> bool {
    (FIT_EPOCH_S..FIRST_FIT_DATE_S).contains(&t.timestamp())
}

/// The shortest FIT header (legacy 12-byte form).
pub(super) const MIN_HEADER_LEN: usize = 12;

/// Whether `bytes` start with a FIT header signature (`.FIT` at offset 8).
pub(super) fn has_signature(bytes: &[u8]) -> bool {
    bytes.get(8..12) == Some(b".FIT".as_slice())
}

std::thread_local! {
    static IN_DECODER: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether this thread is inside the guarded `fitparser` decoding right now: a panic there is
/// caught and becomes [`ImportError::Corrupt`] (see the module doc). For panic hooks.
pub fn in_decoder() -> bool {
    IN_DECODER.with(std::cell::Cell::get)
}

/// Runs `f` with [`in_decoder`] true, restoring it after (also when `f` panics).
fn guarded<T>(f: impl FnOnce() -> T + std::panic::UnwindSafe) -> std::thread::Result<T> {
    struct Reset(bool);
    impl Drop for Reset {
        fn drop(&mut self) {
            IN_DECODER.with(|c| c.set(self.0));
        }
    }
    let _reset = Reset(IN_DECODER.with(|c| c.replace(true)));
    std::panic::catch_unwind(f)
}

/// Reads every workout in a FIT file (see the module doc), with notes on what was refused.
/// No activity with notes means every reading was refused.
pub(super) fn import(
    bytes: &[u8],
    now: DateTime<Utc>,
) -> Result<(Vec<ImportedActivity>, Vec<String>), ImportError> {
    check_framing(bytes)?;
    let found = guarded(|| decode(bytes)).map_err(|_| ImportError::Corrupt {
        detail: "the FIT decoder failed on a malformed message".into(),
    })??;
    found.into_activities(now)
}

/// Checks every (chained) FIT header, length and checksum; see the module doc.
fn check_framing(bytes: &[u8]) -> Result<(), ImportError> {
    let mut at = 0usize;
    while at < bytes.len() {
        let rest = &bytes[at..];
        if rest.len() < MIN_HEADER_LEN {
            return Err(if at == 0 {
                ImportError::Truncated
            } else {
                bad_header(at)
            });
        }
        let header_len = usize::from(rest[0]);
        // The FIT protocol defines 12- and 14-byte headers; `fitparser` mis-frames any other.
        if !has_signature(rest) || !matches!(header_len, 12 | 14) {
            return Err(bad_header(at));
        }
        if rest.len() < header_len {
            return Err(ImportError::Truncated);
        }
        if header_len == 14 {
            let stored = u16::from_le_bytes([rest[12], rest[13]]);
            if stored != 0 && stored != crc16(0, &rest[..12]) {
                return Err(ImportError::Corrupt {
                    detail: format!("the FIT header at byte {at} fails its checksum"),
                });
            }
        }
        let data_len = u32::from_le_bytes([rest[4], rest[5], rest[6], rest[7]]);
        let end = usize::try_from(data_len)
            .ok()
            .and_then(|d| d.checked_add(header_len + 2))
            .ok_or(ImportError::Truncated)?;
        let file = rest.get(..end).ok_or(ImportError::Truncated)?;
        if crc16(0, file) != 0 {
            return Err(ImportError::Corrupt {
                detail: format!("the FIT data from byte {at} fails its checksum"),
            });
        }
        at += end;
    }
    Ok(())
}

fn bad_header(at: usize) -> ImportError {
    ImportError::Corrupt {
        detail: format!("bad FIT header at byte {at} (no valid \".FIT\" header there)"),
    }
}

/// The FIT SDK's CRC-16 (polynomial 0xA001, nibble table), continued from `crc`.
fn crc16(mut crc: u16, bytes: &[u8]) -> u16 {
    const TABLE: [u16; 16] = [
        0x0000, 0xCC01, 0xD801, 0x1400, 0xF001, 0x3C00, 0x2800, 0xE401, 0xA001, 0x6C00, 0x7800,
        0xB401, 0x5000, 0x9C01, 0x8801, 0x4400,
    ];
    for &b in bytes {
        for nibble in [b & 0x0f, b >> 4] {
            let tmp = TABLE[usize::from(crc & 0x0f)];
            crc = (crc >> 4) & 0x0fff;
            crc = crc ^ tmp ^ TABLE[usize::from(nibble)];
        }
    }
    crc
}

/// What the decoding pass keeps from the messages.
#[derive(Default)]
struct Found {
    /// The activity sequences, in file order (see the module doc).
    sequences: Vec<Sequence>,
    /// Whether any `record` carried a heart rate (with or without a time).
    any_heart_rate: bool,
    /// Whether any `record` carried a heart rate and a time.
    any_timed: bool,
    /// `record` messages so far (their numbers in messages).
    records_seen: usize,
    /// An `activity` message came since the current sequence's last record.
    activity_ended: bool,
}

/// One activity sequence: its records and what else belongs to it.
#[derive(Default)]
struct Sequence {
    /// `record` messages with a heart rate and a time: (record number, time, HR), file order.
    records: Vec<(usize, DateTime<Utc>, u16)>,
    /// Every valid RR interval of the `hrv` messages, in whole milliseconds, in file order,
    /// with the number of the last `record` before it (0: none).
    rr_ms: Vec<(usize, u16)>,
    /// `session` messages' sports, in order, as `fitparser` names them.
    session_sports: Vec<String>,
    /// The `sport` message's sport, if any.
    sport_message: Option<String>,
}

/// Runs `fitparser` over the (already framed-checked) bytes, keeping what we need per message.
fn decode(bytes: &[u8]) -> Result<Found, ImportError> {
    let mut processor = FitStreamProcessor::new();
    // Both checksums were verified in `check_framing`.
    processor.add_option(DecodeOption::SkipHeaderCrcValidation);
    processor.add_option(DecodeOption::SkipDataCrcValidation);
    let corrupt = |e: fitparser::Error| ImportError::Corrupt {
        detail: super::one_line(&format!("FIT decoding failed: {e}")),
    };
    let mut found = Found::default();
    found.sequences.push(Sequence::default());
    let mut input = bytes;
    while !input.is_empty() {
        let (rest, object) = processor.deserialize_next(input).map_err(corrupt)?;
        match object {
            // End of one (possibly chained) file: the next starts afresh.
            FitObject::Crc(_) => {
                processor.reset();
                found.next_sequence();
            }
            FitObject::DataMessage(message) => {
                let record = processor.decode_message(message).map_err(corrupt)?;
                found.take(&record);
            }
            FitObject::Header(_) | FitObject::DefinitionMessage(_) => {}
        }
        input = rest;
    }
    Ok(found)
}

impl Found {
    /// The current sequence (there is always one).
    fn current(&mut self) -> &mut Sequence {
        if self.sequences.is_empty() {
            self.sequences.push(Sequence::default());
        }
        let last = self.sequences.len() - 1;
        &mut self.sequences[last]
    }

    /// Starts a new sequence, unless the current one has no record yet.
    fn next_sequence(&mut self) {
        self.activity_ended = false;
        if !self.current().records.is_empty() {
            self.sequences.push(Sequence::default());
        }
    }

    fn take(&mut self, record: &FitDataRecord) {
        match record.kind() {
            MesgNum::Record => {
                self.records_seen += 1;
                let mut t = None;
                let mut hr = None;
                for field in record.fields() {
                    match field.name() {
                        "timestamp" => t = as_time(field.value()),
                        "heart_rate" => hr = as_u16(field.value()),
                        _ => {}
                    }
                }
                if let Some(hr) = hr {
                    self.any_heart_rate = true;
                    if let Some(t) = t {
                        self.any_timed = true;
                        if self.activity_ended {
                            self.next_sequence();
                        }
                        let n = self.records_seen;
                        self.current().records.push((n, t, hr));
                    }
                }
            }
            MesgNum::Activity => self.activity_ended = true,
            MesgNum::Hrv => {
                let after = self.records_seen;
                let sequence = self.current();
                for field in record.fields().iter().filter(|f| f.name() == "time") {
                    match field.value() {
                        Value::Array(values) => sequence
                            .rr_ms
                            .extend(values.iter().filter_map(rr_ms_of).map(|ms| (after, ms))),
                        single => sequence
                            .rr_ms
                            .extend(rr_ms_of(single).map(|ms| (after, ms))),
                    }
                }
            }
            MesgNum::Session => {
                for field in record.fields() {
                    if let ("sport", Value::String(s)) = (field.name(), field.value()) {
                        self.current().session_sports.push(s.clone());
                    }
                }
            }
            MesgNum::Sport => {
                for field in record.fields() {
                    if let ("sport", Value::String(s)) = (field.name(), field.value()) {
                        self.current().sport_message = Some(s.clone());
                    }
                }
            }
            _ => {}
        }
    }

    fn into_activities(
        self,
        now: DateTime<Utc>,
    ) -> Result<(Vec<ImportedActivity>, Vec<String>), ImportError> {
        if !self.any_heart_rate {
            return Err(ImportError::NoHeartRate);
        }
        if !self.any_timed {
            return Err(ImportError::Corrupt {
                detail: "the heart-rate records carry no timestamps".into(),
            });
        }
        let mut activities = Vec::new();
        let mut refused = Vec::new();
        for sequence in self.sequences {
            let sport = sequence.sport();
            let mut readings = Vec::with_capacity(sequence.records.len());
            for &(n, t, hr) in &sequence.records {
                if is_system_time(t) {
                    refused.push((n, Refusal::SystemTime(t)));
                } else {
                    readings.push((n, imported_reading(t, hr)));
                }
            }
            let parts = time_rules(readings, now, &mut refused);
            // Each RR goes to the part holding the last kept record before it (the first part
            // when none is before it).
            let mut rr_of_part: Vec<Vec<u16>> = vec![Vec::new(); parts.len()];
            let mut owner: Vec<(usize, usize)> = parts
                .iter()
                .enumerate()
                .flat_map(|(p, readings)| readings.iter().map(move |(n, _)| (*n, p)))
                .collect();
            owner.sort_unstable();
            for &(after, ms) in &sequence.rr_ms {
                let i = owner.partition_point(|&(n, _)| n <= after);
                let part = if i == 0 { 0 } else { owner[i - 1].1 };
                if let Some(rr) = rr_of_part.get_mut(part) {
                    rr.push(ms);
                }
            }
            for (part, rr_ms) in parts.into_iter().zip(rr_of_part) {
                let mut readings: Vec<Reading> = part.into_iter().map(|(_, r)| r).collect();
                attach_rr(&mut readings, &rr_ms);
                let Some(start) = readings.first().map(|r| r.t) else {
                    continue;
                };
                activities.push(ImportedActivity {
                    sport: sport.clone(),
                    start,
                    readings,
                });
            }
        }
        let notes = refusal_notes(refused, now, |first, last, count| {
            timeline::places("record", first, last, count)
        });
        Ok((activities, notes))
    }
}

impl Sequence {
    /// The workout's sport (see the module doc).
    fn sport(&self) -> Option<String> {
        let mut legs: Vec<&str> = Vec::new();
        for s in &self.session_sports {
            if s != "transition" && !legs.contains(&s.as_str()) {
                legs.push(s);
            }
        }
        let sport = match legs.as_slice() {
            [] => self.sport_message.clone(),
            [one] => Some((*one).to_string()),
            _ => Some("multisport".to_string()),
        };
        sport.filter(|s| s != "generic")
    }
}

/// Places the RR intervals on the readings (sorted by time; see the module doc).
fn attach_rr(readings: &mut [Reading], rr_ms: &[u16]) {
    let Some(first_t) = readings.first().map(|r| r.t) else {
        return;
    };
    let last = readings.len() - 1;
    let mut elapsed_ms: i64 = 0;
    let mut at = 0usize;
    for &ms in rr_ms {
        elapsed_ms += i64::from(ms);
        // Past chrono's last date (impossible in a real file): after every reading.
        let beat_end = first_t.checked_add_signed(Duration::milliseconds(elapsed_ms));
        while at < last && beat_end.map_or(true, |end| readings[at].t < end) {
            at += 1;
        }
        readings[at].rr.push(RrInterval::Millis(ms));
    }
}

/// A `fitparser` timestamp as UTC (it converts FIT times to the local zone; the instant is
/// the same).
fn as_time(v: &Value) -> Option<DateTime<Utc>> {
    match v {
        Value::Timestamp(t) => Some(t.with_timezone(&Utc)),
        _ => None,
    }
}

/// An integer field value that fits a heart rate.
fn as_u16(v: &Value) -> Option<u16> {
    let n: i64 = v.try_into().ok()?;
    u16::try_from(n).ok()
}

/// One `hrv.time` entry (seconds, scaled by `fitparser` from whole milliseconds) as whole
/// milliseconds; invalid, zero and out-of-range entries give `None`.
fn rr_ms_of(v: &Value) -> Option<u16> {
    let seconds = match v {
        Value::Float64(s) => *s,
        Value::Float32(s) => f64::from(*s),
        _ => return None,
    };
    let ms = (seconds * 1000.0).round();
    (ms.is_finite() && ms >= 1.0 && ms <= f64::from(u16::MAX)).then_some(ms as u16)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap()
    }

    /// A minimal FIT file: 14-byte header with checksum, `data`, file checksum.
    fn fit_file(data: &[u8]) -> Vec<u8> {
        let mut f = vec![14u8, 0x10];
        f.extend_from_slice(&2093u16.to_le_bytes());
        f.extend_from_slice(&u32::try_from(data.len()).unwrap().to_le_bytes());
        f.extend_from_slice(b".FIT");
        let hcrc = crc16(0, &f);
        f.extend_from_slice(&hcrc.to_le_bytes());
        f.extend_from_slice(data);
        let crc = crc16(0, &f);
        f.extend_from_slice(&crc.to_le_bytes());
        f
    }

    /// A `record` definition (local 0): timestamp (253) as `base`/`size`, heart_rate (3) u8.
    fn record_definition(base: u8, size: u8) -> Vec<u8> {
        vec![0x40, 0, 0, 20, 0, 2, 253, size, base, 3, 1, 0x02]
    }

    #[test]
    fn crc_matches_the_sdk_check_value() {
        // CRC-16/ARC of "123456789" is 0xBB3D (the FIT CRC is CRC-16/ARC).
        assert_eq!(crc16(0, b"123456789"), 0xBB3D);
    }

    #[test]
    fn minimal_file_imports() {
        let mut data = record_definition(0x86, 4);
        for (i, hr) in [(0u32, 60u8), (1, 0), (2, 0xFF), (3, 61)] {
            data.push(0x00);
            data.extend_from_slice(&(1_000_000_000 + i).to_le_bytes());
            data.push(hr);
        }
        let (acts, notes) = import(&fit_file(&data), now()).unwrap();
        assert_eq!(acts.len(), 1);
        assert!(notes.is_empty());
        let hrs: Vec<u16> = acts[0].readings.iter().map(|r| r.hr).collect();
        // 0xFF is FIT's "invalid": skipped; 0 is kept.
        assert_eq!(hrs, [60, 0, 61]);
        // FIT epoch 1989-12-31T00:00:00Z + 1e9 s.
        let t0 = Utc.with_ymd_and_hms(2021, 9, 8, 1, 46, 40).unwrap();
        assert_eq!(acts[0].readings[0].t, t0);
        assert_eq!(acts[0].start, t0);
        assert_eq!(acts[0].sport, None);
    }

    #[test]
    fn fitparser_can_panic_on_a_valid_checksum() {
        // A record whose timestamp is declared sint64 (0x8E) with 1e15 s: fitparser adds that
        // to a chrono date and overflows, which panics.
        let mut data = record_definition(0x8E, 8);
        data.push(0x00);
        data.extend_from_slice(&1_000_000_000_000_000i64.to_le_bytes());
        data.push(70);
        let file = fit_file(&data);
        let raw = std::panic::catch_unwind(|| fitparser::from_bytes(&file));
        assert!(raw.is_err(), "fitparser no longer panics here: {raw:?}");
        assert!(!in_decoder());
        assert!(matches!(
            import(&file, now()),
            Err(ImportError::Corrupt { .. })
        ));
        assert!(!in_decoder(), "reset after a caught panic");
    }

    #[test]
    fn framing_errors() {
        let file = fit_file(&record_definition(0x86, 4));
        assert_eq!(check_framing(&file), Ok(()));
        assert_eq!(
            check_framing(&file[..file.len() - 1]),
            Err(ImportError::Truncated)
        );
        assert_eq!(check_framing(&file[..5]), Err(ImportError::Truncated));
        let mut bad = file.clone();
        bad[16] ^= 1;
        assert!(matches!(
            check_framing(&bad),
            Err(ImportError::Corrupt { .. })
        ));
        let mut bad_header_crc = file.clone();
        bad_header_crc[12] ^= 1;
        assert!(
            matches!(check_framing(&bad_header_crc), Err(ImportError::Corrupt { detail }) if detail.contains("header"))
        );
        let mut chained = file.clone();
        chained.extend_from_slice(&file);
        assert_eq!(check_framing(&chained), Ok(()));
        chained.extend_from_slice(b"junk");
        assert!(
            matches!(check_framing(&chained), Err(ImportError::Corrupt { detail }) if detail.contains(&format!("byte {}", 2 * file.len())))
        );
    }

    fn at(s: i64) -> Reading {
        imported_reading(Utc.timestamp_opt(s, 0).unwrap(), 60)
    }

    #[test]
    fn rr_attach_to_the_first_reading_at_or_after_the_beat() {
        let mut rs = vec![at(0), at(1), at(2)];
        // Beats end at 0.5, 1.0, 1.6, 2.2, 2.9 s.
        attach_rr(&mut rs, &[500, 500, 600, 600, 700]);
        let counts: Vec<usize> = rs.iter().map(|r| r.rr.len()).collect();
        assert_eq!(counts, [0, 2, 3]);
        assert_eq!(rs[1].rr[0], RrInterval::Millis(500));
        attach_rr(&mut [], &[500]);
    }

    #[test]
    fn rr_values() {
        assert_eq!(rr_ms_of(&Value::Float64(1.093)), Some(1093));
        assert_eq!(rr_ms_of(&Value::Invalid), None);
        assert_eq!(rr_ms_of(&Value::Float64(0.0)), None);
        assert_eq!(rr_ms_of(&Value::Float64(f64::NAN)), None);
    }

    #[test]
    fn sport_rules() {
        let f = |sessions: &[&str], msg: Option<&str>| {
            Sequence {
                session_sports: sessions.iter().map(|s| s.to_string()).collect(),
                sport_message: msg.map(str::to_string),
                ..Sequence::default()
            }
            .sport()
        };
        assert_eq!(f(&["running"], None).as_deref(), Some("running"));
        assert_eq!(
            f(&["cycling", "transition", "running"], None).as_deref(),
            Some("multisport")
        );
        assert_eq!(
            f(&["running", "transition", "running"], None).as_deref(),
            Some("running")
        );
        assert_eq!(f(&[], Some("cycling")).as_deref(), Some("cycling"));
        assert_eq!(f(&["generic"], None), None);
    }
}
