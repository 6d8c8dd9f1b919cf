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
//!
//! Reading a whole capture ([`read`]) goes line by line over bytes, so one bad line never costs
//! the others:
//! - a line that is not UTF-8 is skipped and named;
//! - a UTF-8 byte-order mark at the start of the file is stripped (editors on Windows add one);
//! - a line longer than [`MAX_LINE_BYTES`] (64 KiB: a packet line is under 100 bytes, a link
//!   event under 300) is skipped and named without being held in memory: at most 64 KiB of a
//!   line is ever buffered, whatever its length;
//! - times follow the one rule of [`crate::timeline`]: a line whose time no strap could have
//!   recorded (before 2000, more than a day after `now`) is skipped and named, and a capture
//!   that jumps by more than a day is split there and only its biggest part replays (one
//!   replay is one session), the other parts named. Steps back of less than a day are kept (a
//!   wall clock set back): the summary puts the readings in time order.
//!
//! Runs of consecutive lines with the same problem are reported once ("lines 1-3000: ...").

use std::io::BufRead;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Map, Value};

use super::heart_rate::{from_hex, to_hex};
use crate::event::{DeviceInfo, LinkEvent, LossReason, Packet, SourceEvent};
use crate::timeline::{self, Implausible};

/// The longest capture line read; longer ones are skipped (see the module doc).
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// Why one capture line (or a run of lines, `line..=last_line`) could not be used. 1-based.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaptureLineError {
    pub line: usize,
    /// The last line concerned (`line` for one line).
    pub last_line: usize,
    /// How many lines between `line` and `last_line` had this problem (1 for one line).
    pub count: usize,
    pub message: String,
}

impl CaptureLineError {
    /// A problem with one line.
    pub fn at(line: usize, message: String) -> Self {
        CaptureLineError {
            line,
            last_line: line,
            count: 1,
            message,
        }
    }
}

impl std::fmt::Display for CaptureLineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let at = timeline::places("line", self.line, self.last_line, self.count);
        write!(f, "{at}: {}", self.message)
    }
}

impl std::error::Error for CaptureLineError {}

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
    let err = |message: String| CaptureLineError::at(line, message);
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

/// Reads a whole capture from `input` (see the module doc for what is skipped). `now` is the
/// time of the replay, for the "not in the future" rule. Lines that cannot be used are returned
/// beside the good events so the caller can report them and go on: a capture cut short by a
/// crash still replays. Each message says what became of its lines ("(skipped)", "not
/// replayed"). An `Err` is a failure to read `input` itself.
pub fn read(
    input: impl BufRead,
    now: DateTime<Utc>,
) -> std::io::Result<(Vec<SourceEvent>, Vec<CaptureLineError>)> {
    let mut events: Vec<(usize, SourceEvent)> = Vec::new();
    // Per-line problems, in line order; grouped at the end.
    let mut problems: Vec<(usize, Problem)> = Vec::new();
    let mut lines = Lines::new(input);
    while let Some(line) = lines.next_line()? {
        let n = line.number;
        let text = match line.content {
            Content::TooLong => {
                problems.push((n, Problem::TooLong));
                continue;
            }
            Content::Bytes(bytes) => match std::str::from_utf8(bytes) {
                Ok(text) => text,
                Err(e) => {
                    problems.push((n, Problem::NotUtf8(e.valid_up_to() + 1)));
                    continue;
                }
            },
        };
        match parse_line(text, n) {
            Ok(Some(e)) => match timeline::check(time_of(&e), now) {
                Ok(()) => events.push((n, e)),
                Err(why) => problems.push((n, Problem::Time(why, time_of(&e)))),
            },
            Ok(None) => {}
            Err(e) => problems.push((n, Problem::Other(e.message))),
        }
    }
    let times: Vec<DateTime<Utc>> = events.iter().map(|(_, e)| time_of(e)).collect();
    let (kept, strays) = timeline::keep_biggest(timeline::parts(&times, None));
    for part in &strays {
        let first = part[0];
        for &i in part {
            let why = Problem::Stray {
                part_start: times[first],
                part_len: part.len(),
                first_line: events[first].0,
            };
            problems.push((events[i].0, why));
        }
    }
    problems.sort_by_key(|(n, _)| *n);
    let mut kept: Vec<usize> = kept.into_iter().flatten().collect();
    kept.sort_unstable();
    let mut slots: Vec<Option<SourceEvent>> = events.into_iter().map(|(_, e)| Some(e)).collect();
    let events = kept.iter().filter_map(|&i| slots[i].take()).collect();
    Ok((events, report(problems, now)))
}

/// Parse a whole capture held in memory (see [`read`]).
pub fn parse(bytes: &[u8], now: DateTime<Utc>) -> (Vec<SourceEvent>, Vec<CaptureLineError>) {
    // Reading from a slice cannot fail.
    read(bytes, now).unwrap_or_default()
}

/// When an event happened (its receive time).
pub fn time_of(e: &SourceEvent) -> DateTime<Utc> {
    match e {
        SourceEvent::Packet(p) => p.t,
        SourceEvent::Link { t, .. } => *t,
    }
}

/// What was wrong with one line, comparable so runs of the same problem group together.
#[derive(Debug, Clone, PartialEq)]
enum Problem {
    TooLong,
    /// Column (1-based byte) of the first invalid byte.
    NotUtf8(usize),
    /// Its time, and the first such line's time.
    Time(Implausible, DateTime<Utc>),
    /// In a part of the capture other than the one replayed.
    Stray {
        part_start: DateTime<Utc>,
        part_len: usize,
        first_line: usize,
    },
    Other(String),
}

impl Problem {
    /// Whether `self` and `other` are the same problem for grouping.
    fn same_as(&self, other: &Problem) -> bool {
        match (self, other) {
            (Problem::TooLong, Problem::TooLong) => true,
            (Problem::Time(a, _), Problem::Time(b, _)) => a == b,
            (Problem::Stray { first_line: a, .. }, Problem::Stray { first_line: b, .. }) => a == b,
            _ => false,
        }
    }
}

/// The problems as messages, runs of the same one grouped.
fn report(problems: Vec<(usize, Problem)>, now: DateTime<Utc>) -> Vec<CaptureLineError> {
    let mut out: Vec<(CaptureLineError, Problem)> = Vec::new();
    for (n, p) in problems {
        if let Some((e, last)) = out.last_mut() {
            if last.same_as(&p) {
                e.last_line = n;
                e.count += 1;
                continue;
            }
        }
        out.push((CaptureLineError::at(n, String::new()), p));
    }
    out.into_iter()
        .map(|(mut e, p)| {
            e.message = match p {
                Problem::TooLong => format!(
                    "longer than {} KiB: not a capture line (skipped)",
                    MAX_LINE_BYTES / 1024
                ),
                Problem::NotUtf8(column) => {
                    format!("not UTF-8 text (invalid byte at column {column}; skipped)")
                }
                Problem::Time(why, first) => {
                    format!("{} (skipped)", why.describe(first, e.count, now))
                }
                Problem::Stray {
                    part_start,
                    part_len,
                    ..
                } => format!(
                    "{}: not replayed (a replay is one session)",
                    timeline::stray(part_start, part_len, "the capture")
                ),
                Problem::Other(message) => format!("{message} (skipped)"),
            };
            e
        })
        .collect()
}

/// One line of input: its number and its bytes (without the line end), or the fact that it
/// was too long to keep.
struct Line<'a> {
    number: usize,
    content: Content<'a>,
}

enum Content<'a> {
    Bytes(&'a [u8]),
    TooLong,
}

/// Splits input into lines of at most [`MAX_LINE_BYTES`], holding no more than that.
struct Lines<R> {
    input: R,
    buf: Vec<u8>,
    number: usize,
}

impl<R: BufRead> Lines<R> {
    fn new(input: R) -> Self {
        Lines {
            input,
            buf: Vec::new(),
            number: 0,
        }
    }

    fn next_line(&mut self) -> std::io::Result<Option<Line<'_>>> {
        self.buf.clear();
        let mut too_long = false;
        let mut any = false;
        loop {
            let chunk = match self.input.fill_buf() {
                Ok(chunk) => chunk,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if chunk.is_empty() {
                break;
            }
            any = true;
            let (part, used, ended) = match chunk.iter().position(|&b| b == b'\n') {
                Some(i) => (&chunk[..i], i + 1, true),
                None => (chunk, chunk.len(), false),
            };
            if !too_long {
                if self.buf.len() + part.len() > MAX_LINE_BYTES {
                    too_long = true;
                    self.buf.clear();
                } else {
                    self.buf.extend_from_slice(part);
                }
            }
            self.input.consume(used);
            if ended {
                break;
            }
        }
        if !any {
            return Ok(None);
        }
        self.number += 1;
        if too_long {
            return Ok(Some(Line {
                number: self.number,
                content: Content::TooLong,
            }));
        }
        let mut bytes = self.buf.as_slice();
        if self.number == 1 {
            bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        }
        Ok(Some(Line {
            number: self.number,
            content: Content::Bytes(bytes),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 7, 0, 0).unwrap() + chrono::Duration::milliseconds(123)
    }

    /// The replay's "now" in these tests.
    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap()
    }

    /// A packet line at `t` (RFC 3339).
    fn line_at(t: &str) -> String {
        format!("{{\"t\":\"{t}\",\"hex\":\"0064\"}}\n")
    }

    fn times(events: &[SourceEvent]) -> Vec<String> {
        events.iter().map(|e| format_time(time_of(e))).collect()
    }

    #[test]
    fn a_line_that_is_not_utf8_is_skipped_and_named() {
        // Before: the whole capture was unreadable ("not a text file", exit 9).
        let mut bytes = line_at("2026-11-25T07:00:00Z").into_bytes();
        bytes.extend_from_slice(b"{\"t\":\"2026-11-25T07:00:01Z\",\"hex\":\"\xff\"}\n");
        bytes.extend_from_slice(line_at("2026-11-25T07:00:02Z").as_bytes());
        let (events, errors) = parse(&bytes, now());
        assert_eq!(events.len(), 2);
        assert_eq!(
            errors.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["line 2: not UTF-8 text (invalid byte at column 36; skipped)"]
        );
    }

    #[test]
    fn a_byte_order_mark_is_stripped() {
        // Before: line 1 was "not a JSON object" and lost.
        let mut bytes = b"\xEF\xBB\xBF".to_vec();
        bytes.extend_from_slice(line_at("2026-11-25T07:00:00Z").as_bytes());
        let (events, errors) = parse(&bytes, now());
        assert_eq!(times(&events), ["2026-11-25T07:00:00.000Z"]);
        assert!(errors.is_empty(), "{errors:?}");
        // Only at the start of the file.
        let mut later = line_at("2026-11-25T07:00:00Z").into_bytes();
        later.extend_from_slice(b"\xEF\xBB\xBF");
        later.extend_from_slice(line_at("2026-11-25T07:00:01Z").as_bytes());
        assert_eq!(parse(&later, now()).1.len(), 1);
    }

    /// Bytes made on the fly, never all in memory: `len` bytes of `x`, then `tail`.
    struct Generated {
        left: usize,
        tail: std::io::Cursor<Vec<u8>>,
    }

    impl std::io::Read for Generated {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            if self.left == 0 {
                return self.tail.read(out);
            }
            let n = out.len().min(self.left);
            out[..n].fill(b'x');
            self.left -= n;
            Ok(n)
        }
    }

    #[test]
    fn a_line_over_the_limit_is_skipped_without_holding_it() {
        // Before: read whole (one 50 MB line took 1 GB). Here 50 MB come from a generator and
        // the reader's line buffer never grows past the limit (see `Lines`).
        let mut tail = b"\n".to_vec();
        tail.extend_from_slice(line_at("2026-11-25T07:00:00Z").as_bytes());
        let input = std::io::BufReader::new(Generated {
            left: 50 * 1024 * 1024,
            tail: std::io::Cursor::new(tail),
        });
        let (events, errors) = read(input, now()).unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(
            errors.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["line 1: longer than 64 KiB: not a capture line (skipped)"]
        );
        // Exactly the limit is still a line (and here a bad one); one byte more is too long.
        let exact = vec![b'x'; MAX_LINE_BYTES];
        assert!(parse(&exact, now()).1[0]
            .message
            .contains("not a JSON object"));
        let over = vec![b'x'; MAX_LINE_BYTES + 1];
        assert!(parse(&over, now()).1[0]
            .message
            .contains("longer than 64 KiB"));
    }

    #[test]
    fn times_no_strap_recorded_are_refused_in_runs() {
        let mut text = String::new();
        for s in 0..3 {
            text.push_str(&line_at(&format!("0001-01-01T00:00:0{s}Z")));
        }
        text.push_str(&line_at("2026-11-25T07:00:00Z"));
        text.push_str(&line_at("9999-12-31T23:59:59Z"));
        text.push_str(&line_at("2026-11-25T07:00:01Z"));
        let (events, errors) = parse(text.as_bytes(), now());
        assert_eq!(
            times(&events),
            ["2026-11-25T07:00:00.000Z", "2026-11-25T07:00:01.000Z"]
        );
        let errors: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            errors,
            [
                "lines 1-3: times (the first 0001-01-01T00:00:00Z) are before 2000-01-01, \
                 earlier than any watch or strap recorded (a corrupted timestamp?) (skipped)",
                "line 5: time 9999-12-31T23:59:59Z is more than a day after now \
                 (2026-12-01T00:00:00Z): in the future (a corrupted timestamp or a wrong clock?) \
                 (skipped)"
            ]
        );
    }

    #[test]
    fn a_jump_of_more_than_a_day_replays_the_biggest_part() {
        let mut text = line_at("2026-11-20T07:00:00Z");
        for s in 0..3 {
            text.push_str(&line_at(&format!("2026-11-25T07:00:0{s}Z")));
        }
        // Back an hour: kept (a wall clock set back), in the same part.
        text.push_str(&line_at("2026-11-25T06:00:00Z"));
        let (events, errors) = parse(text.as_bytes(), now());
        assert_eq!(events.len(), 4);
        assert_eq!(
            errors.iter().map(ToString::to_string).collect::<Vec<_>>(),
            [
                "line 1: 1 reading at 2026-11-20T07:00:00Z, more than a day away from the rest of \
              the capture (corrupted timestamps?): not replayed (a replay is one session)"
            ]
        );
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
        let (events, errors) = parse(text.as_bytes(), now());
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
