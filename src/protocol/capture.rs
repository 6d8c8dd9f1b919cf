//! The raw capture format: JSON Lines, one object per received packet or link change.
//!
//! ```text
//! {"t":"2026-11-25T07:00:00.123Z","hex":"16485401ec02"}
//! {"t":"2026-11-25T07:00:09.500Z","event":"disconnected","reason":"watchdog"}
//! {"t":"2026-11-25T07:00:16.700Z","event":"reconnected","gap_s":7.2}
//! ```
//!
//! `talkzone live --capture FILE` writes it; `--replay FILE` reads it back. A user can attach one
//! to a bug report: it holds the strap's bytes exactly, so any decoding question can be replayed.
//! Pure: lines in, typed values or a [`CaptureLineError`] naming what was wrong out.

use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Map, Value};

use super::heart_rate::{from_hex, to_hex};
use crate::event::{DeviceInfo, LinkEvent, LossReason, Packet, SourceEvent};

/// Why one capture line could not be read. `line` is 1-based.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct CaptureLineError {
    pub line: usize,
    pub message: String,
}

/// Format a timestamp the way captures and JSON output carry it: RFC 3339, UTC, milliseconds.
pub fn format_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The capture line for a packet.
pub fn packet_line(p: &Packet) -> String {
    json!({"t": format_time(p.t), "hex": to_hex(&p.bytes)}).to_string()
}

/// The JSON object of a reading, as `live --json` and `export --format json` write it: `t`,
/// `hr`, `contact` (`null` / `false` / `true`), `energy_kj`, `rr_ms` (exact milliseconds) and
/// `rr_raw` (the source's own counts: the strap's 1/1024 s; whole milliseconds, with
/// `"rr_unit": "ms"`, for RR imported from a FIT file).
pub fn reading_json(r: &crate::reading::Reading) -> Value {
    let mut v = json!({
        "t": format_time(r.t),
        "hr": r.hr,
        "contact": r.contact,
        "energy_kj": r.energy_kj,
        "rr_ms": r.rr_ms(),
        "rr_raw": r.rr,
    });
    if let Some(unit) = r.rr_unit_if_not_ticks() {
        v["rr_unit"] = json!(unit.id());
    }
    v
}

/// The JSON object describing a link change (shared by captures and `--json` output).
pub fn link_event_json(t: DateTime<Utc>, event: &LinkEvent) -> Value {
    let mut v = Map::new();
    v.insert("t".into(), json!(format_time(t)));
    match event {
        LinkEvent::Connected(info) => {
            v.insert("event".into(), json!("connected"));
            v.insert("address".into(), json!(info.address));
            v.insert("name".into(), json!(info.name));
            v.insert("battery_percent".into(), json!(info.battery_percent));
            v.insert("body_location".into(), json!(info.body_location));
        }
        LinkEvent::Lost { reason } => {
            v.insert("event".into(), json!("disconnected"));
            v.insert("reason".into(), json!(reason));
        }
        LinkEvent::Reconnected { gap } => {
            v.insert("event".into(), json!("reconnected"));
            v.insert("gap_s".into(), json!(round_ms(*gap)));
        }
    }
    Value::Object(v)
}

fn round_ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1000.0).round() / 1000.0
}

/// The capture line for a source event.
pub fn event_line(e: &SourceEvent) -> String {
    match e {
        SourceEvent::Packet(p) => packet_line(p),
        SourceEvent::Link { t, event } => link_event_json(*t, event).to_string(),
    }
}

/// Parse one capture line. `Ok(None)` for a blank line or an event this version does not know
/// (newer captures stay readable).
pub fn parse_line(text: &str, line: usize) -> Result<Option<SourceEvent>, CaptureLineError> {
    let err = |message: String| CaptureLineError { line, message };
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let value: Value =
        serde_json::from_str(text).map_err(|e| err(format!("not a JSON object: {e}")))?;
    let obj = value
        .as_object()
        .ok_or_else(|| err("not a JSON object".into()))?;
    let t = obj
        .get("t")
        .and_then(Value::as_str)
        .ok_or_else(|| err("missing \"t\" (the receive time)".into()))?;
    let t = DateTime::parse_from_rfc3339(t)
        .map_err(|e| err(format!("\"t\" is not an RFC 3339 time ({e}): {t:?}")))?
        .with_timezone(&Utc);

    if let Some(hex) = obj.get("hex") {
        let hex = hex
            .as_str()
            .ok_or_else(|| err("\"hex\" must be a string".into()))?;
        let bytes = from_hex(hex).map_err(|e| err(format!("\"hex\": {e}")))?;
        return Ok(Some(SourceEvent::Packet(Packet { t, bytes })));
    }
    let Some(event) = obj.get("event").and_then(Value::as_str) else {
        return Err(err("neither \"hex\" nor \"event\" present".into()));
    };
    let event = match event {
        "connected" => LinkEvent::Connected(DeviceInfo {
            name: obj.get("name").and_then(Value::as_str).map(str::to_owned),
            address: obj
                .get("address")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            battery_percent: obj
                .get("battery_percent")
                .and_then(Value::as_u64)
                .and_then(|b| u8::try_from(b).ok()),
            body_location: obj
                .get("body_location")
                .and_then(Value::as_str)
                .map(str::to_owned),
        }),
        "disconnected" => LinkEvent::Lost {
            reason: match obj.get("reason").and_then(Value::as_str) {
                Some("watchdog") => LossReason::Watchdog,
                Some("service_lost") => LossReason::ServiceLost,
                Some("paused") => LossReason::Paused,
                _ => LossReason::Disconnected,
            },
        },
        "reconnected" => {
            let gap = obj.get("gap_s").and_then(Value::as_f64).unwrap_or(0.0);
            let gap = Duration::try_from_secs_f64(gap).map_err(|_| {
                err(format!(
                    "\"gap_s\" must be a non-negative number, got {gap}"
                ))
            })?;
            LinkEvent::Reconnected { gap }
        }
        _ => return Ok(None),
    };
    Ok(Some(SourceEvent::Link { t, event }))
}

/// Parse a whole capture. Lines that cannot be read are returned beside the good events so the
/// caller can report them and go on: a capture cut short by a crash still replays.
pub fn parse(text: &str) -> (Vec<SourceEvent>, Vec<CaptureLineError>) {
    let mut events = Vec::new();
    let mut errors = Vec::new();
    for (i, line) in text.lines().enumerate() {
        match parse_line(line, i + 1) {
            Ok(Some(e)) => events.push(e),
            Ok(None) => {}
            Err(e) => errors.push(e),
        }
    }
    (events, errors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 7, 0, 0).unwrap() + chrono::Duration::milliseconds(123)
    }

    #[test]
    fn packet_line_is_the_documented_form() {
        let p = Packet {
            t: t0(),
            bytes: vec![0x16, 0x48, 0x54, 0x01, 0xec, 0x02],
        };
        assert_eq!(
            packet_line(&p),
            r#"{"hex":"16485401ec02","t":"2026-11-25T07:00:00.123Z"}"#
        );
        assert_eq!(
            parse_line(
                r#"{"t":"2026-11-25T07:00:00.123Z","hex":"16485401ec02"}"#,
                1
            )
            .unwrap(),
            Some(SourceEvent::Packet(p))
        );
    }

    #[test]
    fn events_round_trip() {
        let events = [
            LinkEvent::Lost {
                reason: LossReason::Watchdog,
            },
            LinkEvent::Lost {
                reason: LossReason::Disconnected,
            },
            LinkEvent::Reconnected {
                gap: Duration::from_millis(7200),
            },
            LinkEvent::Connected(DeviceInfo {
                name: Some("Polar H10 1234".into()),
                address: "AA:BB:CC:DD:EE:FF".into(),
                battery_percent: Some(87),
                body_location: Some("chest".into()),
            }),
        ];
        for event in events {
            let e = SourceEvent::Link { t: t0(), event };
            assert_eq!(parse_line(&event_line(&e), 3).unwrap(), Some(e));
        }
    }

    #[test]
    fn a_timestamp_offset_is_normalised_to_utc() {
        let e = parse_line(r#"{"t":"2026-11-25T08:00:00.123+01:00","hex":"0048"}"#, 1).unwrap();
        assert_eq!(
            e,
            Some(SourceEvent::Packet(Packet {
                t: t0(),
                bytes: vec![0, 0x48]
            }))
        );
    }

    #[test]
    fn bad_lines_name_the_line_and_the_problem() {
        let text = "{\"t\":\"2026-11-25T07:00:00Z\",\"hex\":\"0048\"}\nnot json\n{\"hex\":\"00\"}\n\
                    {\"t\":\"yesterday\",\"hex\":\"00\"}\n{\"t\":\"2026-11-25T07:00:00Z\",\"hex\":\"0g\"}\n\
                    {\"t\":\"2026-11-25T07:00:00Z\"}\n\n{\"t\":\"2026-11-25T07:00:00Z\",\"event\":\"future_thing\"}\n\
                    {\"t\":\"2026-11-25T07:00:01Z\",\"hex\":\"\"}\n{\"t\":\"2026-11-25T07:00:00Z\",\"hex\":\"004";
        let (events, errors) = parse(text);
        assert_eq!(
            events.len(),
            2,
            "the first good packet and the empty packet (bad for the decoder, not for the capture)"
        );
        let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![2, 3, 4, 5, 6, 10]);
        assert!(errors[0]
            .to_string()
            .starts_with("line 2: not a JSON object"));
        assert!(errors[1].message.contains("missing \"t\""));
        assert!(errors[2].message.contains("RFC 3339"));
        assert!(errors[3].message.contains("hex"));
        assert!(errors[4].message.contains("neither"));
    }
}
