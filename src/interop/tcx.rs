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
//! - Malformed XML is [`ImportError::Corrupt`] with its line and column; a document that stops
//!   with elements still open (or before its first element) is [`ImportError::Truncated`]. A
//!   `Time` or heart rate that does not parse is also `Corrupt`, with its line: it is the data
//!   itself that is damaged.
//! - Times are `xsd:dateTime`: an offset is honoured, a time without one is taken as UTC (what
//!   Garmin writes). Heart rates may be written as decimals (`72.0`): rounded.
//! - Sport: `Running` -> `running`, `Biking` -> `cycling` (FIT's words, as the FIT importer
//!   gives), `Other` -> `None`. The start is the activity's `Id` (a time), else its first lap's
//!   `StartTime`, else its first reading.
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

use super::{imported_reading, ExportMeta, ImportError, ImportedActivity};
use crate::protocol::capture::format_time;
use crate::reading::Reading;

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

fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

/// The elements the importer cares about; everything else is `Other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    Activity,
    Id,
    Lap,
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
            b"Id" => Tag::Id,
            b"Lap" => Tag::Lap,
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
    id: Option<DateTime<Utc>>,
    first_lap: Option<DateTime<Utc>>,
    readings: Vec<Reading>,
}

/// A trackpoint being read.
#[derive(Default)]
struct PointDraft {
    time: Option<DateTime<Utc>>,
    hr: Option<u16>,
}

/// The streaming reader's state.
struct Parse<'a> {
    text: &'a str,
    open: Vec<Tag>,
    /// Whether any element was seen (a document without one is cut short).
    any_element: bool,
    chars: String,
    activity: Option<ActivityDraft>,
    point: Option<PointDraft>,
    done: Vec<ImportedActivity>,
}

/// Reads every activity with heart rate in a TCX document.
pub(super) fn import(bytes: &[u8]) -> Result<Vec<ImportedActivity>, ImportError> {
    let text = std::str::from_utf8(strip_bom(bytes)).map_err(|e| ImportError::Corrupt {
        detail: format!("not UTF-8 text (byte {})", e.valid_up_to()),
    })?;
    let mut reader = Reader::from_str(text);
    let mut parse = Parse {
        text,
        open: Vec::new(),
        any_element: false,
        chars: String::new(),
        activity: None,
        point: None,
        done: Vec::new(),
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
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    parse.chars.push(c);
                }
            }
            Event::Eof => break,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    if !parse.open.is_empty() || !parse.any_element {
        return Err(ImportError::Truncated);
    }
    if parse.done.is_empty() {
        return Err(ImportError::NoHeartRate);
    }
    Ok(parse.done)
}

impl Parse<'_> {
    fn start(&mut self, tag: Tag, e: &BytesStart<'_>, at: usize) -> Result<(), ImportError> {
        self.any_element = true;
        self.chars.clear();
        match tag {
            Tag::Activity => {
                self.finish_activity();
                let sport = self.attribute(e, "Sport", at)?;
                self.activity = Some(ActivityDraft {
                    sport: sport.and_then(|s| sport_from_tcx(&s)),
                    id: None,
                    first_lap: None,
                    readings: Vec::new(),
                });
            }
            Tag::Lap => {
                let start = self
                    .attribute(e, "StartTime", at)?
                    .and_then(|s| parse_time(&s));
                if let Some(a) = self.activity.as_mut() {
                    a.first_lap = a.first_lap.or(start);
                }
            }
            Tag::Trackpoint => self.point = Some(PointDraft::default()),
            _ => {}
        }
        Ok(())
    }

    fn end(&mut self, at: usize) -> Result<(), ImportError> {
        let Some(tag) = self.open.pop() else {
            return Err(self.corrupt(at, "an end tag without a start tag"));
        };
        let parent = self.open.last().copied();
        let grandparent = self.open.len().checked_sub(2).map(|i| self.open[i]);
        let chars = std::mem::take(&mut self.chars);
        let value = chars.trim();
        match (tag, parent, grandparent) {
            (Tag::Time, Some(Tag::Trackpoint), _) => {
                let t = parse_time(value).ok_or_else(|| {
                    self.corrupt(at, &format!("trackpoint time {value:?} is not a date-time"))
                })?;
                if let Some(p) = self.point.as_mut() {
                    p.time = Some(t);
                }
            }
            (Tag::Value, Some(Tag::HeartRateBpm), Some(Tag::Trackpoint)) => {
                let hr = parse_hr(value).ok_or_else(|| {
                    self.corrupt(at, &format!("heart rate {value:?} is not a number"))
                })?;
                if let Some(p) = self.point.as_mut() {
                    p.hr = Some(hr);
                }
            }
            (Tag::Id, Some(Tag::Activity), _) => {
                if let Some(a) = self.activity.as_mut() {
                    a.id = parse_time(value);
                }
            }
            (Tag::Trackpoint, _, _) => {
                if let (
                    Some(PointDraft {
                        time: Some(t),
                        hr: Some(hr),
                    }),
                    Some(a),
                ) = (self.point.take(), self.activity.as_mut())
                {
                    a.readings.push(imported_reading(t, hr));
                }
            }
            (Tag::Activity, _, _) => self.finish_activity(),
            _ => {}
        }
        Ok(())
    }

    fn finish_activity(&mut self) {
        let Some(mut a) = self.activity.take() else {
            return;
        };
        if a.readings.is_empty() {
            return;
        }
        a.readings.sort_by_key(|r| r.t);
        let start = a.id.or(a.first_lap).unwrap_or(a.readings[0].t);
        self.done.push(ImportedActivity {
            sport: a.sport,
            start,
            readings: a.readings,
        });
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

    /// A `Corrupt` error naming the line and column of byte `at`.
    fn corrupt(&self, at: usize, what: &str) -> ImportError {
        let (line, column) = line_column(self.text, at);
        ImportError::Corrupt {
            detail: format!("line {line}, column {column}: {what}"),
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

/// A heart rate in bpm: an integer, or a decimal rounded.
fn parse_hr(s: &str) -> Option<u16> {
    s.parse::<u16>().ok().or_else(|| {
        let f: f64 = s.parse().ok()?;
        let r = f.round();
        (r.is_finite() && (0.0..=f64::from(u16::MAX)).contains(&r)).then_some(r as u16)
    })
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

    fn t(s: i64, ms: u32) -> DateTime<Utc> {
        Utc.timestamp_opt(s, ms * 1_000_000).unwrap()
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
        let acts = import(x.as_bytes()).unwrap();
        assert_eq!(acts.len(), 1);
        assert_eq!(acts[0].sport.as_deref(), Some("cycling"));
        assert_eq!(
            acts[0].start,
            Utc.with_ymd_and_hms(2020, 1, 1, 9, 0, 0).unwrap()
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
        let e = import(x.as_bytes()).unwrap_err();
        assert!(
            matches!(&e, ImportError::Corrupt { detail } if detail.contains("line 4")),
            "{e}"
        );
        let bad = doc("<Activity></Lap>");
        let e = import(bad.as_bytes()).unwrap_err();
        assert!(
            matches!(&e, ImportError::Corrupt { detail } if detail.contains("line 2")),
            "{e}"
        );
        let open = "<?xml version=\"1.0\"?><TrainingCenterDatabase><Activities><Activity>";
        assert_eq!(import(open.as_bytes()), Err(ImportError::Truncated));
        assert_eq!(
            import(b"<?xml version=\"1.0\"?>"),
            Err(ImportError::Truncated)
        );
        assert_eq!(import(b""), Err(ImportError::Truncated));
        assert_eq!(import(doc("").as_bytes()), Err(ImportError::NoHeartRate));
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
            "<Lap StartTime=\"1970-01-01T00:16:40.000Z\">",
            "<TotalTimeSeconds>2.000</TotalTimeSeconds>",
            "<DistanceMeters>",
            "<Calories>",
            "<AverageHeartRateBpm><Value>100</Value>",
            "<MaximumHeartRateBpm><Value>100</Value>",
            "<Intensity>Active</Intensity>",
            "<TriggerMethod>Manual</TriggerMethod>",
            "<Track>",
            "<Trackpoint><Time>1970-01-01T00:16:41.000Z</Time></Trackpoint>",
            "<Lap StartTime=\"1970-01-01T00:16:42.000Z\">",
            "<TotalTimeSeconds>2.000</TotalTimeSeconds>",
            "<AverageHeartRateBpm><Value>120</Value>",
            "<Trackpoint><Time>1970-01-01T00:16:44.000Z</Time></Trackpoint>",
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
        let back = import(x.as_bytes()).unwrap();
        let hrs: Vec<u16> = back[0].readings.iter().map(|r| r.hr).collect();
        assert_eq!(hrs, [100, 120]);
    }

    #[test]
    fn empty_session_exports_a_lap_without_track() {
        let x = export_tcx(&ExportMeta::default(), &[]);
        assert!(x.contains("<TotalTimeSeconds>0.000</TotalTimeSeconds>"));
        assert!(!x.contains("<Track>"));
        assert_eq!(import(x.as_bytes()), Err(ImportError::NoHeartRate));
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
        assert_eq!(parse_hr("72"), Some(72));
        assert_eq!(parse_hr("71.6"), Some(72));
        assert_eq!(parse_hr("-3"), None);
        assert_eq!(parse_hr("nan"), None);
    }
}
