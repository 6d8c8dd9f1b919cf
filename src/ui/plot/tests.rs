//! Tests of the plots as documents: well-formed XML, the right elements, bounded size.

use crate::physiology::summary::PlausibleHr;
use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use quick_xml::events::Event;

use super::*;
use crate::physiology::baseline::{Trend, TrendRow, TrendToday};
use crate::physiology::summary::SessionClass;
use crate::physiology::week::{summarise_week, SessionDigest, WeekSummary};
use crate::physiology::zones::{PerZone, ZoneModel, ZoneTable};
use crate::reading::{Contact, Reading, Source};

/// One element of a parsed SVG: its name, attributes and the text directly inside it.
#[derive(Debug)]
struct Element {
    name: String,
    attrs: BTreeMap<String, String>,
    text: String,
}

impl Element {
    fn class(&self) -> &str {
        self.attrs.get("class").map_or("", String::as_str)
    }

    fn has_class(&self, class: &str) -> bool {
        self.class().split(' ').any(|c| c == class)
    }
}

/// Parses `svg` as XML, checking it is well-formed: a single `<svg>` root, every tag closed by
/// its own name, attributes and entities valid. Returns every element in document order.
fn parse(svg: &str) -> Vec<Element> {
    assert!(
        svg.starts_with("<svg"),
        "starts with: {:?}",
        &svg[..40.min(svg.len())]
    );
    assert!(svg.trim_end().ends_with("</svg>"));
    let mut reader = quick_xml::Reader::from_str(svg);
    let mut elements: Vec<Element> = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    let mut roots = 0;
    loop {
        let event = reader.read_event().expect("well-formed XML");
        let (start, empty) = match &event {
            Event::Start(e) => (Some(e.clone()), false),
            Event::Empty(e) => (Some(e.clone()), true),
            _ => (None, false),
        };
        if let Some(e) = start {
            if open.is_empty() {
                roots += 1;
            }
            let attrs = e
                .attributes()
                .map(|a| {
                    let a = a.expect("valid attribute");
                    (
                        String::from_utf8(a.key.as_ref().to_vec()).unwrap(),
                        a.unescape_value()
                            .expect("valid attribute value")
                            .into_owned(),
                    )
                })
                .collect();
            elements.push(Element {
                name: String::from_utf8(e.name().as_ref().to_vec()).unwrap(),
                attrs,
                text: String::new(),
            });
            if !empty {
                open.push(elements.len() - 1);
            }
            continue;
        }
        match event {
            Event::End(_) => {
                open.pop().expect("an end tag closes an open element");
            }
            Event::Text(t) => {
                if let Some(&i) = open.last() {
                    elements[i].text.push_str(&t.decode().unwrap());
                }
            }
            Event::GeneralRef(r) => {
                let name = r.decode().unwrap();
                let c = match name.as_ref() {
                    "amp" => '&',
                    "lt" => '<',
                    "gt" => '>',
                    "quot" => '"',
                    "apos" => '\'',
                    other => panic!("unknown entity &{other};"),
                };
                if let Some(&i) = open.last() {
                    elements[i].text.push(c);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert!(open.is_empty(), "unclosed elements");
    assert_eq!(roots, 1, "one root element");
    assert_eq!(elements[0].name, "svg");
    elements
}

/// How many `name` elements carry every class in `classes` (space-separated).
fn count(elements: &[Element], name: &str, classes: &str) -> usize {
    elements
        .iter()
        .filter(|e| e.name == name && classes.split(' ').all(|c| e.has_class(c)))
        .count()
}

fn texts<'a>(elements: &'a [Element], class: &str) -> Vec<&'a str> {
    elements
        .iter()
        .filter(|e| e.name == "text" && e.has_class(class))
        .map(|e| e.text.as_str())
        .collect()
}

/// ACSM %HRmax zones at age 40: 102.6, 115.2, 138.6, 172.8; HRmax 180.
fn zones() -> ZoneTable {
    ZoneTable {
        model: ZoneModel::HrMax,
        max_hr: 180.0,
        max_hr_source: "Tanaka 2001: 208 - 0.7 x age, age 40".to_owned(),
        resting_hr: None,
        resting_hr_source: None,
        min_bpm: [0.0, 102.6, 115.2, 138.6, 172.8],
    }
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 3, 17, 0, 0).unwrap()
}

fn reading(second: i64, hr: u16) -> Reading {
    Reading {
        t: t0() + chrono::TimeDelta::seconds(second),
        hr,
        contact: Contact::Detected,
        energy_kj: None,
        rr: Vec::new(),
        source: Source::Simulator,
    }
}

/// A warm-up, a moderate block, a vigorous block and a cool-down at 1 Hz, `minutes` long.
fn workout(minutes: i64) -> Vec<Reading> {
    (0..minutes * 60)
        .map(|s| {
            let m = s as f64 / 60.0;
            let base = if m < 5.0 {
                90.0 + 6.0 * m
            } else if m < 0.6 * minutes as f64 {
                128.0
            } else if m < 0.85 * minutes as f64 {
                150.0
            } else {
                110.0
            };
            let wobble = 4.0 * (s as f64 / 17.0).sin();
            reading(s, (base + wobble).round() as u16)
        })
        .collect()
}

const GAP: Duration = Duration::from_secs(10);

#[test]
fn a_session_has_title_bands_labels_axes_and_one_line() {
    let svg = session_svg(
        &workout(45),
        &zones(),
        "Run <easy> & steady",
        GAP,
        PlausibleHr::DEFAULT,
    );
    let elements = parse(&svg);
    assert_eq!(texts(&elements, "title"), vec!["Run <easy> & steady"]);
    assert!(svg.contains("<title>Run &lt;easy&gt; &amp; steady</title>"));
    for zone in TalkZone::ALL {
        assert_eq!(
            count(&elements, "rect", &format!("zone-{}", zone.id())),
            2,
            "band and swatch for {zone}"
        );
        let labels = texts(&elements, "zone-label");
        assert!(
            labels.iter().any(|l| l.starts_with(zone.label())),
            "{labels:?}"
        );
        assert!(texts(&elements, "zone-cue").contains(&zone.cue()));
    }
    let labels = texts(&elements, "zone-label");
    assert!(labels.contains(&"Moderate 116-138 bpm"), "{labels:?}");
    assert!(labels.contains(&"Very light under 103 bpm"), "{labels:?}");
    assert!(labels.contains(&"Near max 173+ bpm"), "{labels:?}");
    let axis_titles = texts(&elements, "axis-title");
    assert!(axis_titles.contains(&"heart rate (bpm)"));
    assert!(axis_titles.contains(&"minutes from start"));
    // The last reading is at 44:59.
    assert!(texts(&elements, "tick").contains(&"40"));
    assert_eq!(count(&elements, "polyline", "hr"), 1);
    assert_eq!(count(&elements, "rect", "blank"), 0);
    assert!(texts(&elements, "note").is_empty());
}

#[test]
fn gaps_and_lost_signal_break_the_line() {
    let mut readings: Vec<Reading> = (0..60).map(|s| reading(s, 120)).collect();
    // 30 s without a reading: over the 10 s limit.
    readings.extend((90..150).map(|s| reading(s, 125)));
    // HR 0 for 5 s, then no contact for 5 s.
    readings.extend((150..155).map(|s| reading(s, 0)));
    readings.extend((155..160).map(|s| Reading {
        contact: Contact::NotDetected,
        ..reading(s, 130)
    }));
    readings.extend((160..200).map(|s| reading(s, 128)));
    let svg = session_svg(&readings, &zones(), "gaps", GAP, PlausibleHr::DEFAULT);
    let elements = parse(&svg);
    assert_eq!(count(&elements, "polyline", "hr"), 3);
    assert_eq!(count(&elements, "rect", "blank"), 2);

    // Exactly max_gap apart is not a gap (as in the summary); a millisecond more is.
    let joined = [reading(0, 120), reading(10, 121)];
    let svg = session_svg(&joined, &zones(), "t", GAP, PlausibleHr::DEFAULT);
    assert_eq!(count(&parse(&svg), "polyline", "hr"), 1);
    let apart = [reading(0, 120), reading(10, 121)];
    let svg = session_svg(
        &apart,
        &zones(),
        "t",
        Duration::from_millis(9_999),
        PlausibleHr::DEFAULT,
    );
    let elements = parse(&svg);
    assert_eq!(count(&elements, "polyline", "hr"), 0);
    assert_eq!(count(&elements, "path", "hr-dots"), 1);
}

#[test]
fn readings_out_of_order_are_drawn_in_time_order() {
    let mut readings = workout(10);
    readings.reverse();
    let svg = session_svg(&readings, &zones(), "t", GAP, PlausibleHr::DEFAULT);
    assert_eq!(count(&parse(&svg), "polyline", "hr"), 1);
}

#[test]
fn no_readings_one_reading_and_no_signal() {
    let svg = session_svg(&[], &zones(), "Empty", GAP, PlausibleHr::DEFAULT);
    let elements = parse(&svg);
    assert_eq!(texts(&elements, "note"), vec!["no readings"]);
    assert_eq!(texts(&elements, "title"), vec!["Empty"]);
    assert_eq!(count(&elements, "polyline", "hr"), 0);

    let svg = session_svg(
        &[reading(0, 130)],
        &zones(),
        "One",
        GAP,
        PlausibleHr::DEFAULT,
    );
    let elements = parse(&svg);
    assert!(texts(&elements, "note").is_empty());
    assert_eq!(count(&elements, "path", "hr-dots"), 1);
    assert_eq!(count(&elements, "polyline", "hr"), 0);

    let zeros: Vec<Reading> = (0..600).map(|s| reading(s, 0)).collect();
    let svg = session_svg(&zeros, &zones(), "Zeros", GAP, PlausibleHr::DEFAULT);
    let elements = parse(&svg);
    assert_eq!(count(&elements, "polyline", "hr"), 0);
    assert_eq!(count(&elements, "path", "hr-dots"), 0);
    assert_eq!(count(&elements, "rect", "blank"), 1);
    assert!(texts(&elements, "note")[0].starts_with("no heart-rate signal"));
}

#[test]
fn a_day_at_one_hertz_stays_small() {
    let day: Vec<Reading> = (0..86_400)
        .map(|s| reading(s, 60 + (s % 97) as u16))
        .collect();
    let svg = session_svg(&day, &zones(), "A day", GAP, PlausibleHr::DEFAULT);
    assert!(svg.len() < 200_000, "{} bytes", svg.len());
    let elements = parse(&svg);
    assert_eq!(count(&elements, "polyline", "hr"), 1);
    assert!(texts(&elements, "axis-title").contains(&"time from start (h:mm)"));
    assert!(texts(&elements, "tick").contains(&"12:00"));

    // The worst case for the thinning: every other reading has no signal, so nothing can be
    // joined; and every third one, so each run is two points long.
    let alternating: Vec<Reading> = (0..86_400)
        .map(|s| reading(s, if s % 2 == 0 { 60 + (s % 120) as u16 } else { 0 }))
        .collect();
    let svg = session_svg(
        &alternating,
        &zones(),
        "Alternating",
        GAP,
        PlausibleHr::DEFAULT,
    );
    assert!(svg.len() < 2_000_000, "{} bytes", svg.len());
    parse(&svg);
    let pairs: Vec<Reading> = (0..86_400)
        .map(|s| reading(s, if s % 3 == 2 { 0 } else { 60 + (s % 120) as u16 }))
        .collect();
    let svg = session_svg(&pairs, &zones(), "Pairs", GAP, PlausibleHr::DEFAULT);
    assert!(svg.len() < 2_000_000, "{} bytes", svg.len());
    parse(&svg);
}

#[test]
fn odd_inputs_never_break_the_document() {
    let broken = ZoneTable {
        min_bpm: [0.0, f64::NAN, 50.0, 40.0, f64::INFINITY],
        max_hr: f64::NAN,
        ..zones()
    };
    let readings = [reading(0, u16::MAX), reading(1, 1), reading(2, 300)];
    for zones in [zones(), broken] {
        for title in ["", "\u{0}\u{7}ctrl", "ünï ✓ 💓"] {
            for gap in [Duration::ZERO, GAP, Duration::MAX] {
                let svg = session_svg(&readings, &zones, title, gap, PlausibleHr::DEFAULT);
                let elements = parse(&svg);
                assert!(!svg.contains("NaN") && !svg.contains("inf"));
                assert_eq!(count(&elements, "text", "zone-label"), 5);
            }
        }
    }
    // Readings years apart.
    let far = [
        reading(0, 100),
        Reading {
            t: DateTime::<Utc>::MAX_UTC,
            ..reading(0, 120)
        },
    ];
    parse(&session_svg(
        &far,
        &zones(),
        "far",
        GAP,
        PlausibleHr::DEFAULT,
    ));
}

fn date(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 3, d).unwrap()
}

/// A session on March `d` with these minutes per zone.
fn digest(d: u32, minutes: [f64; 5]) -> SessionDigest {
    let time_in_zone_s = PerZone::from_fn(|z| minutes[z.index()] * 60.0);
    SessionDigest {
        start_local: date(d).and_hms_opt(18, 0, 0).unwrap(),
        class: SessionClass::Moderate,
        moderate_equivalent_min: minutes[2] + 2.0 * (minutes[3] + minutes[4]),
        time_in_zone_s,
        trimp: 10.0,
        active_s: minutes.iter().sum::<f64>() * 60.0,
    }
}

fn a_week() -> WeekSummary {
    let sessions = [
        digest(3, [5.0, 10.0, 25.0, 8.0, 0.0]),
        digest(4, [10.0, 30.0, 5.0, 0.0, 0.0]),
        digest(6, [4.0, 6.0, 10.0, 22.0, 3.0]),
        digest(8, [20.0, 40.0, 0.0, 0.0, 0.0]),
    ];
    summarise_week(date(3), &sessions, &[date(5), date(8)])
}

#[test]
fn a_week_has_days_bars_per_zone_and_the_guideline() {
    let week = a_week();
    let svg = week_svg(&week);
    let elements = parse(&svg);
    assert_eq!(
        texts(&elements, "day"),
        vec!["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    );
    assert_eq!(texts(&elements, "date")[0], "3 Mar");
    for zone in TalkZone::ALL {
        assert!(
            count(&elements, "rect", &format!("bar zone-{}", zone.id())) >= 1,
            "a {zone} bar"
        );
    }
    // Mon: 4 zones, Tue: 3, Thu: 5, Sat: 2.
    assert_eq!(count(&elements, "rect", "bar"), 14);
    assert_eq!(count(&elements, "rect", "strength-mark"), 2);
    assert_eq!(texts(&elements, "strength").len(), 2);
    assert_eq!(count(&elements, "line", "daily-share"), 1);
    let title = texts(&elements, "title")[0];
    // 41 + 5 + 60 + 0 = 106 moderate-equivalent minutes.
    assert_eq!(
        title,
        "Week of Mon 3 Mar 2025: 106 moderate-equivalent min (goal 150-300)"
    );
    assert!(texts(&elements, "subtitle")[0].starts_with("44 min to go to 150"));
    assert_eq!(texts(&elements, "meq"), vec!["41", "5", "60"]);
    assert_eq!(count(&elements, "path", "meq-mark"), 3);
    for zone in TalkZone::ALL {
        assert!(texts(&elements, "zone-label").contains(&zone.label()));
    }
    assert!(texts(&elements, "note").is_empty());
}

#[test]
fn an_empty_or_odd_week_still_draws() {
    let empty = summarise_week(date(3), &[], &[]);
    let elements = parse(&week_svg(&empty));
    assert_eq!(texts(&elements, "day").len(), 7);
    assert_eq!(count(&elements, "rect", "bar"), 0);
    assert_eq!(
        texts(&elements, "note"),
        vec!["no heart-rate time this week"]
    );

    let mut odd = a_week();
    odd.days[0].minutes_in_zone.moderate = f64::NAN;
    odd.days[1].minutes_in_zone.light = f64::INFINITY;
    odd.days[2].minutes_in_zone.vigorous = -5.0;
    odd.days[3].weekday = "<Thu>".to_owned();
    odd.moderate_equivalent_min = f64::NAN;
    let svg = week_svg(&odd);
    assert!(!svg.contains("NaN") && !svg.contains("inf"));
    parse(&svg);
    odd.days.clear();
    parse(&week_svg(&odd));
}

#[test]
fn palette_is_distinct() {
    let colours: Vec<_> = TalkZone::ALL.iter().map(|z| zone_colour(*z)).collect();
    for (i, a) in colours.iter().enumerate() {
        for b in &colours[i + 1..] {
            assert_ne!(a, b);
        }
    }
}

#[cfg(unix)]
#[test]
fn write_svg_makes_an_owner_only_file_and_names_the_path_on_failure() {
    use std::os::unix::fs::PermissionsExt;

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("session.svg");
    let svg = session_svg(&workout(5), &zones(), "t", GAP, PlausibleHr::DEFAULT);
    write_svg(&path, &svg).unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), svg);
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);

    let missing = dir.path().join("no/such/folder/week.svg");
    let err = write_svg(&missing, &svg).unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains(&missing.display().to_string()),
        "{message}"
    );
    assert!(message.contains("folder exists"), "{message}");
}

fn trend_today(date: NaiveDate) -> TrendToday {
    TrendToday {
        date,
        window_checks: 5,
        rhr_7d: Some(56.24),
        ln_rmssd_7d: Some(4.05),
        rhr_7d_without_highest: Some(55.9),
        ln_rmssd_7d_without_lowest: Some(4.1),
        rhr_week: None,
        ln_rmssd_week: None,
        rhr_range: None,
        ln_rmssd_range: None,
        slope_14d: Some(1.44),
        slope_28d: Some(0.8),
        days_above: 3,
        baseline_days: 9,
        baseline_needed: 14,
        baseline_status: Some("building baseline: 9 of 14 days".to_owned()),
    }
}

/// `n` days ending 25 Nov 2025, every value present: resting HR 55 + day % 5, lnRMSSD 4.1,
/// a normal range of 53-58 and 4.0-4.2.
fn trend_of(n: i64) -> Trend {
    let today = NaiveDate::from_ymd_opt(2025, 11, 25).unwrap();
    let days = (0..n)
        .map(|i| {
            let hr = 55.0 + (i % 5) as f64;
            TrendRow {
                date: today - chrono::Duration::days(n - 1 - i),
                resting_hr: Some(hr),
                ln_rmssd: Some(4.1),
                rhr_7d: Some(hr - 0.5),
                ln_rmssd_7d: Some(4.12),
                rhr_low: Some(53.0),
                rhr_high: Some(58.0),
                ln_rmssd_low: Some(4.0),
                ln_rmssd_high: Some(4.2),
            }
        })
        .collect();
    Trend {
        today: trend_today(today),
        days,
    }
}

#[test]
fn a_trend_has_two_panels_a_dot_per_check_and_the_averages() {
    let mut trend = trend_of(28);
    // Days without a check: no dot. lnRMSSD also missing (NaN) on one more day.
    for i in [3, 4, 17] {
        trend.days[i].resting_hr = None;
        trend.days[i].ln_rmssd = None;
    }
    trend.days[20].ln_rmssd = Some(f64::NAN);
    let svg = trend_svg(&trend, "Resting HR & HRV");
    let elements = parse(&svg);
    assert_eq!(texts(&elements, "title"), vec!["Resting HR & HRV"]);
    assert_eq!(
        texts(&elements, "panel-title"),
        vec![
            "Resting heart rate (bpm)",
            "Heart rate variability: lnRMSSD"
        ]
    );
    assert_eq!(count(&elements, "path", "dot rhr"), 25);
    assert_eq!(count(&elements, "path", "dot hrv"), 24);
    assert_eq!(count(&elements, "polyline", "average rhr"), 1);
    assert_eq!(count(&elements, "polyline", "average hrv"), 1);
    assert_eq!(count(&elements, "path", "band rhr"), 1);
    assert_eq!(count(&elements, "path", "band hrv"), 1);
    let subtitle = texts(&elements, "subtitle").join(" / ");
    assert!(subtitle.contains("7-day resting HR 56.2 bpm"), "{subtitle}");
    assert!(
        subtitle.contains("14-day slope +1.4 bpm/week"),
        "{subtitle}"
    );
    assert!(
        subtitle.contains("building baseline: 9 of 14 days"),
        "{subtitle}"
    );
    assert!(subtitle.contains("on the last 3 checks"), "{subtitle}");
    // Every other day labelled, ending today, with the year under the first label.
    let dates = texts(&elements, "date");
    assert_eq!(dates.len(), 14);
    assert_eq!(dates.last(), Some(&"25 Nov"));
    assert_eq!(texts(&elements, "tick-year"), vec!["2025"]);
    assert!(texts(&elements, "note").is_empty());
}

#[test]
fn a_missing_stretch_breaks_the_average_line() {
    let mut trend = trend_of(40);
    // Four days without a 7-day average: broken. Three: bridged.
    for i in (10..14).chain(25..28) {
        trend.days[i].rhr_7d = None;
        trend.days[i].ln_rmssd_7d = None;
    }
    // A lone day with an average between two long holes: a dash, not a line.
    for i in (30..34).chain(35..39) {
        trend.days[i].rhr_7d = None;
    }
    let elements = parse(&trend_svg(&trend, "t"));
    assert_eq!(count(&elements, "polyline", "average rhr"), 2);
    assert_eq!(count(&elements, "line", "average-point rhr"), 2);
    assert_eq!(count(&elements, "polyline", "average hrv"), 2);
    assert_eq!(count(&elements, "line", "average-point hrv"), 0);
    // A hole in the normal range splits its band too.
    for i in 0..20 {
        trend.days[i].rhr_low = None;
    }
    for i in 24..30 {
        trend.days[i].rhr_high = Some(f64::INFINITY);
    }
    let elements = parse(&trend_svg(&trend, "t"));
    assert_eq!(count(&elements, "path", "band rhr"), 2);
    assert_eq!(count(&elements, "path", "band hrv"), 1);
}

#[test]
fn an_empty_trend_says_no_morning_checks_yet() {
    let trend = Trend {
        days: Vec::new(),
        ..trend_of(0)
    };
    let elements = parse(&trend_svg(&trend, "Trend"));
    assert_eq!(texts(&elements, "note"), vec!["no morning checks yet"]);
    assert_eq!(texts(&elements, "panel-title").len(), 2);
    assert_eq!(count(&elements, "path", "dot"), 0);
    assert_eq!(count(&elements, "polyline", "average"), 0);
    assert!(texts(&elements, "date").is_empty());

    // Days, but nothing in them.
    let mut blank = trend_of(14);
    for row in &mut blank.days {
        *row = TrendRow {
            date: row.date,
            resting_hr: None,
            ln_rmssd: Some(f64::NAN),
            rhr_7d: None,
            ln_rmssd_7d: Some(f64::NEG_INFINITY),
            rhr_low: None,
            rhr_high: None,
            ln_rmssd_low: Some(f64::NAN),
            ln_rmssd_high: None,
        };
    }
    blank.today.rhr_7d = None;
    blank.today.ln_rmssd_7d = Some(f64::NAN);
    blank.today.slope_14d = Some(f64::INFINITY);
    let svg = trend_svg(&blank, "Blank");
    assert!(!svg.contains("NaN") && !svg.contains("inf"));
    let elements = parse(&svg);
    assert_eq!(
        texts(&elements, "note"),
        vec!["no morning checks in these 14 days"]
    );
    assert_eq!(count(&elements, "path", "dot"), 0);
    assert!(texts(&elements, "subtitle")[0].starts_with("no 7-day average yet"));

    // Only one panel empty: that panel says so.
    let mut half = trend_of(14);
    for row in &mut half.days {
        row.ln_rmssd = None;
        row.ln_rmssd_7d = None;
        row.ln_rmssd_low = None;
        row.ln_rmssd_high = None;
    }
    let elements = parse(&trend_svg(&half, "Half"));
    assert_eq!(texts(&elements, "note"), vec!["no lnRMSSD in these days"]);
    assert_eq!(count(&elements, "path", "dot rhr"), 14);
}

#[test]
fn one_day_odd_values_and_ten_years_still_draw() {
    let one = trend_of(1);
    let elements = parse(&trend_svg(&one, "One"));
    assert_eq!(count(&elements, "path", "dot"), 2);
    assert_eq!(count(&elements, "line", "average-point"), 2);
    assert_eq!(texts(&elements, "date"), vec!["25 Nov"]);

    let mut odd = trend_of(20);
    odd.days.reverse();
    odd.days[0].resting_hr = Some(f64::MAX);
    odd.days[1].resting_hr = Some(-f64::MAX);
    odd.days[2].rhr_low = Some(70.0); // above its high: drawn the right way up
    odd.days[3].ln_rmssd = Some(f64::INFINITY);
    odd.days[4].date = NaiveDate::MIN;
    odd.days[5].date = NaiveDate::MAX;
    odd.today.baseline_status = Some("<\u{0}>".to_owned());
    for title in ["", "\u{7}ctrl", "ünï ✓ 💓"] {
        let svg = trend_svg(&odd, title);
        assert!(!svg.contains("NaN") && !svg.contains("inf"));
        parse(&svg);
    }

    let years = trend_of(3_660);
    let svg = trend_svg(&years, "Ten years");
    assert!(svg.len() < 1_000_000, "{} bytes", svg.len());
    let elements = parse(&svg);
    assert_eq!(count(&elements, "path", "dot rhr"), 3_660);
    assert_eq!(count(&elements, "polyline", "average rhr"), 1);
    let dates = texts(&elements, "date");
    assert_eq!(dates.len(), 10, "{dates:?}");
    assert_eq!(dates[0], "2016");
    assert!(texts(&elements, "tick-year").is_empty());
}

/// A window ending `end_s` after the workout's first reading.
fn window(end_s: i64, alpha1: Option<f64>, reliable: bool) -> crate::physiology::dfa::DfaWindow {
    crate::physiology::dfa::DfaWindow {
        end: workout(1)[0].t + chrono::Duration::seconds(end_s),
        alpha1,
        hr: alpha1.map(|_| 130.0),
        beats: 240,
        first_beat: 0,
        last_beat: 240,
        excluded: Vec::new(),
        artifact_share: if reliable { 0.0 } else { 0.1 },
        reliable,
    }
}

#[test]
fn alpha1_windows_are_drawn_in_a_panel_under_the_heart_rate() {
    let readings = workout(45);
    let windows = vec![
        window(120, Some(1.1), true),
        window(140, Some(0.7), true),
        window(160, Some(2.4), true),
        window(180, Some(0.4), false),
        window(200, None, false),
    ];
    let svg = session_svg_with_alpha1(
        &readings,
        &zones(),
        "t",
        GAP,
        PlausibleHr::DEFAULT,
        &windows,
    );
    let elements = parse(&svg);
    assert_eq!(elements[0].attrs["height"], "650");
    // A dot per window with an alpha1: filled when reliable, hollow when not.
    assert_eq!(count(&elements, "path", "alpha1 reliable"), 3);
    assert_eq!(count(&elements, "path", "alpha1 unreliable"), 1);
    assert_eq!(count(&elements, "line", "alpha1-threshold"), 2);
    assert_eq!(
        texts(&elements, "alpha1-threshold-label"),
        vec!["0.75 aerobic threshold (~VT1)", "0.5 ~VT2"]
    );
    // The 2.4 is drawn at the panel's top edge, never outside it.
    let frame = elements
        .iter()
        .find(|e| e.has_class("alpha1-frame"))
        .expect("a panel frame");
    let top: f64 = frame.attrs["y"].parse().unwrap();
    for e in elements.iter().filter(|e| e.has_class("alpha1")) {
        let y: f64 = e.attrs["d"]
            .split(' ')
            .nth(1)
            .unwrap()
            .split('m')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(y >= top, "{y} above the panel top {top}");
    }
    // Without windows: the plain chart, as before.
    let plain = session_svg(&readings, &zones(), "t", GAP, PlausibleHr::DEFAULT);
    let elements = parse(&plain);
    assert_eq!(elements[0].attrs["height"], "480");
    assert_eq!(count(&elements, "rect", "alpha1-frame"), 0);
    assert_eq!(
        plain,
        session_svg_with_alpha1(&readings, &zones(), "t", GAP, PlausibleHr::DEFAULT, &[])
    );
}
