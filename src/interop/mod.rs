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
    /// When the workout started (the file's own start time, else its first reading).
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

/// Imports a FIT or TCX file from its bytes. `file_name` only helps [`detect`].
pub fn import_bytes(bytes: &[u8], file_name: &str) -> Result<ImportedFile, ImportError> {
    let format = detect(bytes, file_name).ok_or(ImportError::UnknownFormat)?;
    let activities = match format {
        FileFormat::Fit => fit::import(bytes)?,
        FileFormat::Tcx => tcx::import(bytes)?,
    };
    Ok(ImportedFile {
        format,
        content_hash: content_hash(bytes),
        activities,
    })
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
            import_bytes(b"just some text\n", "a.txt"),
            Err(ImportError::UnknownFormat)
        );
        assert_eq!(import_bytes(b"", "a"), Err(ImportError::UnknownFormat));
    }

    #[test]
    fn messages_are_one_line() {
        for e in [
            ImportError::UnknownFormat,
            ImportError::Truncated,
            ImportError::Corrupt { detail: "x".into() },
            ImportError::NoHeartRate,
        ] {
            assert!(!e.to_string().contains('\n'), "{e}");
        }
    }
}
