//! The SVG plots through the public API: a simulated workout with a dropout, a week, both saved
//! owner-only and read back as well-formed XML.
//!
//! To look at the pictures, set `TALKZONE_PLOT_SAMPLES` to a folder: the session and week SVGs
//! are also written there (e.g. `TALKZONE_PLOT_SAMPLES=/tmp cargo test --test plot_svg`, then
//! `rsvg-convert /tmp/talkzone-session.svg -o /tmp/session.png`).

use std::path::Path;
use std::time::Duration;
use talkzone::physiology::summary::PlausibleHr;

use chrono::{NaiveDate, TimeZone, Utc};
use quick_xml::events::Event;
use talkzone::physiology::summary::SessionClass;
use talkzone::physiology::week::{summarise_week, SessionDigest};
use talkzone::physiology::zones::{zone_table, PerZone, PersonInputs, TalkZone, ZoneConfig};
use talkzone::reading::{Contact, Reading, Source};
use talkzone::source::simulator::simulated_workout;
use talkzone::ui::plot::{session_svg, week_svg, write_svg, zone_colour};

/// Counts the `<name>` elements whose class list holds `class`, checking on the way that the
/// document is well-formed XML with one `<svg>` root.
fn count(svg: &str, name: &str, class: &str) -> usize {
    let mut reader = quick_xml::Reader::from_str(svg);
    let (mut depth, mut roots, mut found) = (0usize, 0, 0);
    loop {
        let event = reader.read_event().expect("well-formed XML");
        let (element, empty) = match &event {
            Event::Start(e) => (Some(e.clone()), false),
            Event::Empty(e) => (Some(e.clone()), true),
            Event::End(_) => {
                depth -= 1;
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        if let Some(e) = element {
            if depth == 0 {
                roots += 1;
                assert_eq!(e.name().as_ref(), b"svg");
            }
            let classes = e
                .try_get_attribute("class")
                .expect("valid attributes")
                .map(|a| a.unescape_value().unwrap().into_owned())
                .unwrap_or_default();
            if e.name().as_ref() == name.as_bytes() && classes.split(' ').any(|c| c == class) {
                found += 1;
            }
            if !empty {
                depth += 1;
            }
        }
    }
    assert_eq!((depth, roots), (0, 1));
    found
}

/// The simulator's default 40-minute workout at 1 Hz, with the strap silent from 12:00 to
/// 12:40 and off the skin from 25:00 to 25:30.
fn workout() -> Vec<Reading> {
    let start = Utc.with_ymd_and_hms(2025, 3, 3, 17, 30, 0).unwrap();
    simulated_workout(7)
        .filter_map(|p| {
            let s = p.offset.as_secs();
            if (720..760).contains(&s) {
                return None;
            }
            let contact = if (1500..1530).contains(&s) {
                Contact::NotDetected
            } else {
                Contact::Detected
            };
            Some(Reading {
                t: start + chrono::Duration::from_std(p.offset).ok()?,
                hr: p.measurement.hr,
                contact,
                energy_kj: None,
                rr: p.measurement.rr,
                source: Source::Simulator,
            })
        })
        .collect()
}

fn save_sample(name: &str, svg: &str) {
    if let Some(dir) = std::env::var_os("TALKZONE_PLOT_SAMPLES") {
        write_svg(&Path::new(&dir).join(name), svg).unwrap();
    }
}

#[test]
fn a_simulated_session_with_a_dropout() {
    let person = PersonInputs {
        age: Some(40),
        ..PersonInputs::default()
    };
    let zones = zone_table(&ZoneConfig::default(), &person).unwrap();
    let svg = session_svg(
        &workout(),
        &zones,
        "Mon 3 Mar 2025, 18:30 · simulated workout",
        Duration::from_secs(10),
        PlausibleHr::DEFAULT,
    );
    // Broken twice: at the silent strap and at the lost contact.
    assert_eq!(count(&svg, "polyline", "hr"), 3);
    assert_eq!(count(&svg, "rect", "blank"), 2);
    for zone in TalkZone::ALL {
        assert!(svg.contains(zone.cue().replace('\'', "&apos;").as_str()));
    }
    assert!(svg.contains("simulated workout"));

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("session.svg");
    write_svg(&path, &svg).unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), svg);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    save_sample("talkzone-session.svg", &svg);
}

#[test]
fn a_week_of_sessions_and_strength_days() {
    let date = |d| NaiveDate::from_ymd_opt(2025, 3, d).unwrap();
    let session = |d, minutes: [f64; 5]| SessionDigest {
        start_local: date(d).and_hms_opt(18, 0, 0).unwrap(),
        class: SessionClass::Moderate,
        moderate_equivalent_min: minutes[2] + 2.0 * (minutes[3] + minutes[4]),
        time_in_zone_s: PerZone::from_fn(|z| minutes[z.index()] * 60.0),
        trimp: 20.0,
        active_s: minutes.iter().sum::<f64>() * 60.0,
    };
    let week = summarise_week(
        date(5),
        &[
            session(3, [6.0, 8.0, 26.0, 4.0, 0.0]),
            session(5, [10.0, 35.0, 12.0, 0.0, 0.0]),
            session(6, [5.0, 6.0, 14.0, 18.0, 2.0]),
            session(8, [8.0, 15.0, 48.0, 6.0, 0.0]),
            session(9, [20.0, 25.0, 0.0, 0.0, 0.0]),
        ],
        &[date(4), date(7)],
    );
    let svg = week_svg(&week);
    assert_eq!(count(&svg, "text", "day"), 7);
    for zone in TalkZone::ALL {
        assert!(count(&svg, "rect", &format!("zone-{}", zone.id())) >= 2);
        let (r, g, b) = zone_colour(zone);
        assert!(svg.contains(&format!("#{r:02x}{g:02x}{b:02x}")));
    }
    assert_eq!(count(&svg, "text", "strength"), 2);
    save_sample("talkzone-week.svg", &svg);
}

#[test]
fn edge_cases_render_through_the_public_api() {
    let zones = zone_table(
        &ZoneConfig::default(),
        &PersonInputs {
            age: Some(40),
            ..PersonInputs::default()
        },
    )
    .unwrap();
    let start = Utc.with_ymd_and_hms(2025, 3, 3, 0, 0, 0).unwrap();
    let at = |s: i64, hr: u16| Reading {
        t: start + chrono::Duration::seconds(s),
        hr,
        contact: Contact::NotSupported,
        energy_kj: None,
        rr: Vec::new(),
        source: Source::Replay,
    };
    // A day at 1 Hz: asleep, a walk, a run, an evening; the strap off for an hour at noon.
    let day: Vec<Reading> = (0..86_400)
        .filter(|s| !(43_200..46_800).contains(s))
        .map(|s| {
            let h = s as f64 / 3600.0;
            let base = match h {
                h if h < 7.0 => 55.0,
                h if h < 8.0 => 105.0,
                h if h < 17.5 => 75.0,
                h if h < 18.5 => 150.0,
                _ => 70.0,
            };
            at(s, (base + 6.0 * (s as f64 / 97.0).sin()).round() as u16)
        })
        .collect();
    let cases = [
        ("talkzone-empty.svg", Vec::new(), 0),
        ("talkzone-one.svg", vec![at(0, 128)], 0),
        (
            "talkzone-zeros.svg",
            (0..300).map(|s| at(s, 0)).collect(),
            0,
        ),
        ("talkzone-day.svg", day, 2),
    ];
    for (name, readings, lines) in cases {
        let svg = session_svg(
            &readings,
            &zones,
            name,
            Duration::from_secs(10),
            PlausibleHr::DEFAULT,
        );
        assert_eq!(count(&svg, "polyline", "hr"), lines, "{name}");
        assert!(svg.len() < 2_000_000, "{name}: {} bytes", svg.len());
        save_sample(name, &svg);
    }
}

/// 60 steady mornings (resting HR about 54, lnRMSSD about 4.2, with day-to-day noise and a
/// few skipped days, one of them a week-long trip) and then 10 days of rising resting HR and
/// falling HRV, as before an illness: the trend ends above its normal range.
fn a_trend(days_shown: usize) -> talkzone::physiology::baseline::Trend {
    use talkzone::physiology::baseline::{trend, BaselineConfig, DailyCheck};
    let day0 = NaiveDate::from_ymd_opt(2025, 9, 17).unwrap();
    let checks: Vec<DailyCheck> = (0..70i64)
        .filter(|d| d % 9 != 4 && !(38..45).contains(d))
        .map(|d| {
            let noise = (d as f64 * 2.39).sin() * 1.6 + (d as f64 * 0.77).cos() * 0.8;
            let rise = (d - 59).max(0) as f64;
            DailyCheck {
                date: day0 + chrono::Duration::days(d),
                resting_hr: 54.0 + noise + 0.9 * rise,
                ln_rmssd: 4.2 + noise * 0.06 - 0.045 * rise,
            }
        })
        .collect();
    let cfg = BaselineConfig {
        days_shown,
        ..BaselineConfig::default()
    };
    trend(&checks, day0 + chrono::Duration::days(69), &cfg)
}

#[test]
fn a_trend_of_seventy_mornings_with_a_rise() {
    use talkzone::ui::plot::trend_svg;
    let trend = a_trend(70);
    let svg = trend_svg(&trend, "Resting HR and HRV: 70 days to Tue 25 Nov 2025");
    let present = trend.days.iter().filter(|r| r.resting_hr.is_some()).count();
    assert_eq!(count(&svg, "path", "dot"), 2 * present);
    // The week-long trip empties the 7-day window for a few days: the average breaks once.
    assert_eq!(count(&svg, "polyline", "average"), 4);
    assert!(count(&svg, "path", "band") >= 2);
    assert!(svg.contains("14-day slope +"));
    save_sample("talkzone-trend.svg", &svg);
    for (name, days_shown) in [("talkzone-trend-7.svg", 7), ("talkzone-trend-28.svg", 28)] {
        let svg = trend_svg(&a_trend(days_shown), name);
        save_sample(name, &svg);
    }
}

#[test]
fn trend_edge_cases_render_through_the_public_api() {
    use talkzone::physiology::baseline::{trend, BaselineConfig, DailyCheck, MAX_DAYS_SHOWN};
    use talkzone::ui::plot::trend_svg;
    let today = NaiveDate::from_ymd_opt(2025, 11, 25).unwrap();
    // Ten years of mornings, most of them checked, slowly getting fitter, a season off each
    // winter.
    let checks: Vec<DailyCheck> = (0..3_660i64)
        .filter(|d| d % 5 != 3 && (d + 100) % 365 > 40)
        .map(|d| DailyCheck {
            date: today - chrono::Duration::days(3_659 - d),
            resting_hr: 62.0 - d as f64 / 600.0 + (d as f64 * 1.7).sin() * 2.0,
            ln_rmssd: 3.8 + d as f64 / 9_000.0 + (d as f64 * 0.9).cos() * 0.15,
        })
        .collect();
    let cfg = BaselineConfig {
        days_shown: MAX_DAYS_SHOWN,
        ..BaselineConfig::default()
    };
    let ten_years = trend(&checks, today, &cfg);
    let one_day = trend(
        &[DailyCheck {
            date: today,
            resting_hr: 55.0,
            ln_rmssd: 4.1,
        }],
        today,
        &BaselineConfig {
            days_shown: 1,
            ..cfg
        },
    );
    let nothing = trend(&[], today, &BaselineConfig::default());
    let cases = [
        ("talkzone-trend-10y.svg", ten_years, "2016"),
        ("talkzone-trend-one.svg", one_day, "25 Nov"),
        (
            "talkzone-trend-none.svg",
            nothing,
            "no morning checks in these 28 days",
        ),
    ];
    for (name, trend, expected) in cases {
        let svg = trend_svg(&trend, name);
        assert!(svg.contains(expected), "{name}");
        assert!(svg.len() < 1_000_000, "{name}: {} bytes", svg.len());
        assert_eq!(count(&svg, "text", "panel-title"), 2, "{name}");
        save_sample(name, &svg);
    }
}
