//! Import and export (`talkzone::interop`) on real recordings, and round-trip properties.
//!
//! The files are copies in tests/data/real; their provenance, and how every expected number
//! below was obtained independently of the code under test, are in
//! tests/data/real/PROVENANCE.md ("the walker" below is the Python FIT walker given there).

use std::path::PathBuf;

use chrono::{DateTime, TimeZone, Utc};
use proptest::prelude::*;
use sha2::{Digest, Sha256};
use talkzone::interop::{
    export_csv, export_json, export_tcx, import_bytes, import_csv, ExportMeta, FileFormat,
    ImportError, ImportedActivity, ImportedFile,
};
use talkzone::reading::{Contact, Reading, RrInterval, RrUnit, Source};

fn real_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/real")
        .join(name)
}

fn real(name: &str) -> Vec<u8> {
    std::fs::read(real_path(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The time of every import in these tests (the files are all older).
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap()
}

fn import_real(name: &str) -> ImportedFile {
    import_bytes(&real(name), name, now()).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn the_activity(file: &ImportedFile) -> &ImportedActivity {
    assert_eq!(file.activities.len(), 1, "expected one activity");
    &file.activities[0]
}

fn time(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .unwrap_or_else(|e| panic!("{s}: {e}"))
        .with_timezone(&Utc)
}

/// What every importer promises about its readings.
fn assert_well_formed(name: &str, a: &ImportedActivity) {
    assert!(!a.readings.is_empty(), "{name}");
    assert!(
        a.readings.windows(2).all(|w| w[0].t <= w[1].t),
        "{name}: readings out of time order"
    );
    assert_eq!(
        a.start, a.readings[0].t,
        "{name}: an activity starts at its first reading"
    );
    for r in &a.readings {
        assert_eq!(r.source, Source::Import, "{name}");
        assert_eq!(r.contact, Contact::NotSupported, "{name}");
        assert_eq!(r.energy_kj, None, "{name}");
    }
}

struct HrStats {
    file: &'static str,
    count: usize,
    min: u16,
    max: u16,
    sum: u64,
    first: &'static str,
    last: &'static str,
}

/// count: PROVENANCE.md's table (record counts stated by the file's source, python-fitparse);
/// min, max, sum (so the mean, sum / count, exactly), first and last record time: the walker's
/// output, also in PROVENANCE.md. Its counts agree with the table.
const FIT_HR: &[HrStats] = &[
    HrStats {
        file: "activity-small-fenix2-run.fit",
        count: 2_808,
        min: 69,
        max: 178,
        sum: 432_366,
        first: "2015-08-15T14:45:08Z",
        last: "2015-08-15T15:32:21Z",
    },
    HrStats {
        file: "sample-activity-indoor-trainer.fit",
        count: 2_263,
        min: 81,
        max: 176,
        sum: 334_352,
        first: "2011-11-02T12:54:19Z",
        last: "2011-11-02T13:32:02Z",
    },
    HrStats {
        file: "20170518-191602-1740899583.fit",
        count: 1_641,
        min: 80,
        max: 179,
        sum: 215_660,
        first: "2017-05-18T16:37:30Z",
        last: "2017-05-18T17:05:59Z",
    },
    HrStats {
        file: "2019-02-17-062644-ELEMNT-297E-195-0.fit",
        count: 13_402,
        min: 66,
        max: 170,
        sum: 1_664_374,
        first: "2019-02-17T07:10:28Z",
        last: "2019-02-17T12:59:55Z",
    },
    HrStats {
        file: "activity-large-fenxi2-multisport.fit",
        count: 24_227,
        min: 89,
        max: 172,
        sum: 3_544_927,
        first: "2015-08-29T07:14:44Z",
        last: "2015-08-29T14:05:08Z",
    },
    HrStats {
        file: "garmin-edge-500-activity.fit",
        count: 10_686,
        min: 115,
        max: 189,
        sum: 1_740_194,
        first: "2011-09-25T13:00:22Z",
        last: "2011-09-25T16:31:53Z",
    },
    HrStats {
        file: "Edge810-Vector-2013-08-16-15-35-10.fit",
        count: 4_671,
        min: 72,
        max: 176,
        sum: 718_687,
        first: "2013-08-16T18:05:10Z",
        last: "2013-08-16T19:23:29Z",
    },
    // The table gives no HR count for the next four: count from the walker too.
    HrStats {
        file: "garmin-fenix-5-run.fit",
        count: 21,
        min: 56,
        max: 112,
        sum: 1_784,
        first: "2017-06-11T14:34:09Z",
        last: "2017-06-11T14:35:06Z",
    },
    HrStats {
        file: "garmin-fenix-5-walk.fit",
        count: 17,
        min: 66,
        max: 82,
        sum: 1_281,
        first: "2017-06-11T14:32:51Z",
        last: "2017-06-11T14:33:37Z",
    },
    HrStats {
        file: "garmin-edge-820-bike.fit",
        count: 15,
        min: 101,
        max: 121,
        sum: 1_710,
        first: "2017-06-12T16:10:15Z",
        last: "2017-06-12T16:11:20Z",
    },
];

#[test]
fn fit_heart_rate_matches_independent_counts() {
    for e in FIT_HR {
        let file = import_real(e.file);
        assert_eq!(file.format, FileFormat::Fit, "{}", e.file);
        let a = the_activity(&file);
        assert_well_formed(e.file, a);
        let hrs: Vec<u16> = a.readings.iter().map(|r| r.hr).collect();
        assert_eq!(hrs.len(), e.count, "{}: count", e.file);
        assert_eq!(hrs.iter().min(), Some(&e.min), "{}: min", e.file);
        assert_eq!(hrs.iter().max(), Some(&e.max), "{}: max", e.file);
        assert_eq!(
            hrs.iter().map(|&h| u64::from(h)).sum::<u64>(),
            e.sum,
            "{}: sum",
            e.file
        );
        assert_eq!(a.readings[0].t, time(e.first), "{}: first", e.file);
        assert_eq!(a.readings[e.count - 1].t, time(e.last), "{}: last", e.file);
    }
}

#[test]
fn fit_system_times_are_refused_as_such() {
    // antfs-dump.63.fit (a Forerunner 70): 685 HR records (the walker) whose times are below
    // 0x10000000 s after the FIT epoch (the walker: 1990-07-09T07:00:47Z to 07:57:47Z), which
    // the FIT profile defines as seconds since the device was switched on, not dates.
    let name = "antfs-dump.63.fit";
    match import_bytes(&real(name), name, now()) {
        Err(ImportError::NoPlausibleTime { detail }) => assert_eq!(
            detail,
            "records 2-686: times (the first 1990-07-09T07:00:47Z) are the watch's seconds \
             since it was switched on (FIT \"system time\"), not dates: its clock was not set"
        ),
        other => panic!("{name}: {other:?}"),
    }
}

#[test]
fn content_hash_is_the_files_sha256() {
    let bytes = real("garmin-fenix-5-walk.fit");
    let expected: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        import_real("garmin-fenix-5-walk.fit").content_hash,
        expected
    );
}

#[test]
fn fit_rr_intervals_are_all_kept_in_order() {
    // (file, RR count: PROVENANCE.md's table; RR sum in ms and first five RR in ms: the walker)
    let cases: [(&str, usize, u32, [u16; 5]); 3] = [
        (
            "garmin-fenix-5-run.fit",
            113,
            75_005,
            [1093, 1165, 1063, 983, 919],
        ),
        (
            "garmin-fenix-5-walk.fit",
            62,
            49_592,
            [824, 834, 859, 908, 898],
        ),
        (
            "garmin-edge-820-bike.fit",
            126,
            66_289,
            [594, 588, 588, 588, 582],
        ),
    ];
    for (name, count, sum_ms, first) in cases {
        let file = import_real(name);
        let a = the_activity(&file);
        let rr: Vec<RrInterval> = a.readings.iter().flat_map(|r| r.rr.clone()).collect();
        assert_eq!(rr.len(), count, "{name}: RR count");
        // FIT stores whole ms, and talkzone keeps them so: the sum is exact.
        let sum: f64 = rr.iter().map(|r| r.ms()).sum();
        assert!(
            (sum - f64::from(sum_ms)).abs() <= 0.5 * count as f64,
            "{name}: RR sum {sum} vs {sum_ms}"
        );
        assert_eq!(sum, f64::from(sum_ms), "{name}: RR sum exact");
        assert!(rr.iter().all(|r| r.unit() == RrUnit::Millis), "{name}");
        for (got, want) in rr.iter().zip(first) {
            assert_eq!(
                *got,
                RrInterval::Millis(want),
                "{name}: kept in whole ms, exactly"
            );
            assert_eq!(got.raw(), want, "{name}");
        }
        // Beats end after the first record's time, so the first reading has none.
        assert!(a.readings[0].rr.is_empty(), "{name}");
    }
}

#[test]
fn multisport_file_is_one_activity() {
    // Seven FIT sessions (generic, transition, running, transition, running, transition,
    // cycling): one workout, as decided in interop::fit. Count: PROVENANCE.md.
    let file = import_real("activity-large-fenxi2-multisport.fit");
    let a = the_activity(&file);
    assert_eq!(a.readings.len(), 24_227);
    assert_eq!(a.sport.as_deref(), Some("multisport"));
    // Records start before the first session's start_time (08:00:01): the start is the first
    // reading's time whatever the file's own start fields say.
    assert_eq!(a.start, time("2015-08-29T07:14:44Z"));
}

#[test]
fn sports_and_starts_of_single_sport_files() {
    let run = import_real("activity-small-fenix2-run.fit");
    assert_eq!(the_activity(&run).sport.as_deref(), Some("running"));
    assert_eq!(the_activity(&run).start, time("2015-08-15T14:45:08Z"));
    let ride = import_real("garmin-edge-500-activity.fit");
    assert_eq!(the_activity(&ride).sport.as_deref(), Some("cycling"));
}

#[test]
fn all_zero_heart_rate_imports_as_readings_of_zero() {
    // The walker: 1,808 records, every heart_rate 0 (PROVENANCE.md: no strap).
    let file = import_real("null_compressed_speed_dist.fit");
    let a = the_activity(&file);
    assert_well_formed("null_compressed_speed_dist.fit", a);
    assert_eq!(a.readings.len(), 1_808);
    assert!(a.readings.iter().all(|r| r.hr == 0));
}

#[test]
fn broken_fit_files_give_clear_errors() {
    let name = "activity-unexpected-eof.fit";
    // Header: 12 + 757 data bytes + 2 CRC = 771 bytes expected; the file has 768.
    assert_eq!(
        import_bytes(&real(name), name, now()),
        Err(ImportError::Truncated)
    );

    let name = "activity-settings-corruptheader.fit";
    // A valid 771-byte settings file followed by a chained header reading ".GIT" at byte 771.
    match import_bytes(&real(name), name, now()) {
        Err(ImportError::Corrupt { detail }) => {
            assert!(
                detail.contains("header") && detail.contains("771"),
                "{detail}"
            );
        }
        other => panic!("{name}: {other:?}"),
    }
    let message = format!(
        "{name}: {}",
        import_bytes(&real(name), name, now()).unwrap_err()
    );
    assert!(!message.contains('\n'));
}

/// Every heart rate inside `<HeartRateBpm>` elements, by plain string scanning.
fn scan_tcx_heart_rates(text: &str) -> Vec<u16> {
    text.split("<HeartRateBpm")
        .skip(1)
        .map(|chunk| {
            let value = chunk.split("<Value>").nth(1).expect("a Value");
            let value = value.split("</Value>").next().expect("a closed Value");
            value.trim().parse::<u16>().expect("an integer")
        })
        .collect()
}

#[test]
fn tcx_heart_rate_matches_the_text() {
    // (file, sport): PROVENANCE.md; the rates are counted from the text in the test itself.
    for (name, sport) in [("test.tcx", Some("running")), ("sup_activity_1.tcx", None)] {
        let bytes = real(name);
        let mut expected = scan_tcx_heart_rates(std::str::from_utf8(&bytes).expect("UTF-8"));
        assert!(
            expected.len() > 100,
            "{name}: the scan found {}",
            expected.len()
        );
        let file = import_bytes(&bytes, name, now()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(file.format, FileFormat::Tcx);
        let a = the_activity(&file);
        assert_well_formed(name, a);
        assert_eq!(a.sport.as_deref(), sport, "{name}");
        let mut got: Vec<u16> = a.readings.iter().map(|r| r.hr).collect();
        got.sort_unstable();
        expected.sort_unstable();
        assert_eq!(got, expected, "{name}");
    }
    // test.tcx: 384 trackpoints, 383 with a heart rate (grep -c); the first, with a heart rate,
    // at 2012-12-26T21:29:53Z (line 22).
    let a = import_real("test.tcx");
    assert_eq!(the_activity(&a).readings.len(), 383);
    assert_eq!(the_activity(&a).start, time("2012-12-26T21:29:53Z"));
}

#[test]
fn tcx_without_heart_rate_is_refused() {
    assert_eq!(
        import_bytes(&real("no_hr.tcx"), "no_hr.tcx", now()),
        Err(ImportError::NoHeartRate)
    );
}

#[test]
fn foreign_files_are_unknown() {
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.extend_from_slice(&[7u8; 500]);
    assert_eq!(
        import_bytes(&png, "photo.png", now()),
        Err(ImportError::UnknownFormat)
    );
    assert_eq!(
        import_bytes(&png, "photo.fit", now()),
        Err(ImportError::UnknownFormat)
    );
    let text = real("PROVENANCE.md");
    assert_eq!(
        import_bytes(&text, "PROVENANCE.md", now()),
        Err(ImportError::UnknownFormat)
    );
    // Content decides, not the name.
    assert_eq!(
        import_bytes(&real("test.tcx"), "test.fit", now()).map(|f| f.format),
        Ok(FileFormat::Tcx)
    );
}

fn meta_of(a: &ImportedActivity) -> ExportMeta {
    ExportMeta {
        start: a.start,
        sport: a.sport.clone(),
        laps: Vec::new(),
    }
}

#[test]
fn real_fit_through_tcx_comes_back_the_same() {
    let file = import_real("activity-small-fenix2-run.fit");
    let a = the_activity(&file);
    let tcx = export_tcx(&meta_of(a), &a.readings);
    let back = import_bytes(tcx.as_bytes(), "run.tcx", now()).expect("our own TCX imports");
    let b = the_activity(&back);
    assert_eq!(b.start, a.start);
    assert_eq!(b.sport, a.sport);
    let pairs = |x: &ImportedActivity| x.readings.iter().map(|r| (r.t, r.hr)).collect::<Vec<_>>();
    assert_eq!(pairs(b), pairs(a));
}

#[test]
fn real_fit_through_csv_and_json_keeps_rr_exactly() {
    let file = import_real("garmin-fenix-5-run.fit");
    let a = the_activity(&file);
    // Whole-second times, exact RR: the CSV gives back identical readings.
    assert_eq!(import_csv(&export_csv(&a.readings)), Ok(a.readings.clone()));
    let json = export_json(&meta_of(a), &a.readings);
    assert_eq!(json["sport"], "running");
    assert_eq!(json["start"], "2017-06-11T14:34:09.000Z");
    let readings = json["readings"].as_array().expect("readings");
    assert_eq!(readings.len(), a.readings.len());
    for (j, r) in readings.iter().zip(&a.readings) {
        assert_eq!(j["hr"], r.hr);
        assert_eq!(j["contact"], serde_json::Value::Null);
        let raw: Vec<u16> = serde_json::from_value(j["rr_raw"].clone()).expect("rr_raw");
        assert_eq!(raw, r.rr.iter().map(|x| x.raw()).collect::<Vec<_>>());
        // FIT RR are whole milliseconds, and say so.
        if r.rr.is_empty() {
            assert!(j.get("rr_unit").is_none());
        } else {
            assert_eq!(j["rr_unit"], "ms");
        }
    }
}

/// Strategy: a time-ordered session of readings at millisecond times (as every talkzone
/// output writes them), HR over the whole u8 range and beyond, 0-3 RR each.
fn arb_session() -> impl Strategy<Value = (ExportMeta, Vec<Reading>)> {
    let reading = (
        0u32..5_000,
        prop_oneof![Just(0u16), 1u16..=255, 256u16..=400],
        prop::collection::vec(any::<u16>(), 0..4),
        prop_oneof![
            Just(Contact::NotSupported),
            Just(Contact::NotDetected),
            Just(Contact::Detected)
        ],
        prop::option::of(any::<u16>()),
    );
    (
        // 2000-01-01 to 2026-11-01: times a strap could have recorded.
        946_684_800i64..1_793_491_200,
        0u32..1000,
        prop::option::of(prop_oneof![
            Just("running".to_string()),
            Just("cycling".to_string()),
            Just("walking".to_string())
        ]),
        prop::collection::vec(0i64..600_000, 0..4),
        prop::collection::vec(reading, 0..60),
    )
        .prop_map(|(secs, ms, sport, laps, steps)| {
            let start = Utc
                .timestamp_opt(secs, ms * 1_000_000)
                .single()
                .expect("in range");
            let mut t = start;
            let readings = steps
                .into_iter()
                .map(|(step_ms, hr, rr, contact, energy_kj)| {
                    t += chrono::Duration::milliseconds(i64::from(step_ms));
                    Reading {
                        t,
                        hr,
                        contact,
                        energy_kj,
                        rr: rr.into_iter().map(RrInterval::Ticks).collect(),
                        source: Source::Ble,
                    }
                })
                .collect();
            let laps = laps
                .into_iter()
                .map(|l| start + chrono::Duration::milliseconds(l))
                .collect();
            (ExportMeta { start, sport, laps }, readings)
        })
}

/// The FIT SDK's CRC-16, for building well-framed mutated files.
fn fit_crc(bytes: &[u8]) -> u16 {
    const TABLE: [u16; 16] = [
        0x0000, 0xCC01, 0xD801, 0x1400, 0xF001, 0x3C00, 0x2800, 0xE401, 0xA001, 0x6C00, 0x7800,
        0xB401, 0x5000, 0x9C01, 0x8801, 0x4400,
    ];
    let mut crc = 0u16;
    for &b in bytes {
        for nibble in [b & 0x0f, b >> 4] {
            let tmp = TABLE[usize::from(crc & 0x0f)];
            crc = ((crc >> 4) & 0x0fff) ^ tmp ^ TABLE[usize::from(nibble)];
        }
    }
    crc
}

proptest! {
    #[test]
    fn tcx_round_trip_keeps_time_and_heart_rate((meta, readings) in arb_session()) {
        let tcx = export_tcx(&meta, &readings);
        let expected: Vec<(DateTime<Utc>, u16)> = readings
            .iter()
            .filter(|r| (1..=255).contains(&r.hr))
            .map(|r| (r.t, r.hr))
            .collect();
        match import_bytes(tcx.as_bytes(), "session.tcx", now()) {
            Ok(file) => {
                prop_assert_eq!(file.activities.len(), 1);
                let a = &file.activities[0];
                let got: Vec<(DateTime<Utc>, u16)> = a.readings.iter().map(|r| (r.t, r.hr)).collect();
                prop_assert_eq!(&got, &expected);
                // The one rule: an activity starts at its first reading.
                prop_assert_eq!(a.start, expected[0].0);
                let sport = meta.sport.filter(|s| s != "walking");
                prop_assert_eq!(&a.sport, &sport);
            }
            Err(e) => {
                prop_assert_eq!(e, ImportError::NoHeartRate);
                prop_assert!(expected.is_empty());
            }
        }
    }

    #[test]
    fn csv_round_trip_keeps_time_hr_and_rr((_meta, readings) in arb_session()) {
        let back = import_csv(&export_csv(&readings)).expect("our own CSV reads back");
        prop_assert_eq!(back.len(), readings.len());
        for (b, r) in back.iter().zip(&readings) {
            prop_assert_eq!(b.t, r.t);
            prop_assert_eq!(b.hr, r.hr);
            prop_assert_eq!(&b.rr, &r.rr);
        }
    }

    #[test]
    fn json_carries_every_reading_field((meta, readings) in arb_session()) {
        let json = export_json(&meta, &readings);
        let rows = json["readings"].as_array().expect("readings");
        prop_assert_eq!(rows.len(), readings.len());
        for (j, r) in rows.iter().zip(&readings) {
            let t = j["t"].as_str().expect("t");
            prop_assert_eq!(time(t), r.t);
            prop_assert_eq!(j["hr"].as_u64(), Some(u64::from(r.hr)));
            prop_assert_eq!(Contact::from_option(j["contact"].as_bool()), r.contact);
            prop_assert_eq!(j["energy_kj"].as_u64(), r.energy_kj.map(u64::from));
            let raw: Vec<u16> = serde_json::from_value(j["rr_raw"].clone()).expect("rr_raw");
            prop_assert_eq!(raw, r.rr.iter().map(|x| x.raw()).collect::<Vec<_>>());
            let ms: Vec<f64> = serde_json::from_value(j["rr_ms"].clone()).expect("rr_ms");
            prop_assert_eq!(ms, r.rr_ms());
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(
        bytes in prop::collection::vec(any::<u8>(), 0..2048),
        name in prop_oneof![Just("a.fit"), Just("a.tcx"), Just("a")],
    ) {
        let _ = import_bytes(&bytes, name, now());
    }

    #[test]
    fn arbitrary_bytes_behind_a_fit_header_never_panic(
        data in prop::collection::vec(any::<u8>(), 0..2048),
    ) {
        let mut f = vec![12u8, 0x10, 0x64, 0];
        f.extend_from_slice(&u32::try_from(data.len()).expect("small").to_le_bytes());
        f.extend_from_slice(b".FIT");
        f.extend_from_slice(&data);
        let crc = fit_crc(&f);
        f.extend_from_slice(&crc.to_le_bytes());
        let _ = import_bytes(&f, "random.fit", now());
    }

    #[test]
    fn arbitrary_text_in_a_tcx_never_panics(body in "[<>/a-zA-Z0-9 =\"&;:.\\-]{0,400}") {
        let doc = format!("<?xml version=\"1.0\"?><TrainingCenterDatabase><Activities><Activity><Lap><Track><Trackpoint><Time>2020-01-01T00:00:00Z</Time>{body}");
        let _ = import_bytes(doc.as_bytes(), "x.tcx", now());
    }

    #[test]
    fn truncated_fit_files_are_truncated(cut in 0.0f64..1.0) {
        for name in ["garmin-fenix-5-run.fit", "activity-large-fenxi2-multisport.fit"] {
            let bytes = real(name);
            let len = (bytes.len() as f64 * cut) as usize;
            let want = if len == 0 { ImportError::Empty } else { ImportError::Truncated };
            prop_assert_eq!(import_bytes(&bytes[..len], name, now()), Err(want));
        }
    }

    #[test]
    fn truncated_tcx_files_fail_cleanly(cut in 0.0f64..1.0) {
        let bytes = real("test.tcx");
        let root_end = String::from_utf8_lossy(&bytes)
            .find("</TrainingCenterDatabase>")
            .expect("a root end tag");
        let len = (root_end as f64 * cut) as usize;
        prop_assert!(import_bytes(&bytes[..len], "test.tcx", now()).is_err());
    }

    #[test]
    fn mutated_fit_content_with_a_valid_checksum_never_panics(
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
    ) {
        // Corrupt messages that still pass the checksum: only fitparser's decoding (behind
        // catch_unwind) and our handling of what it returns are exercised.
        let mut f = real("garmin-fenix-5-run.fit");
        let header = usize::from(f[0]);
        let data_end = f.len() - 2;
        for (at, byte) in edits {
            let i = header + at.index(data_end - header);
            f[i] = byte;
        }
        let crc = fit_crc(&f[..data_end]);
        f[data_end..].copy_from_slice(&crc.to_le_bytes());
        let _ = import_bytes(&f, "mutated.fit", now());
    }
}
