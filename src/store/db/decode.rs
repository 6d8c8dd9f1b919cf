//! Stored values to Rust values and back, without trusting the file: every conversion from the
//! database checks type and range and reports what was wrong as text, which the callers turn
//! into a [`super::StoreError::BadRow`] naming the table and row. Nothing here panics.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::types::ValueRef;
use rusqlite::Row;

use crate::event::LossReason;
use crate::reading::{Contact, RrInterval, RrUnit, Source};

/// What was wrong with a stored value.
pub(super) type Bad = String;

/// Column `i` of `row` as a borrowed value.
pub(super) fn col<'r>(row: &'r Row<'_>, i: usize) -> Result<ValueRef<'r>, Bad> {
    row.get_ref(i).map_err(|e| format!("column {i}: {e}"))
}

/// Column 0 of `row` (its key) as text for a message, whatever it holds.
pub(super) fn key_text(row: &Row<'_>) -> String {
    match row.get_ref(0) {
        Ok(ValueRef::Integer(i)) => i.to_string(),
        Ok(ValueRef::Text(t)) => format!("{:?}", String::from_utf8_lossy(t)),
        Ok(other) => format!("({})", kind(other)),
        Err(_) => "(unknown)".into(),
    }
}

fn kind(v: ValueRef<'_>) -> &'static str {
    match v {
        ValueRef::Null => "NULL",
        ValueRef::Integer(_) => "an integer",
        ValueRef::Real(_) => "a real",
        ValueRef::Text(_) => "text",
        ValueRef::Blob(_) => "a blob",
    }
}

/// A non-NULL integer.
pub(super) fn int(v: ValueRef<'_>, name: &str) -> Result<i64, Bad> {
    match v {
        ValueRef::Integer(i) => Ok(i),
        other => Err(format!("{name} is {}, not an integer", kind(other))),
    }
}

/// An integer or NULL.
pub(super) fn opt_int(v: ValueRef<'_>, name: &str) -> Result<Option<i64>, Bad> {
    match v {
        ValueRef::Null => Ok(None),
        other => int(other, name).map(Some),
    }
}

/// A number (real or integer) or NULL.
pub(super) fn opt_real(v: ValueRef<'_>, name: &str) -> Result<Option<f64>, Bad> {
    match v {
        ValueRef::Null => Ok(None),
        ValueRef::Real(x) => Ok(Some(x)),
        ValueRef::Integer(i) => Ok(Some(i as f64)),
        other => Err(format!("{name} is {}, not a number", kind(other))),
    }
}

/// A non-NULL number (real or integer).
pub(super) fn real(v: ValueRef<'_>, name: &str) -> Result<f64, Bad> {
    opt_real(v, name)?.ok_or_else(|| format!("{name} is NULL, not a number"))
}

/// A 0 / 1 flag or NULL (not answered).
pub(super) fn opt_flag(v: ValueRef<'_>, name: &str) -> Result<Option<bool>, Bad> {
    match opt_int(v, name)? {
        None => Ok(None),
        Some(0) => Ok(Some(false)),
        Some(1) => Ok(Some(true)),
        Some(other) => Err(format!("{name} = {other} (expected NULL, 0 or 1)")),
    }
}

/// A 1-5 answer or NULL (not answered).
pub(super) fn opt_scale(v: ValueRef<'_>, name: &str) -> Result<Option<u8>, Bad> {
    match opt_int(v, name)? {
        None => Ok(None),
        Some(i @ 1..=5) => Ok(Some(i as u8)),
        Some(other) => Err(format!("{name} = {other} (expected NULL or 1 to 5)")),
    }
}

/// A local calendar date as stored (days since 1970-01-01): the inverse of
/// [`super::strength::epoch_day`].
pub(super) fn date(day: i64, name: &str) -> Result<NaiveDate, Bad> {
    chrono::TimeDelta::try_days(day)
        .and_then(|d| NaiveDate::default().checked_add_signed(d))
        .ok_or_else(|| format!("{name} = {day} is not a valid date"))
}

/// Non-NULL UTF-8 text.
pub(super) fn text<'a>(v: ValueRef<'a>, name: &str) -> Result<&'a str, Bad> {
    match v {
        ValueRef::Text(t) => {
            std::str::from_utf8(t).map_err(|_| format!("{name} is not valid UTF-8 text"))
        }
        other => Err(format!("{name} is {}, not text", kind(other))),
    }
}

/// UTF-8 text or NULL.
pub(super) fn opt_text(v: ValueRef<'_>, name: &str) -> Result<Option<String>, Bad> {
    match v {
        ValueRef::Null => Ok(None),
        other => text(other, name).map(|t| Some(t.to_owned())),
    }
}

/// An integer that must fit `T` (e.g. a heart rate in `u16`).
pub(super) fn narrow<T: TryFrom<i64>>(i: i64, name: &str) -> Result<T, Bad> {
    T::try_from(i).map_err(|_| format!("{name} = {i} is out of range"))
}

/// An instant as stored: UTC milliseconds since the Unix epoch.
pub(super) fn to_ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// Inverse of [`to_ms`].
pub(super) fn instant(ms: i64, name: &str) -> Result<DateTime<Utc>, Bad> {
    DateTime::from_timestamp_millis(ms).ok_or_else(|| format!("{name} = {ms} is not a valid time"))
}

/// A version-4 reading's contact state as stored: NULL (not supported) / 0 / 1.
pub(super) fn contact(v: Option<i64>) -> Result<Contact, Bad> {
    match v {
        None => Ok(Contact::NotSupported),
        Some(0) => Ok(Contact::NotDetected),
        Some(1) => Ok(Contact::Detected),
        Some(other) => Err(format!("contact = {other} (expected NULL, 0 or 1)")),
    }
}

/// The leading byte of an RR blob in whole milliseconds (FIT `hrv`). A blob of 1/1024 s values
/// (every strap's, and everything stored before RR kept their unit) has no leading byte, so
/// its length is even; one in milliseconds is this byte and the values, so its length is odd.
const MILLIS_MARK: u8 = 0x01;

/// RR intervals as stored: consecutive little-endian `u16` raw values, after
/// [`MILLIS_MARK`] when they count milliseconds, appended to `out`. A reading's RR all come
/// from one source: the unit of the first decides (a mixed list is stored in it, converted).
pub(super) fn encode_rr(rr: &[RrInterval], out: &mut Vec<u8>) {
    let Some(first) = rr.first() else {
        return;
    };
    let millis = first.unit() == RrUnit::Millis;
    out.reserve(rr.len() * 2 + 1);
    if millis {
        out.push(MILLIS_MARK);
    }
    for r in rr {
        let raw = match (millis, r) {
            (false, RrInterval::Ticks(v)) | (true, RrInterval::Millis(v)) => *v,
            (false, other) => RrInterval::from_ms(other.ms()).raw(),
            (true, other) => other.ms().round().clamp(0.0, f64::from(u16::MAX)) as u16,
        };
        out.extend_from_slice(&raw.to_le_bytes());
    }
}

/// Inverse of [`encode_rr`]; NULL reads as no intervals.
pub(super) fn rr(v: ValueRef<'_>) -> Result<Vec<RrInterval>, Bad> {
    let bytes = match v {
        ValueRef::Null => return Ok(Vec::new()),
        ValueRef::Blob(b) => b,
        other => return Err(format!("rr is {}, not a blob", kind(other))),
    };
    let (unit, values): (fn(u16) -> RrInterval, &[u8]) = match bytes.split_first() {
        _ if bytes.len() % 2 == 0 => (RrInterval::Ticks, bytes),
        Some((&MILLIS_MARK, rest)) => (RrInterval::Millis, rest),
        _ => {
            return Err(format!(
                "rr blob has odd length {} without the milliseconds mark",
                bytes.len()
            ))
        }
    };
    Ok(values
        .chunks_exact(2)
        .map(|p| unit(u16::from_le_bytes([p[0], p[1]])))
        .collect())
}

/// A source tag as stored.
pub(super) fn source_str(s: Source) -> &'static str {
    match s {
        Source::Ble => "ble",
        Source::Replay => "replay",
        Source::Simulator => "simulator",
        Source::Import => "import",
    }
}

/// Inverse of [`source_str`].
pub(super) fn source(s: &str) -> Result<Source, Bad> {
    match s {
        "ble" => Ok(Source::Ble),
        "replay" => Ok(Source::Replay),
        "simulator" => Ok(Source::Simulator),
        "import" => Ok(Source::Import),
        other => Err(format!("source = {other:?} is unknown")),
    }
}

/// A gap's reason as stored.
pub(super) fn reason_str(r: LossReason) -> &'static str {
    match r {
        LossReason::Disconnected => "disconnected",
        LossReason::Watchdog => "watchdog",
        LossReason::ServiceLost => "service_lost",
        LossReason::Paused => "paused",
    }
}

/// Inverse of [`reason_str`].
pub(super) fn reason(s: &str) -> Result<LossReason, Bad> {
    match s {
        "disconnected" => Ok(LossReason::Disconnected),
        "watchdog" => Ok(LossReason::Watchdog),
        "service_lost" => Ok(LossReason::ServiceLost),
        "paused" => Ok(LossReason::Paused),
        other => Err(format!("reason = {other:?} is unknown")),
    }
}

#[cfg(test)]
mod tests {
    use super::super::strength::epoch_day;
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn rr_round_trips_in_its_unit(
            raw in proptest::collection::vec(any::<u16>(), 0..8),
            millis in any::<bool>(),
        ) {
            let make = if millis { RrInterval::Millis } else { RrInterval::Ticks };
            let rr_in: Vec<RrInterval> = raw.into_iter().map(make).collect();
            let mut blob = Vec::new();
            encode_rr(&rr_in, &mut blob);
            let back = rr(ValueRef::Blob(&blob)).unwrap();
            prop_assert_eq!(back.iter().map(|r| (r.raw(), r.unit())).collect::<Vec<_>>(),
                rr_in.iter().map(|r| (r.raw(), r.unit())).collect::<Vec<_>>());
        }

        #[test]
        fn any_blob_decodes_or_errs(blob in proptest::collection::vec(any::<u8>(), 0..9)) {
            let r = rr(ValueRef::Blob(&blob));
            prop_assert_eq!(r.is_ok(), blob.len() % 2 == 0 || blob[0] == MILLIS_MARK);
        }
    }

    #[test]
    fn impossible_values_are_errors() {
        assert!(contact(Some(2)).is_err());
        assert!(narrow::<u16>(70_000, "hr")
            .unwrap_err()
            .contains("hr = 70000"));
        assert!(instant(i64::MAX, "t_ms").is_err());
        assert!(int(ValueRef::Text(b"x"), "hr").is_err());
        assert!(text(ValueRef::Text(&[0xff, 0xfe]), "status").is_err());
        assert!(source("bluetooth").is_err());
        assert!(reason("").is_err());
        assert!(real(ValueRef::Null, "duration_s").is_err());
        assert!(opt_flag(ValueRef::Integer(2), "ill").is_err());
        assert_eq!(opt_flag(ValueRef::Integer(1), "ill"), Ok(Some(true)));
        assert!(opt_scale(ValueRef::Integer(0), "soreness").is_err());
        assert!(opt_scale(ValueRef::Integer(6), "soreness").is_err());
        assert_eq!(opt_scale(ValueRef::Integer(5), "soreness"), Ok(Some(5)));
        assert!(date(i64::MAX, "date_days").is_err());
        assert!(date(i64::from(i32::MAX), "date_days").is_err());
        let d = NaiveDate::from_ymd_opt(1969, 12, 31).unwrap();
        assert_eq!(date(epoch_day(d), "date_days"), Ok(d));
        for d in [NaiveDate::MIN, NaiveDate::MAX] {
            assert_eq!(date(epoch_day(d), "date_days"), Ok(d));
        }
    }
}
