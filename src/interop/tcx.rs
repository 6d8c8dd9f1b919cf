//! TCX (Garmin Training Center Database v2) in both directions: import the heart rate of
//! exported workouts, and export a talkzone session that Strava, GoldenCheetah and Runalyze
//! accept.
//!
//! Owns the TCX side of [`super::import_bytes`] and [`export_tcx`]; pure text in, text out.
//!
//! Import decisions:
//! - A streaming XML read (quick-xml), matching elements by local name so any namespace prefix
//!   works: each `Activity` (its `Sport` attribute) becomes one [`ImportedActivity`]; each
//!   `Trackpoint` with a `Time` and a `HeartRateBpm/Value` becomes one reading. Trackpoints
//!   without a heart rate (GPS-only points, or our own export of an HR-0 reading) are skipped;
//!   an activity without any heart rate is left out; a file with none is
//!   [`ImportError::NoHeartRate`]. Trackpoints of `Courses` (outside any activity) are ignored.
//! - The root element must be `TrainingCenterDatabase`: any other XML is
//!   [`ImportError::NotTcx`], naming it (`a GPX file` for `<gpx>`, the usual mix-up).
//! - Malformed XML is [`ImportError::Corrupt`] with its line and column; a document that stops
//!   with elements still open (or before its first element) is [`ImportError::Truncated`]. A
//!   `Time` or heart rate that does not parse is also `Corrupt`, with its line: it is the data
//!   itself that is damaged. The message says what is wrong with it: a heart rate that is
//!   empty, negative (`-5`), out of range (`65536`: beyond what talkzone stores, 0-65535; the
//!   plausible range is the summary's business) or not a number.
//! - References: character references (`&#49;`) and the five predefined entities (`&lt;`...)
//!   are read. Other entities (declared in a DTD) are never expanded (no entity expansion,
//!   so no "billion laughs"); one inside a time or heart rate is named as the problem, and so
//!   is a character reference to no character (`&#xFFFFFF;`). Elsewhere (notes, names) they
//!   are dropped.
//! - Times are `xsd:dateTime`: an offset is honoured (normalised to UTC), a time without one is
//!   taken as UTC (what Garmin writes). Heart rates may be written as decimals (`72.0`):
//!   rounded.
//! - Each activity's trackpoints, in file order, follow the time rules of [`crate::timeline`]
//!   (refused times, splits, strays), named by line; each part left is one activity.
//! - Sport: `Running` -> `running`, `Biking` -> `cycling` (FIT's words, as the FIT importer
//!   gives), `Other` -> `None`. The start is the first reading (an activity's `Id` and a lap's
//!   `StartTime` are not used: they may disagree with the trackpoints, e.g. a lap start in `Z`
//!   and trackpoints in `+14:00`).
//!
//! Export decisions:
//! - Schema order of a lap: `TotalTimeSeconds`, `DistanceMeters` (0: talkzone has no
//!   distance), `Calories` (0), `AverageHeartRateBpm`/`MaximumHeartRateBpm` (when the lap has a
//!   heart rate), `Intensity` Active, `TriggerMethod` Manual, `Track`. One lap per lap marker
//!   after the start (a single lap without markers); a `Track` only when the lap has points
//!   (the schema wants at least one `Trackpoint` in a `Track`).
//! - Times are RFC 3339 UTC with milliseconds, so export then import gives every time back to
//!   the millisecond.
//! - A reading with HR 0 ("no signal") or above 255 (outside the schema's `unsignedByte`) is
//!   written as a `Trackpoint` with only its `Time`: the timeline stays whole, and no fake
//!   0 bpm appears in Strava's heart-rate graph. Importing such a file skips those points, so a
//!   round trip gives back exactly the readings with HR 1-255. RR intervals are not part of
//!   TCX and are not written (use the JSON or CSV export).
//! - Sport: anything about running -> `Running`, cycling/biking -> `Biking`, else `Other`.

use chrono::{DateTime, NaiveDateTime, Utc};
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use super::{
    imported_reading, refusal_notes, time_rules, ExportMeta, ImportError, ImportedActivity,
};
use crate::protocol::capture::format_time;
use crate::reading::Reading;
use crate::timeline;

/// The TCX v2 namespace.
pub const NAMESPACE: &str = "http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2";

/// How far into a file to look for the `TrainingCenterDatabase` root (declaration, comments
/// and a stylesheet line come first in some exports).
const SNIFF_LEN: usize = 64 * 1024;

/// Whether `bytes` begin (after a byte-order mark and blanks) with `<`.
pub(super) fn starts_like_xml(bytes: &[u8]) -> bool {
    strip_bom(bytes)
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b == b'<')
}

/// Whether `bytes` look like a TCX document: XML naming `TrainingCenterDatabase` early on.
pub(super) fn looks_like_tcx(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(SNIFF_LEN)];
    starts_like_xml(bytes)
        && head
            .windows(b"TrainingCenterDatabase".len())
            .any(|w| w == b"TrainingCenterDatabase")
}

/// The local name of the document's root element, if the bytes start like XML and one is
/// found in the first [`SNIFF_LEN`] bytes (for telling a GPX file from a foreign one).
pub(super) fn root_name(bytes: &[u8]) -> Option<String> {
    if !starts_like_xml(bytes) {
        return None;
    }
    let head = &bytes[..bytes.len().min(SNIFF_LEN)];
    let mut reader = Reader::from_reader(head);
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf).ok()? {
            Event::Start(e) | Event::Empty(e) => {
                return Some(String::from_utf8_lossy(e.local_name().as_ref()).into_owned())
            }
            Event::Eof => return None,
            _ => buf.clear(),
        }
    }
}

/// What a root element other than `TrainingCenterDatabase` says the file is.
fn not_tcx(root: &[u8]) -> ImportError {
    let what = match root {
        b"gpx" => "a GPX file".to_owned(),
        b"kml" => "a KML file".to_owned(),
        b"html" => "an HTML page".to_owned(),
        other => format!(
            "an XML document whose root element is <{}>",
            super::one_line(&String::from_utf8_lossy(other))
        ),
    };
    ImportError::NotTcx { what }
}

fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

/// The elements the importer cares about; everything else is `Other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    Activity,
    Trackpoint,
    Time,
    HeartRateBpm,
    Value,
    Other,
}

impl Tag {
    fn of(local_name: &[u8]) -> Tag {
        match local_name {
            b"Activity" => Tag::Activity,
            b"Trackpoint" => Tag::Trackpoint,
            b"Time" => Tag::Time,
            b"HeartRateBpm" => Tag::HeartRateBpm,
            b"Value" => Tag::Value,
            _ => Tag::Other,
        }
    }
}

/// An activity being read.
struct ActivityDraft {
    sport: Option<String>,
    /// Readings in file order, each with the byte offset of its time.
    readings: Vec<(usize, Reading)>,
}

/// A trackpoint being read.
#[derive(Default)]
struct PointDraft {
    /// Its time, and the byte offset where it was read.
    time: Option<(usize, DateTime<Utc>)>,
    hr: Option<u16>,
}

/// The streaming reader's state.
struct Parse<'a> {
    text: &'a str,
    now: DateTime<Utc>,
    open: Vec<Tag>,
    /// Whether any element was seen (a document without one is cut short).
    any_element: bool,
    chars: String,
    /// A reference in `chars`' text that could not be read (`&name;` not expanded, or a bad
    /// character reference): what to say if that text is a value we need.
    bad_reference: Option<String>,
    activity: Option<ActivityDraft>,
    point: Option<PointDraft>,
    done: Vec<ImportedActivity>,
    /// Readings refused by the time rules, by byte offset.
    refused: Vec<(usize, super::Refusal)>,
}

/// Reads every activity with heart rate in a TCX document, with notes on what was refused.
pub(super) fn import(
    bytes: &[u8],
    now: DateTime<Utc>,
) -> Result<(Vec<ImportedActivity>, Vec<String>), ImportError> {
    let text = std::str::from_utf8(strip_bom(bytes)).map_err(|e| ImportError::Corrupt {
        detail: format!("not UTF-8 text (byte {})", e.valid_up_to()),
    })?;
    let mut reader = Reader::from_str(text);
    let mut parse = Parse {
        text,
        now,
        open: Vec::new(),
        any_element: false,
        chars: String::new(),
        bad_reference: None,
        activity: None,
        point: None,
        done: Vec::new(),
        refused: Vec::new(),
    };
    loop {
        let event = reader.read_event().map_err(|e| {
            let at = usize::try_from(reader.error_position()).unwrap_or(usize::MAX);
            parse.corrupt(at, &format!("malformed XML: {e}"))
        })?;
        let at = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        match event {
            Event::Start(e) => {
                let tag = Tag::of(e.local_name().as_ref());
                parse.start(tag, &e, at)?;
                parse.open.push(tag);
            }
            Event::Empty(e) => {
                let tag = Tag::of(e.local_name().as_ref());
                parse.start(tag, &e, at)?;
                parse.open.push(tag);
                parse.end(at)?;
            }
            Event::End(_) => parse.end(at)?,
            Event::Text(t) => {
                let s = t.decode().map_err(|e| parse.corrupt(at, &e.to_string()))?;
                parse.chars.push_str(&s);
            }
            Event::CData(t) => {
                let s = t.decode().map_err(|e| parse.corrupt(at, &e.to_string()))?;
                parse.chars.push_str(&s);
            }
            Event::GeneralRef(r) => {
                let name = String::from_utf8_lossy(&r).into_owned();
                if r.is_char_ref() {
                    match r.resolve_char_ref() {
                        Ok(Some(c)) => parse.chars.push(c),
                        _ => {
                            parse.bad_reference.get_or_insert(format!(
                                "has a character reference that is not a character: &{name};"
                            ));
                        }
                    }
                } else if let Some(s) = quick_xml::escape::resolve_predefined_entity(&name) {
                    parse.chars.push_str(s);
                } else {
                    parse.bad_reference.get_or_insert(format!(
                        "uses the entity &{name};, which talkzone does not expand (a TCX file \
                         needs none: only character references like &#49; and the five XML \
                         entities like &lt; are read)"
                    ));
                }
            }
            Event::Eof => break,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    if !parse.open.is_empty() || !parse.any_element {
        return Err(ImportError::Truncated);
    }
    let notes = parse.notes();
    if parse.done.is_empty() && notes.is_empty() {
        return Err(ImportError::NoHeartRate);
    }
    Ok((parse.done, notes))
}

impl Parse<'_> {
    fn start(&mut self, tag: Tag, e: &BytesStart<'_>, at: usize) -> Result<(), ImportError> {
        if !self.any_element && e.local_name().as_ref() != b"TrainingCenterDatabase" {
            return Err(not_tcx(e.local_name().as_ref()));
        }
        self.any_element = true;
        self.chars.clear();
        self.bad_reference = None;
        match tag {
            Tag::Activity => {
                self.finish_activity();
                let sport = self.attribute(e, "Sport", at)?;
                self.activity = Some(ActivityDraft {
                    sport: sport.and_then(|s| sport_from_tcx(&s)),
                    readings: Vec::new(),
                });
            }
            Tag::Trackpoint => self.point = Some(PointDraft::default()),
            _ => {}
        }
        Ok(())
    }

    /// The text of the element just ended, or an error if a reference in it could not be read
    /// (`what` names the value: "heart rate").
    fn value_text(&mut self, at: usize, what: &str) -> Result<String, ImportError> {
        let chars = std::mem::take(&mut self.chars);
        match self.bad_reference.take() {
            Some(problem) => Err(self.corrupt(at, &format!("{what} {problem}"))),
            None => Ok(chars.trim().to_owned()),
        }
    }

    fn end(&mut self, at: usize) -> Result<(), ImportError> {
        let Some(tag) = self.open.pop() else {
            return Err(self.corrupt(at, "an end tag without a start tag"));
        };
        let parent = self.open.last().copied();
        let grandparent = self.open.len().checked_sub(2).map(|i| self.open[i]);
        match (tag, parent, grandparent) {
            (Tag::Time, Some(Tag::Trackpoint), _) => {
                let value = self.value_text(at, "trackpoint time")?;
                let t = parse_time(&value).ok_or_else(|| {
                    self.corrupt(at, &format!("trackpoint time {value:?} is not a date-time"))
                })?;
                if let Some(p) = self.point.as_mut() {
                    p.time = Some((at, t));
                }
            }
            (Tag::Value, Some(Tag::HeartRateBpm), Some(Tag::Trackpoint)) => {
                let value = self.value_text(at, "heart rate")?;
                let hr = parse_hr(&value).map_err(|problem| self.corrupt(at, &problem))?;
                if let Some(p) = self.point.as_mut() {
                    p.hr = Some(hr);
                }
            }
            (Tag::Trackpoint, _, _) => {
                if let (
                    Some(PointDraft {
                        time: Some((at, t)),
                        hr: Some(hr),
                    }),
                    Some(a),
                ) = (self.point.take(), self.activity.as_mut())
                {
                    a.readings.push((at, imported_reading(t, hr)));
                }
            }
            (Tag::Activity, _, _) => self.finish_activity(),
            _ => {}
        }
        self.chars.clear();
        self.bad_reference = None;
        Ok(())
    }

    fn finish_activity(&mut self) {
        let Some(a) = self.activity.take() else {
            return;
        };
        for part in time_rules(a.readings, self.now, &mut self.refused) {
            let readings: Vec<Reading> = part.into_iter().map(|(_, r)| r).collect();
            let Some(start) = readings.first().map(|r| r.t) else {
                continue;
            };
            self.done.push(ImportedActivity {
                sport: a.sport.clone(),
                start,
                readings,
            });
        }
    }

    /// The time rules' refusals as notes naming lines.
    fn notes(&mut self) -> Vec<String> {
        if self.refused.is_empty() {
            return Vec::new();
        }
        let newlines: Vec<usize> = self
            .text
            .bytes()
            .enumerate()
            .filter(|&(_, b)| b == b'\n')
            .map(|(i, _)| i)
            .collect();
        let line = |at: usize| newlines.partition_point(|&nl| nl < at) + 1;
        let refused = std::mem::take(&mut self.refused);
        // Count lines, not readings, when several are on one line.
        refusal_notes(refused, self.now, |first, last, count| {
            let (a, b) = (line(first), line(last));
            timeline::places("line", a, b, if a == b { 1 } else { count })
        })
    }

    fn attribute(
        &self,
        e: &BytesStart<'_>,
        name: &str,
        at: usize,
    ) -> Result<Option<String>, ImportError> {
        let attr = e
            .try_get_attribute(name)
            .map_err(|err| self.corrupt(at, &format!("malformed attribute: {err}")))?;
        match attr {
            None => Ok(None),
            Some(a) => a
                .unescape_value()
                .map(|v| Some(v.into_owned()))
                .map_err(|err| self.corrupt(at, &format!("malformed attribute {name}: {err}"))),
        }
    }

    /// A `Corrupt` error naming the line and column of byte `at`. `what` may quote the file
    /// (quick-xml's messages do, line ends included): it is made one line.
    fn corrupt(&self, at: usize, what: &str) -> ImportError {
        let (line, column) = line_column(self.text, at);
        ImportError::Corrupt {
            detail: format!("line {line}, column {column}: {}", super::one_line(what)),
        }
    }
}

/// 1-based line and column (in bytes) of byte offset `at` in `text`.
fn line_column(text: &str, at: usize) -> (usize, usize) {
    let before = &text.as_bytes()[..at.min(text.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    (line, before.len() - line_start + 1)
}

/// An `xsd:dateTime`; without an offset it is taken as UTC.
fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
                .ok()
                .map(|t| t.and_utc())
        })
}

/// A heart rate in bpm: an integer, or a decimal rounded; else what is wrong with it.
fn parse_hr(s: &str) -> Result<u16, String> {
    if let Ok(hr) = s.parse::<u16>() {
        return Ok(hr);
    }
    if s.is_empty() {
        return Err("heart rate is empty".into());
    }
    // (An overflowing `1e400` is infinite: out of range, not "not a number".)
    let Some(f) = s.parse::<f64>().ok().filter(|f| !f.is_nan()) else {
        return Err(format!("heart rate {s:?} is not a number"));
    };
    let r = f.round();
    if r < 0.0 {
        Err(format!("heart rate {s} is negative"))
    } else if r > f64::from(u16::MAX) {
        Err(format!(
            "heart rate {s} is out of range (0 to {})",
            u16::MAX
        ))
    } else {
        Ok(r as u16)
    }
}

/// TCX `Sport` to talkzone/FIT words.
fn sport_from_tcx(s: &str) -> Option<String> {
    match s.trim() {
        "Running" => Some("running".into()),
        "Biking" => Some("cycling".into()),
        "Other" | "" => None,
        other => Some(other.to_ascii_lowercase()),
    }
}

/// talkzone/FIT sport words to the three TCX sports.
fn sport_to_tcx(sport: Option<&str>) -> &'static str {
    let s = sport.unwrap_or("").to_ascii_lowercase();
    if s.contains("run") {
        "Running"
    } else if s.contains("cycl") || s.contains("bik") || s.contains("ride") {
        "Biking"
    } else {
        "Other"
    }
}

/// Whether TCX can carry this heart rate (`unsignedByte`, and not the "no signal" 0).
fn tcx_heart_rate(hr: u16) -> Option<u16> {
    (1..=255).contains(&hr).then_some(hr)
}

/// Writes one session as a TCX v2 document (see the module doc for every choice).
pub fn export_tcx(meta: &ExportMeta, readings: &[Reading]) -> String {
    let mut sorted: Vec<&Reading> = readings.iter().collect();
    sorted.sort_by_key(|r| r.t);

    let mut lap_starts: Vec<DateTime<Utc>> = vec![meta.start];
    lap_starts.extend(meta.laps.iter().copied().filter(|&t| t > meta.start));
    lap_starts.sort();
    lap_starts.dedup();
    let mut laps: Vec<Vec<&Reading>> = vec![Vec::new(); lap_starts.len()];
    for r in sorted.iter().copied() {
        let i = lap_starts.partition_point(|&s| s <= r.t).saturating_sub(1);
        laps[i].push(r);
    }
    let session_end = sorted.last().map_or(meta.start, |r| r.t);

    let mut out = String::with_capacity(200 + readings.len() * 110);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<TrainingCenterDatabase xmlns=\"{NAMESPACE}\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xsi:schemaLocation=\"{NAMESPACE} http://www.garmin.com/xmlschemas/TrainingCenterDatabasev2.xsd\">\n"
    ));
    out.push_str("  <Activities>\n");
    out.push_str(&format!(
        "    <Activity Sport=\"{}\">\n      <Id>{}</Id>\n",
        sport_to_tcx(meta.sport.as_deref()),
        format_time(meta.start)
    ));
    for (i, (start, points)) in lap_starts.iter().zip(&laps).enumerate() {
        let end = lap_starts.get(i + 1).copied().unwrap_or(session_end);
        let ms = (end - *start).num_milliseconds().max(0);
        out.push_str(&format!(
            "      <Lap StartTime=\"{}\">\n        <TotalTimeSeconds>{}.{:03}</TotalTimeSeconds>\n        <DistanceMeters>0</DistanceMeters>\n        <Calories>0</Calories>\n",
            format_time(*start),
            ms / 1000,
            ms % 1000
        ));
        let hrs: Vec<u32> = points
            .iter()
            .filter_map(|r| tcx_heart_rate(r.hr))
            .map(u32::from)
            .collect();
        if let Some(max) = hrs.iter().max() {
            let n = u32::try_from(hrs.len()).unwrap_or(u32::MAX);
            let mean = (hrs.iter().sum::<u32>() + n / 2) / n;
            out.push_str(&format!(
                "        <AverageHeartRateBpm><Value>{mean}</Value></AverageHeartRateBpm>\n        <MaximumHeartRateBpm><Value>{max}</Value></MaximumHeartRateBpm>\n"
            ));
        }
        out.push_str("        <Intensity>Active</Intensity>\n        <TriggerMethod>Manual</TriggerMethod>\n");
        if !points.is_empty() {
            out.push_str("        <Track>\n");
            for r in points {
                out.push_str("          <Trackpoint><Time>");
                out.push_str(&format_time(r.t));
                out.push_str("</Time>");
                if let Some(hr) = tcx_heart_rate(r.hr) {
                    out.push_str(&format!("<HeartRateBpm><Value>{hr}</Value></HeartRateBpm>"));
                }
                out.push_str("</Trackpoint>\n");
            }
            out.push_str("        </Track>\n");
        }
        out.push_str("      </Lap>\n");
    }
    out.push_str("    </Activity>\n  </Activities>\n</TrainingCenterDatabase>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// `s` seconds after 2026-11-01T00:00:00Z.
    fn t(s: i64, ms: u32) -> DateTime<Utc> {
        Utc.timestamp_opt(1793491200 + s, ms * 1_000_000).unwrap()
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap()
    }

    fn doc(body: &str) -> String {
        format!(
            "<?xml version=\"1.0\"?>\n<TrainingCenterDatabase xmlns=\"{NAMESPACE}\"><Activities>{body}</Activities></TrainingCenterDatabase>"
        )
    }

    #[test]
    fn reads_prefixed_and_offset_times() {
        let x = "<?xml version=\"1.0\"?><tc:TrainingCenterDatabase xmlns:tc=\"x\"><tc:Activities>\
            <tc:Activity Sport=\"Biking\"><tc:Id>2020-01-01T10:00:00+01:00</tc:Id><tc:Lap><tc:Track>\
            <tc:Trackpoint><tc:Time>2020-01-01T09:00:01</tc:Time><tc:HeartRateBpm><tc:Value> 72.4 </tc:Value></tc:HeartRateBpm></tc:Trackpoint>\
            <tc:Trackpoint><tc:Time>2020-01-01T09:00:02Z</tc:Time></tc:Trackpoint>\
            </tc:Track></tc:Lap></tc:Activity></tc:Activities></tc:TrainingCenterDatabase>";
        let (acts, notes) = import(x.as_bytes(), now()).unwrap();
        assert_eq!(acts.len(), 1);
        assert!(notes.is_empty());
        assert_eq!(acts[0].sport.as_deref(), Some("cycling"));
        // The first reading, not the Id (09:00:00Z): one rule, start = first reading.
        assert_eq!(
            acts[0].start,
            Utc.with_ymd_and_hms(2020, 1, 1, 9, 0, 1).unwrap()
        );
        assert_eq!(acts[0].readings.len(), 1);
        assert_eq!(acts[0].readings[0].hr, 72);
        assert_eq!(
            acts[0].readings[0].t,
            Utc.with_ymd_and_hms(2020, 1, 1, 9, 0, 1).unwrap()
        );
    }

    #[test]
    fn errors_name_the_line() {
        let x = doc("<Activity Sport=\"Running\">\n<Lap><Track><Trackpoint><Time>2020-01-01T00:00:00Z</Time>\n<HeartRateBpm><Value>x</Value></HeartRateBpm></Trackpoint></Track></Lap></Activity>");
        let e = import(x.as_bytes(), now()).unwrap_err();
        assert!(
            matches!(&e, ImportError::Corrupt { detail } if detail.contains("line 4")),
            "{e}"
        );
        let bad = doc("<Activity></Lap>");
        let e = import(bad.as_bytes(), now()).unwrap_err();
        assert!(
            matches!(&e, ImportError::Corrupt { detail } if detail.contains("line 2")),
            "{e}"
        );
        let open = "<?xml version=\"1.0\"?><TrainingCenterDatabase><Activities><Activity>";
        assert_eq!(import(open.as_bytes(), now()), Err(ImportError::Truncated));
        assert_eq!(
            import(b"<?xml version=\"1.0\"?>", now()),
            Err(ImportError::Truncated)
        );
        assert_eq!(import(b"", now()), Err(ImportError::Truncated));
        assert_eq!(
            import(doc("").as_bytes(), now()),
            Err(ImportError::NoHeartRate)
        );
    }

    /// A trackpoint line at `t` with heart rate `hr`.
    fn point(t: &str, hr: &str) -> String {
        format!(
            "<Trackpoint><Time>{t}</Time><HeartRateBpm><Value>{hr}</Value></HeartRateBpm></Trackpoint>\n"
        )
    }

    fn activity(points: &str) -> String {
        doc(&format!(
            "<Activity Sport=\"Running\"><Lap StartTime=\"2026-11-10T07:00:00Z\"><Track>\n{points}</Track></Lap></Activity>"
        ))
    }

    #[test]
    fn other_xml_is_named_for_what_it_is() {
        // Before: a GPX file named .tcx was "no heart-rate data: skipped" (exit 0).
        let gpx = "<?xml version=\"1.0\"?>\n<gpx version=\"1.1\"><trk/></gpx>";
        assert_eq!(
            import(gpx.as_bytes(), now()),
            Err(ImportError::NotTcx {
                what: "a GPX file".into()
            })
        );
        assert_eq!(root_name(gpx.as_bytes()).as_deref(), Some("gpx"));
        let other = "<catalog><item/></catalog>";
        assert_eq!(
            import(other.as_bytes(), now()).map_err(|e| e.to_string()),
            Err(
                "an XML document whose root element is <catalog>, not TCX: talkzone imports \
                 FIT and TCX files (export the workout as one)"
                    .into()
            )
        );
        assert_eq!(root_name(b"hello"), None);
    }

    #[test]
    fn references_in_values_are_read_or_named() {
        let x = activity(&point("2026-11-10T07:00:00Z", "1&#x34;&#48;"));
        let (acts, _) = import(x.as_bytes(), now()).unwrap();
        assert_eq!(acts[0].readings[0].hr, 140, "character references are read");
        let x = activity(&point("2026-11-10T07:00:00Z", "&#x31;&#x32;&#x30;&#32;"));
        assert_eq!(
            import(x.as_bytes(), now()).unwrap().0[0].readings[0].hr,
            120
        );
        // Before: each of these ended as `heart rate "" is not a number` (or "10" silently).
        let entity = format!(
            "<!DOCTYPE x [<!ENTITY hr \"150\">]>{}",
            activity(&point("2026-11-10T07:00:00Z", "&hr;"))
        );
        let e = import(entity.as_bytes(), now()).unwrap_err().to_string();
        assert!(
            e.contains("heart rate uses the entity &hr;, which talkzone does not expand"),
            "{e}"
        );
        let bad = activity(&point("2026-11-10T07:00:00Z", "1&#xFFFFFF;0"));
        let e = import(bad.as_bytes(), now()).unwrap_err().to_string();
        assert!(
            e.contains("heart rate has a character reference that is not a character: &#xFFFFFF;"),
            "{e}"
        );
        let time = activity(&point("2026-11-10T07:00:00&lt;", "120"));
        let e = import(time.as_bytes(), now()).unwrap_err().to_string();
        assert!(
            e.contains("trackpoint time \"2026-11-10T07:00:00<\" is not a date-time"),
            "{e}"
        );
        // Elsewhere, an unknown entity is dropped: it is not a value talkzone reads.
        let notes = activity(&format!(
            "<Notes>&what;</Notes>{}",
            point("2026-11-10T07:00:00Z", "120")
        ));
        assert_eq!(import(notes.as_bytes(), now()).unwrap().0.len(), 1);
    }

    #[test]
    fn trackpoint_times_follow_the_time_rules_by_line() {
        let mut points = String::new();
        for s in 0..10 {
            points.push_str(&point(&format!("2026-11-10T07:00:{s:02}+14:00"), "120"));
        }
        points.push_str(&point("2027-01-01T00:00:00Z", "120"));
        points.push_str(&point("1999-12-31T23:59:59Z", "120"));
        let x = activity(&points);
        let (acts, notes) = import(x.as_bytes(), now()).unwrap();
        assert_eq!(acts.len(), 1);
        // +14:00 normalised: 07:00 at +14 is 17:00 the day before, in UTC.
        assert_eq!(
            acts[0].start,
            Utc.with_ymd_and_hms(2026, 11, 9, 17, 0, 0).unwrap()
        );
        assert_eq!(acts[0].readings.len(), 10);
        // Lines: 1 the declaration, 2 the root down to <Track>, 3-12 the ten points, 13, 14.
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert!(
            notes[0].starts_with("line 13: time 2027-01-01T00:00:00Z is more than a day after now"),
            "{notes:?}"
        );
        assert!(
            notes[1].starts_with("line 14: time 1999-12-31T23:59:59Z is before 2000-01-01"),
            "{notes:?}"
        );
    }

    #[test]
    fn an_error_quoting_line_ends_is_one_line() {
        // Found by the tcx fuzz target: quick-xml quotes a broken end tag with what follows it,
        // line end included, and the message was two lines.
        let x = "<?xml version=\"1.0\"?>\n<TrainingCenterDatabase><Activities><Activity>\n\
                 <Id>2022-07-16T16:08:25.000Z</Id\n   <Time>2022-07-16T16:12:03.000Z</Time>\n";
        let e = import(x.as_bytes(), now()).unwrap_err().to_string();
        assert!(!e.contains('\n'), "{e}");
        assert!(e.contains("`</Id\\n   <Time>` was found"), "{e}");
    }

    #[test]
    fn line_columns() {
        assert_eq!(line_column("ab\ncd", 0), (1, 1));
        assert_eq!(line_column("ab\ncd", 4), (2, 2));
        assert_eq!(line_column("ab", 99), (1, 3));
    }

    #[test]
    fn export_follows_the_schema_order_and_laps() {
        let r = |s, hr| imported_reading(t(s, 0), hr);
        let meta = ExportMeta {
            start: t(1_000, 0),
            sport: Some("running".into()),
            laps: vec![t(1_002, 0), t(900, 0), t(1_002, 0)],
        };
        let x = export_tcx(
            &meta,
            &[r(1_000, 100), r(1_001, 0), r(1_002, 120), r(1_004, 300)],
        );
        let order = [
            "<Id>",
            "<Lap StartTime=\"2026-11-01T00:16:40.000Z\">",
            "<TotalTimeSeconds>2.000</TotalTimeSeconds>",
            "<DistanceMeters>",
            "<Calories>",
            "<AverageHeartRateBpm><Value>100</Value>",
            "<MaximumHeartRateBpm><Value>100</Value>",
            "<Intensity>Active</Intensity>",
            "<TriggerMethod>Manual</TriggerMethod>",
            "<Track>",
            "<Trackpoint><Time>2026-11-01T00:16:41.000Z</Time></Trackpoint>",
            "<Lap StartTime=\"2026-11-01T00:16:42.000Z\">",
            "<TotalTimeSeconds>2.000</TotalTimeSeconds>",
            "<AverageHeartRateBpm><Value>120</Value>",
            "<Trackpoint><Time>2026-11-01T00:16:44.000Z</Time></Trackpoint>",
        ];
        let mut from = 0;
        for s in order {
            let at = x[from..]
                .find(s)
                .unwrap_or_else(|| panic!("{s} missing after {from} in {x}"));
            from += at + s.len();
        }
        assert_eq!(x.matches("<Lap ").count(), 2);
        assert!(x.contains("<Activity Sport=\"Running\">"));
        let (back, _) = import(x.as_bytes(), now()).unwrap();
        let hrs: Vec<u16> = back[0].readings.iter().map(|r| r.hr).collect();
        assert_eq!(hrs, [100, 120]);
    }

    #[test]
    fn empty_session_exports_a_lap_without_track() {
        let x = export_tcx(&ExportMeta::default(), &[]);
        assert!(x.contains("<TotalTimeSeconds>0.000</TotalTimeSeconds>"));
        assert!(!x.contains("<Track>"));
        assert_eq!(import(x.as_bytes(), now()), Err(ImportError::NoHeartRate));
    }

    #[test]
    fn sports() {
        assert_eq!(sport_to_tcx(Some("running")), "Running");
        assert_eq!(sport_to_tcx(Some("trail_running")), "Running");
        assert_eq!(sport_to_tcx(Some("cycling")), "Biking");
        assert_eq!(sport_to_tcx(Some("walking")), "Other");
        assert_eq!(sport_to_tcx(None), "Other");
        assert_eq!(sport_from_tcx("Other"), None);
        assert_eq!(sport_from_tcx("Running").as_deref(), Some("running"));
        assert_eq!(parse_hr("72"), Ok(72));
        assert_eq!(parse_hr("71.6"), Ok(72));
        assert_eq!(parse_hr("65535"), Ok(65535));
        assert_eq!(parse_hr("-0.4"), Ok(0));
    }

    #[test]
    fn heart_rate_problems_are_named() {
        // Before: each of these was `heart rate "..." is not a number`.
        assert_eq!(parse_hr("-3"), Err("heart rate -3 is negative".into()));
        assert_eq!(
            parse_hr("65536"),
            Err("heart rate 65536 is out of range (0 to 65535)".into())
        );
        assert_eq!(
            parse_hr("1e400"),
            Err("heart rate 1e400 is out of range (0 to 65535)".into())
        );
        assert_eq!(parse_hr("-inf"), Err("heart rate -inf is negative".into()));
        assert_eq!(parse_hr(""), Err("heart rate is empty".into()));
        assert_eq!(
            parse_hr("nan"),
            Err("heart rate \"nan\" is not a number".into())
        );
        assert_eq!(
            parse_hr("seventy"),
            Err("heart rate \"seventy\" is not a number".into())
        );
    }
}
