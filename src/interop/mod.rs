//! Workout files in and out: import FIT and TCX files from watches and bike computers (Garmin,
//! Wahoo, Coros, Polar...), export talkzone sessions as TCX (for Strava, GoldenCheetah,
//! Runalyze), CSV and JSON.
//!
//! Owns only pure conversions between bytes or text and plain data ([`Reading`]s plus a little
//! metadata). It never touches the disk, the clock, the store or the terminal: the `import` and
//! `export` commands read the files, pick the session and write the output.
//!
//! - [`fit`]: FIT import (via `fitparser`, behind our own header and checksum checks);
//! - [`tcx`]: TCX import and export (Garmin Training Center Database v2);
//! - [`export`]: talkzone's own flat forms, CSV and JSON (and a CSV reader for round trips).
//!
//! Decisions that hold for every format:
//! - An imported reading has `source` [`Source::Import`], `contact` [`Contact::NotSupported`]
//!   (files do not record skin contact) and no `energy_kj`. Readings are in time order, and an
//!   activity's `start` is never after its first reading.
//! - A heart rate of 0 in a file is kept as 0: it is what the device recorded (no strap
//!   signal), and the summary already counts `hr == 0` as "no signal", so a file whose every
//!   HR is 0 imports as a session with no active time. Only a file with no heart-rate value at
//!   all is refused, with [`ImportError::NoHeartRate`].
//! - Format detection looks at the content first (FIT's `.FIT` signature at byte 8, an XML
//!   document naming `TrainingCenterDatabase`); the file name only breaks a tie for files too
//!   damaged to show their signature (a 5-byte `x.fit` is a truncated FIT file, not an unknown
//!   one). A PNG or a text file is [`ImportError::UnknownFormat`] whatever its name.
//! - Times follow the one rule of [`crate::timeline`]: UTC; an activity starts at its first
//!   reading (never at a file's own start field, which may disagree with its readings); a
//!   reading no watch could have recorded (before 2000, more than a day after the `now` the
//!   caller passes) is refused; a jump of more than a day, or in FIT and TCX a step back of more
//!   than 5 minutes (timestamps that restart), splits an activity; stray parts of a few
//!   readings are refused (in FIT, a time before 1998-07-03 is a device's "system time", seconds
//!   since it was switched on, and is named as such). What is refused is reported in
//!   [`ImportedFile::notes`], naming the
//!   record (FIT, counting `record` messages from 1) or line (TCX); a file whose every reading is
//!   refused is [`ImportError::NoPlausibleTime`].
//! - An empty file is [`ImportError::Empty`] whatever its name (an interrupted download must not
//!   pass unnoticed), and an XML file that is not TCX (GPX, most often) is
//!   [`ImportError::NotTcx`], naming what it is.
//! - Importing never panics on any input: every error is an [`ImportError`] whose message is
//!   one line; the caller prefixes the file name.
//! - [`import_bytes`] takes watch files only (FIT, TCX); talkzone's own CSV is read back by
//!   [`import_csv`] when asked for explicitly, never by detection.

pub mod export;
pub mod fit;
pub mod tcx;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::reading::{Contact, Reading, Source};
use crate::timeline::{self, Implausible};

pub use export::{export_csv, export_json, import_csv};
pub use tcx::export_tcx;

/// The kinds of workout file talkzone can import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileFormat {
    /// Garmin's binary Flexible and Interoperable Data Transfer format.
    Fit,
    /// Garmin's Training Center Database XML, version 2.
    Tcx,
}

impl FileFormat {
    /// A short lower-case tag, stable for storage: `fit`, `tcx`.
    pub fn as_str(self) -> &'static str {
        match self {
            FileFormat::Fit => "fit",
            FileFormat::Tcx => "tcx",
        }
    }
}

impl std::fmt::Display for FileFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            FileFormat::Fit => "FIT",
            FileFormat::Tcx => "TCX",
        })
    }
}

/// One workout found in a file: what becomes one talkzone session.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedActivity {
    /// The sport as the file names it, in FIT profile words (`running`, `cycling`,
    /// `multisport`...); `None` when the file does not say or says "generic"/"Other".
    pub sport: Option<String>,
    /// When the workout started: its first reading (see [`crate::timeline`]).
    pub start: DateTime<Utc>,
    /// Heart-rate readings in time order: `source` Import, `contact` NotSupported, no energy.
    pub readings: Vec<Reading>,
}

/// Everything imported from one file.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedFile {
    /// The format the file was read as.
    pub format: FileFormat,
    /// SHA-256 of the file's bytes, lower-case hex: re-importing the same file is recognised.
    pub content_hash: String,
    /// The workouts in the file (at least one).
    pub activities: Vec<ImportedActivity>,
    /// What was left out of the file and why, one line each, without the file name:
    /// `record 3: time 1989-12-31T00:00:05Z is before 2000-01-01, ...: skipped`.
    pub notes: Vec<String>,
}

/// Why a file could not be imported. Each message is one line, without the file name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    /// Neither FIT nor TCX.
    #[error("not a FIT or TCX workout file")]
    UnknownFormat,
    /// The file ends before its own structure says it should (an interrupted copy or download).
    #[error("the file is truncated: it ends before its data does (interrupted copy or download?)")]
    Truncated,
    /// The file is damaged or not well formed; `detail` says where and how.
    #[error("the file is damaged: {detail}")]
    Corrupt { detail: String },
    /// A valid workout file without any heart-rate value.
    #[error("the file has no heart-rate data")]
    NoHeartRate,
    /// A file of 0 bytes.
    #[error("empty file (0 bytes): an interrupted copy or download?")]
    Empty,
    /// An XML file of another kind under a TCX name; `what` says what it is ("a GPX file").
    #[error("{what}, not TCX: talkzone imports FIT and TCX files (export the workout as one)")]
    NotTcx { what: String },
    /// Heart rates are there, but not one at a time a watch could have recorded; `detail`
    /// names the first records or lines and the problem.
    #[error("no reading has a usable time: {detail}")]
    NoPlausibleTime { detail: String },
}

/// What an export needs besides the readings: the session's start, sport and lap markers.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ExportMeta {
    /// When the session started.
    pub start: DateTime<Utc>,
    /// The session's sport in talkzone/FIT words (`running`, `cycling`...), if known.
    pub sport: Option<String>,
    /// Lap start markers, in any order; may be empty. The first lap always starts at `start`.
    pub laps: Vec<DateTime<Utc>>,
}

/// The format of a file from its content, with `file_name`'s extension only as a tie-breaker
/// for files too short or damaged to show a signature (see the module doc).
pub fn detect(bytes: &[u8], file_name: &str) -> Option<FileFormat> {
    if fit::has_signature(bytes) {
        return Some(FileFormat::Fit);
    }
    if tcx::looks_like_tcx(bytes) {
        return Some(FileFormat::Tcx);
    }
    let ext = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase());
    match ext.as_deref() {
        // A FIT file too short to hold its 12-byte header: truncated, not foreign.
        Some("fit") if bytes.len() < fit::MIN_HEADER_LEN => Some(FileFormat::Fit),
        // XML (or its start) under a .tcx name: let the XML reader say what is wrong.
        Some("tcx") if tcx::starts_like_xml(bytes) || bytes.is_empty() => Some(FileFormat::Tcx),
        _ => None,
    }
}

/// Imports a FIT or TCX file from its bytes. `file_name` only helps [`detect`]; `now` is the
/// time of the import, for the "not in the future" rule (the importers never read the clock).
pub fn import_bytes(
    bytes: &[u8],
    file_name: &str,
    now: DateTime<Utc>,
) -> Result<ImportedFile, ImportError> {
    if bytes.is_empty() {
        return Err(ImportError::Empty);
    }
    let Some(format) = detect(bytes, file_name) else {
        return Err(match tcx::root_name(bytes).as_deref() {
            Some("gpx") => ImportError::NotTcx {
                what: "a GPX file".into(),
            },
            _ => ImportError::UnknownFormat,
        });
    };
    let (activities, notes) = match format {
        FileFormat::Fit => fit::import(bytes, now)?,
        FileFormat::Tcx => tcx::import(bytes, now)?,
    };
    if activities.is_empty() {
        return Err(match notes.into_iter().next() {
            Some(detail) => ImportError::NoPlausibleTime { detail },
            None => ImportError::NoHeartRate,
        });
    }
    Ok(ImportedFile {
        format,
        content_hash: content_hash(bytes),
        activities,
        notes: notes.into_iter().map(|n| format!("{n}: skipped")).collect(),
    })
}

/// Why a reading of a file was refused (see [`crate::timeline`]).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Refusal {
    /// Its time, which no watch could have recorded.
    Time(Implausible, DateTime<Utc>),
    /// A FIT "system time" (this time): seconds since the device was switched on, not a date.
    SystemTime(DateTime<Utc>),
    /// In a stray part: the part's number, first time and size.
    Stray {
        part: usize,
        first: DateTime<Utc>,
        len: usize,
    },
}

impl Refusal {
    fn same_as(&self, other: &Refusal) -> bool {
        match (self, other) {
            (Refusal::Time(a, _), Refusal::Time(b, _)) => a == b,
            (Refusal::SystemTime(_), Refusal::SystemTime(_)) => true,
            (Refusal::Stray { part: a, .. }, Refusal::Stray { part: b, .. }) => a == b,
            _ => false,
        }
    }
}

/// The time rules over one activity's readings, given in file order with where each was
/// (`at`: a record number or byte offset, increasing): the readings that no watch could have
/// recorded are refused, the rest split into parts ([`timeline::parts`], with the files' step
/// back), and stray parts refused. Returns the kept parts, each in time order (stable), and
/// adds the refusals to `refused`.
fn time_rules(
    readings: Vec<(usize, Reading)>,
    now: DateTime<Utc>,
    refused: &mut Vec<(usize, Refusal)>,
) -> Vec<Vec<(usize, Reading)>> {
    let mut plausible = Vec::with_capacity(readings.len());
    for (at, r) in readings {
        match timeline::check(r.t, now) {
            Ok(()) => plausible.push((at, r)),
            Err(why) => refused.push((at, Refusal::Time(why, r.t))),
        }
    }
    let times: Vec<DateTime<Utc>> = plausible.iter().map(|(_, r)| r.t).collect();
    let (kept, strays) = timeline::keep(timeline::parts(&times, Some(timeline::MAX_STEP_BACK)));
    for part in &strays {
        let (at, _) = plausible[part[0]];
        let stray = Refusal::Stray {
            part: at,
            first: times[part[0]],
            len: part.len(),
        };
        refused.extend(part.iter().map(|&i| (plausible[i].0, stray)));
    }
    let mut slots: Vec<Option<(usize, Reading)>> = plausible.into_iter().map(Some).collect();
    kept.into_iter()
        .map(|part| {
            let mut readings: Vec<(usize, Reading)> =
                part.into_iter().filter_map(|i| slots[i].take()).collect();
            readings.sort_by_key(|(_, r)| r.t);
            readings
        })
        .collect()
}

/// The refusals as note lines (without ": skipped"), runs of the same problem grouped;
/// `place(first, last, count)` names where ("records 3-5", "line 14").
fn refusal_notes(
    mut refused: Vec<(usize, Refusal)>,
    now: DateTime<Utc>,
    place: impl Fn(usize, usize, usize) -> String,
) -> Vec<String> {
    refused.sort_by_key(|(at, _)| *at);
    let mut groups: Vec<(usize, usize, usize, Refusal)> = Vec::new();
    for (at, r) in refused {
        match groups.last_mut() {
            Some((_, last, count, first)) if first.same_as(&r) => {
                *last = at;
                *count += 1;
            }
            _ => groups.push((at, at, 1, r)),
        }
    }
    groups
        .into_iter()
        .map(|(first, last, count, r)| {
            let what = match r {
                Refusal::Time(why, t) => why.describe(t, count, now),
                Refusal::SystemTime(t) => {
                    let (times, are) = if count == 1 {
                        (format!("time {}", timeline::show(t)), "is")
                    } else {
                        (format!("times (the first {})", timeline::show(t)), "are")
                    };
                    format!(
                        "{times} {are} the watch's seconds since it was switched on (FIT \
                         \"system time\"), not dates: its clock was not set"
                    )
                }
                Refusal::Stray { first, len, .. } => timeline::stray(first, len, "the activity"),
            };
            format!("{}: {what}", place(first, last, count))
        })
        .collect()
}

/// `s` on one line: control characters (line ends, tabs...) escaped as `\n`, `\t`... For
/// error messages that quote a file's content.
fn one_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// SHA-256 of `bytes` as lower-case hex.
pub fn content_hash(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut hex = String::with_capacity(64);
    for b in digest {
        hex.push(char::from(HEX[usize::from(b >> 4)]));
        hex.push(char::from(HEX[usize::from(b & 0x0f)]));
    }
    hex
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// A reading as every importer makes it: HR (and RR) from the file, nothing else known.
fn imported_reading(t: DateTime<Utc>, hr: u16) -> Reading {
    Reading {
        t,
        hr,
        contact: Contact::NotSupported,
        energy_kj: None,
        rr: Vec::new(),
        source: Source::Import,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap()
    }

    #[test]
    fn hash_is_sha256_hex() {
        // FIPS 180-2 test vector for "abc".
        assert_eq!(
            content_hash(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn detection_prefers_content_over_name() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        assert_eq!(detect(png, "x.png"), None);
        assert_eq!(detect(png, "x.fit"), None);
        assert_eq!(detect(b"hello", "notes.txt"), None);
        assert_eq!(detect(b"\x0e\x10", "ride.FIT"), Some(FileFormat::Fit));
        assert_eq!(detect(b"<?xml version", "ride.tcx"), Some(FileFormat::Tcx));
        assert_eq!(detect(b"<?xml version", "ride.xml"), None);
        let tcx = b"<?xml version='1.0'?>\n<TrainingCenterDatabase xmlns='x'/>";
        assert_eq!(detect(tcx, "whatever"), Some(FileFormat::Tcx));
    }

    #[test]
    fn foreign_files_are_unknown() {
        assert_eq!(
            import_bytes(b"just some text\n", "a.txt", now()),
            Err(ImportError::UnknownFormat)
        );
        assert_eq!(import_bytes(b"", "a", now()), Err(ImportError::Empty));
    }

    #[test]
    fn messages_are_one_line() {
        for e in [
            ImportError::UnknownFormat,
            ImportError::Truncated,
            ImportError::Corrupt { detail: "x".into() },
            ImportError::NoHeartRate,
            ImportError::Empty,
            ImportError::NotTcx {
                what: "a GPX file".into(),
            },
            ImportError::NoPlausibleTime { detail: "x".into() },
        ] {
            assert!(!e.to_string().contains('\n'), "{e}");
        }
    }
}
