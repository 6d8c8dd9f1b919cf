//! talkzone's own flat exports of a session: CSV for spreadsheets and scripts, JSON for
//! programs; plus the CSV reader, so an export can be checked (and re-read) exactly.
//!
//! Owns only text formatting and parsing; the `export` command picks the session and writes.
//!
//! Decisions:
//! - Times are RFC 3339 UTC with milliseconds (`2026-11-25T07:00:00.000Z`), the form of every
//!   talkzone output ([`format_time`]); finer precision is cut to the millisecond.
//! - CSV: header `time,hr,rr_ms`, one row per reading; `rr_ms` holds the reading's RR
//!   intervals in milliseconds separated by spaces, empty when there are none. The strap's
//!   unit is 1/1024 s, and raw x 1000 / 1024 is a dyadic fraction with at most 7 decimals,
//!   which Rust prints exactly (shortest round-trip form), so `800.78125` reads back as raw 820
//!   with no loss; RR imported from a FIT file are whole milliseconds and print as such. Skin
//!   contact and energy are not in the CSV (use JSON).
//! - JSON: `{start, sport, laps, readings: [{t, hr, contact, energy_kj, rr_ms, rr_raw}]}`,
//!   reading keys as in `--json` output (without `source`); `rr_raw` carries the exact raw
//!   values in the source's unit (1/1024 s; whole ms with `"rr_unit": "ms"` on readings whose
//!   RR came from a FIT file), `rr_ms` the same in milliseconds.
//! - [`import_csv`] reads exactly what [`export_csv`] writes; its readings are marked as
//!   imported, with contact unknown and no energy (the CSV does not carry them).

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::{imported_reading, ExportMeta, ImportError};
use crate::protocol::capture::{format_time, reading_json};
use crate::reading::{Reading, RrInterval};

/// The CSV header line.
pub const CSV_HEADER: &str = "time,hr,rr_ms";

/// The readings as CSV (see the module doc).
pub fn export_csv(readings: &[Reading]) -> String {
    let mut out = String::with_capacity(16 + readings.len() * 40);
    out.push_str(CSV_HEADER);
    out.push('\n');
    for r in readings {
        out.push_str(&format_time(r.t));
        out.push(',');
        out.push_str(&r.hr.to_string());
        out.push(',');
        let rr: Vec<String> = r.rr.iter().map(|x| x.ms().to_string()).collect();
        out.push_str(&rr.join(" "));
        out.push('\n');
    }
    out
}

/// Reads a CSV written by [`export_csv`]; errors name the line.
pub fn import_csv(text: &str) -> Result<Vec<Reading>, ImportError> {
    let mut lines = text.lines().enumerate();
    let header = lines
        .next()
        .map(|(_, l)| l.trim_start_matches('\u{feff}').trim());
    if header != Some(CSV_HEADER) {
        return Err(ImportError::UnknownFormat);
    }
    let mut readings = Vec::new();
    for (i, line) in lines {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let bad = |what: String| ImportError::Corrupt {
            detail: format!("line {}: {what}", i + 1),
        };
        let mut cells = line.split(',');
        let (Some(time), Some(hr), Some(rr), None) =
            (cells.next(), cells.next(), cells.next(), cells.next())
        else {
            return Err(bad(format!("expected 3 cells ({CSV_HEADER})")));
        };
        let t = DateTime::parse_from_rfc3339(time.trim())
            .map_err(|_| bad(format!("time {time:?} is not an RFC 3339 time")))?
            .with_timezone(&Utc);
        let hr: u16 = hr
            .trim()
            .parse()
            .map_err(|_| bad(format!("hr {hr:?} is not a whole number")))?;
        let mut reading = imported_reading(t, hr);
        for ms in rr.split_whitespace() {
            reading.rr.push(
                rr_from_ms(ms).ok_or_else(|| bad(format!("rr_ms {ms:?} is not an RR value")))?,
            );
        }
        readings.push(reading);
    }
    Ok(readings)
}

/// An RR value in milliseconds back to an exact interval: whole milliseconds (a FIT file's unit)
/// or an exact count of 1/1024 s (a strap's); anything else is not one talkzone wrote.
fn rr_from_ms(s: &str) -> Option<RrInterval> {
    let ms: f64 = s.parse().ok()?;
    let in_range = |v: f64| v.is_finite() && v >= 0.0 && v <= f64::from(u16::MAX);
    if in_range(ms) && ms.fract() == 0.0 {
        return Some(RrInterval::Millis(ms as u16));
    }
    let ticks = ms * 1024.0 / 1000.0;
    (in_range(ticks) && ticks.fract() == 0.0).then_some(RrInterval::Ticks(ticks as u16))
}

/// The session with its readings as JSON (see the module doc).
pub fn export_json(meta: &ExportMeta, readings: &[Reading]) -> Value {
    let mut laps = meta.laps.clone();
    laps.sort();
    json!({
        "start": format_time(meta.start),
        "sport": meta.sport,
        "laps": laps.into_iter().map(format_time).collect::<Vec<_>>(),
        "readings": readings.iter().map(reading_json).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reading::{Contact, Source};
    use chrono::TimeZone;

    fn reading() -> Reading {
        Reading {
            t: Utc.with_ymd_and_hms(2026, 11, 25, 7, 0, 0).unwrap(),
            hr: 72,
            contact: Contact::Detected,
            energy_kj: Some(12),
            rr: vec![
                RrInterval::Ticks(820),
                RrInterval::Ticks(1024),
                RrInterval::Ticks(1),
            ],
            source: Source::Ble,
        }
    }

    #[test]
    fn csv_is_exact() {
        let csv = export_csv(&[reading()]);
        assert_eq!(
            csv,
            "time,hr,rr_ms\n2026-11-25T07:00:00.000Z,72,800.78125 1000 0.9765625\n"
        );
        let back = import_csv(&csv).unwrap();
        assert_eq!(back[0].rr, reading().rr);
        assert_eq!(back[0].source, Source::Import);
    }

    #[test]
    fn every_raw_rr_prints_exactly() {
        for raw in 0..=u16::MAX {
            let s = RrInterval::Ticks(raw).ms().to_string();
            assert_eq!(rr_from_ms(&s), Some(RrInterval::Ticks(raw)), "{s}");
        }
    }

    #[test]
    fn csv_errors() {
        assert_eq!(import_csv("a,b\n"), Err(ImportError::UnknownFormat));
        let e = import_csv("time,hr,rr_ms\n2026-11-25T07:00:00Z,x,\n").unwrap_err();
        assert!(matches!(e, ImportError::Corrupt { detail } if detail.starts_with("line 2")));
        assert!(import_csv("time,hr,rr_ms\n2026-11-25T07:00:00Z,70,800.1\n").is_err());
        assert_eq!(import_csv("time,hr,rr_ms\r\n\r\n"), Ok(vec![]));
    }

    #[test]
    fn json_keys() {
        let meta = ExportMeta {
            start: Utc.with_ymd_and_hms(2026, 11, 25, 7, 0, 0).unwrap(),
            sport: Some("running".into()),
            laps: vec![],
        };
        assert_eq!(
            export_json(&meta, &[reading()]).to_string(),
            r#"{"laps":[],"readings":[{"contact":true,"energy_kj":12,"hr":72,"rr_ms":[800.78125,1000.0,0.9765625],"rr_raw":[820,1024,1],"t":"2026-11-25T07:00:00.000Z"}],"sport":"running","start":"2026-11-25T07:00:00.000Z"}"#
        );
    }
}
