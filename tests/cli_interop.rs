//! CLI tests of `import` and `export` through the real binary: the real watch files in
//! tests/data/real (see PROVENANCE.md for where they come from and how the expected counts were
//! obtained independently), broken and foreign files, duplicates, delete then re-import, and
//! export then import round trips.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use chrono::{DateTime, Utc};
use serde_json::Value;

#[path = "support/sandbox.rs"]
mod sandbox;
use sandbox::{stderr, Sandbox};

/// What these tests ask of a sandbox besides running commands.
trait Sessions {
    fn sessions(&self) -> Vec<Value>;
    fn summary(&self, id: i64) -> Value;
}

impl Sessions for Sandbox {
    fn sessions(&self) -> Vec<Value> {
        self.json(&["sessions", "--json"])
            .as_array()
            .unwrap()
            .clone()
    }

    fn summary(&self, id: i64) -> Value {
        self.json(&["summary", &id.to_string(), "--json"])
    }
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn real(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/real")
        .join(name)
}

/// HR record counts from PROVENANCE.md (the independent FIT walker's `count`).
const FIT_COUNTS: &[(&str, u64)] = &[
    ("20170518-191602-1740899583.fit", 1641),
    ("2019-02-17-062644-ELEMNT-297E-195-0.fit", 13402),
    ("Edge810-Vector-2013-08-16-15-35-10.fit", 4671),
    ("activity-large-fenxi2-multisport.fit", 24227),
    ("activity-small-fenix2-run.fit", 2808),
    ("garmin-edge-500-activity.fit", 10686),
    ("garmin-edge-820-bike.fit", 15),
    ("garmin-fenix-5-run.fit", 21),
    ("garmin-fenix-5-walk.fit", 17),
    ("null_compressed_speed_dist.fit", 1808),
    ("sample-activity-indoor-trainer.fit", 2263),
];

const BROKEN: &[(&str, &str)] = &[
    ("activity-unexpected-eof.fit", "truncated"),
    ("activity-settings-corruptheader.fit", "damaged"),
];

/// TCX trackpoints with a heart rate, by plain string scanning (not the importer's XML reader).
fn tcx_hr_points(name: &str) -> u64 {
    let text = std::fs::read_to_string(real(name)).unwrap();
    text.split("<Trackpoint>")
        .skip(1)
        .filter(|tp| {
            let tp = tp.split("</Trackpoint>").next().unwrap();
            tp.contains("<HeartRateBpm>")
        })
        .count() as u64
}

/// Copies every real file into `<sandbox>/watch`, some in nested folders and one with an
/// upper-case extension, plus files the folder walk must leave alone.
fn watch_folder(sb: &Sandbox) -> PathBuf {
    let root = sb.path("watch");
    std::fs::create_dir_all(root.join("2015/08")).unwrap();
    std::fs::create_dir_all(root.join("tcx")).unwrap();
    for entry in std::fs::read_dir(real("")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        let to = if name.starts_with("activity-") {
            root.join("2015/08").join(&name)
        } else if name == "antfs-dump.63.fit" {
            root.join("ANTFS-DUMP.63.FIT")
        } else if name.ends_with(".tcx") {
            root.join("tcx").join(&name)
        } else {
            root.join(&name)
        };
        std::fs::copy(real(&name), to).unwrap();
    }
    // Not named like a workout file: left alone even though it is one.
    std::fs::copy(real("test.tcx"), root.join("tcx/test.tcx.bak")).unwrap();
    root
}

fn results_by_file(v: &Value) -> BTreeMap<String, Value> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let file = r["file"].as_str().unwrap();
            let name = Path::new(file).file_name().unwrap().to_str().unwrap();
            (name.to_owned(), r.clone())
        })
        .collect()
}

fn ids(r: &Value) -> Vec<i64> {
    r["session_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect()
}

#[test]
fn a_folder_of_real_files_imports_and_reimporting_adds_nothing() {
    let sb = Sandbox::new();
    let root = watch_folder(&sb);
    let out = sb.run(&["import", root.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(13), "{}", stderr(&out));
    let err = stderr(&out);
    let results = results_by_file(&serde_json::from_str(&stdout(&out)).unwrap());
    assert_eq!(
        results.len(),
        // + 3 TCX files + the FIT file with system times.
        FIT_COUNTS.len() + BROKEN.len() + 4,
        "{results:?}"
    );

    // Every stderr line is talkzone's: no progress bar without a terminal.
    assert!(err.lines().all(|l| l.starts_with("talkzone: ")), "{err}");
    // Each broken file: one clear line naming it; the others still imported.
    for (name, problem) in BROKEN {
        let lines: Vec<&str> = err.lines().filter(|l| l.contains(name)).collect();
        assert_eq!(lines.len(), 1, "{name}: {err}");
        let path = root.join("2015/08").join(name);
        assert!(
            lines[0].starts_with(&format!("talkzone: {}: ", path.display())),
            "{}",
            lines[0]
        );
        assert!(lines[0].contains(problem), "{}", lines[0]);
        assert_eq!(results[*name]["status"], "failed");
        assert!(results[*name]["error"].as_str().unwrap().contains(problem));
        assert!(ids(&results[*name]).is_empty());
    }
    assert!(
        err.lines()
            .last()
            .unwrap()
            .contains("3 of 17 files could not be imported"),
        "{err}"
    );
    // A Forerunner 70 whose clock was never set: its times are seconds since power-on (FIT
    // "system time", 1990 if read as dates), refused as such. Found under its upper-case name.
    let antfs = &results["ANTFS-DUMP.63.FIT"];
    assert_eq!(antfs["status"], "failed", "{antfs}");
    assert!(
        antfs["error"]
            .as_str()
            .unwrap()
            .starts_with("no reading has a usable time: records 2-686: times (the first 1990-07-09T07:00:47Z) are the watch's seconds since it was switched on"),
        "{antfs}"
    );
    // The file without heart rate is reported and skipped; it does not fail the run.
    let no_hr: Vec<&str> = err.lines().filter(|l| l.contains("no_hr.tcx")).collect();
    assert_eq!(no_hr.len(), 1, "{err}");
    assert!(
        no_hr[0].ends_with("no_hr.tcx: no heart-rate data: skipped"),
        "{}",
        no_hr[0]
    );
    assert_eq!(results["no_hr.tcx"]["status"], "no_heart_rate");
    assert!(!results.contains_key("test.tcx.bak"));

    // Sample counts match PROVENANCE.md, and each session is a finished import.
    let mut expected: Vec<(String, u64)> = FIT_COUNTS
        .iter()
        .map(|(n, c)| (n.to_string(), *c))
        .collect();
    for name in ["test.tcx", "sup_activity_1.tcx"] {
        expected.push((name.to_owned(), tcx_hr_points(name)));
    }
    let sessions = sb.sessions();
    assert_eq!(sessions.len(), expected.len());
    let mut all_ids = Vec::new();
    for (name, count) in &expected {
        let r = &results[name.as_str()];
        assert_eq!(r["status"], "imported", "{name}: {r}");
        assert_eq!(r["error"], Value::Null);
        let id = ids(r);
        assert_eq!(id.len(), 1, "{name}");
        let s = sb.summary(id[0]);
        assert_eq!(s["readings"].as_u64(), Some(*count), "{name}");
        assert_eq!(s["status"], "complete", "{name}");
        let row = sessions.iter().find(|s| s["id"] == id[0]).unwrap();
        assert_eq!(row["source"], "import", "{name}");
        all_ids.push(id[0]);
    }
    assert!(expected.iter().any(|(_, c)| *c == 2808));
    assert!(expected.iter().any(|(_, c)| *c == 2263));

    // The all-zero-HR file is a session with no active time.
    let zero = ids(&results["null_compressed_speed_dist.fit"])[0];
    let s = sb.summary(zero);
    assert_eq!(s["active_s"].as_f64(), Some(0.0));
    assert_eq!(s["class"], "none");
    assert!(s["no_signal_s"].as_f64().unwrap() > 1700.0, "{s}");

    // Again: every imported file is a duplicate of the same session, nothing new is stored.
    let again = sb.run(&["import", root.to_str().unwrap(), "--json"]);
    assert_eq!(again.status.code(), Some(13));
    let again = results_by_file(&serde_json::from_str(&stdout(&again)).unwrap());
    for (name, first) in &results {
        let second = &again[name];
        match first["status"].as_str().unwrap() {
            "imported" => {
                assert_eq!(second["status"], "duplicate", "{name}");
                assert_eq!(ids(second), ids(first), "{name}");
            }
            status => assert_eq!(second["status"], status, "{name}"),
        }
    }
    assert_eq!(sb.sessions().len(), expected.len());

    // The same bytes under another name are still the same file.
    let copy = sb.path("renamed-copy.fit");
    std::fs::copy(real("garmin-fenix-5-run.fit"), &copy).unwrap();
    let text = sb.ok(&["import", copy.to_str().unwrap()]);
    assert!(
        text.starts_with(&format!(
            "duplicate {}: already imported as session ",
            copy.display()
        )),
        "{text}"
    );
    assert_eq!(sb.sessions().len(), expected.len());
}

#[test]
fn text_output_names_each_session_and_counts() {
    let sb = Sandbox::new();
    let run = real("activity-small-fenix2-run.fit");
    // A TCX file named as something else is read for what it is.
    let odd = sb.path("export.xml");
    std::fs::copy(real("test.tcx"), &odd).unwrap();
    let out = sb.run(&["import", run.to_str().unwrap(), odd.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert_eq!(
        lines[0],
        format!(
            "imported {}: session 1, Sat 15 Aug 2015 14:45, 47 min, vigorous",
            run.display()
        )
    );
    assert!(
        lines[1].starts_with(&format!(
            "imported {}: session 2, Wed 26 Dec 2012 21:29, ",
            odd.display()
        )),
        "{}",
        lines[1]
    );
    assert_eq!(lines[2], "2 files: 2 sessions imported.");

    // A foreign file and a missing one fail, each with one line; the good file still imports.
    let foreign = real("PROVENANCE.md");
    let missing = sb.path("missing.fit");
    let walk = real("garmin-fenix-5-walk.fit");
    let out = sb.run(&[
        "import",
        foreign.to_str().unwrap(),
        missing.to_str().unwrap(),
        walk.to_str().unwrap(),
        run.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(13), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "talkzone: {}: not a FIT or TCX workout file\n",
            foreign.display()
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!("talkzone: {}: cannot read: ", missing.display())),
        "{err}"
    );
    let text = stdout(&out);
    assert!(
        text.contains(&format!("imported {}: session 3, ", walk.display())),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "duplicate {}: already imported as session 1\n",
            run.display()
        )),
        "{text}"
    );
    assert!(
        text.ends_with("4 files: 1 session imported, 1 already imported, 2 failed.\n"),
        "{text}"
    );

    // A folder without workout files is an input error.
    std::fs::create_dir_all(sb.path("empty")).unwrap();
    let out = sb.run(&["import", sb.path("empty").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(9), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("no workout files found"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_deleted_import_can_be_imported_again() {
    let sb = Sandbox::new();
    let file = real("garmin-fenix-5-run.fit");
    let first = sb.json(&["import", file.to_str().unwrap(), "--json"]);
    assert_eq!(first[0]["status"], "imported");
    let id = ids(&first[0])[0];
    sb.ok(&["delete", &id.to_string(), "--yes"]);
    assert!(sb.sessions().is_empty());
    let again = sb.json(&["import", file.to_str().unwrap(), "--json"]);
    assert_eq!(again[0]["status"], "imported", "{again}");
    let new_id = ids(&again[0])[0];
    assert_eq!(sb.sessions().len(), 1);
    assert_eq!(sb.summary(new_id)["readings"], 21);
    let third = sb.json(&["import", file.to_str().unwrap(), "--json"]);
    assert_eq!(third[0]["status"], "duplicate");
    assert_eq!(ids(&third[0]), vec![new_id]);
}

fn time(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// Seconds per zone re-derived from the exported readings and the zone thresholds, applying the
/// documented rules by hand: each reading stands for the interval to the next; an interval over
/// 10 s is a gap; HR 0 or contact `false` is no signal; a reading is in the highest zone whose
/// lower bound is at or below its HR.
fn time_in_zones_by_hand(export: &Value, zones: &Value) -> BTreeMap<String, f64> {
    let bounds: Vec<(String, f64)> = zones["zones"]
        .as_array()
        .unwrap()
        .iter()
        .map(|z| {
            (
                z["id"].as_str().unwrap().to_owned(),
                z["min_bpm"].as_f64().unwrap(),
            )
        })
        .collect();
    let mut out: BTreeMap<String, f64> = bounds.iter().map(|(id, _)| (id.clone(), 0.0)).collect();
    let readings = export["readings"].as_array().unwrap();
    for pair in readings.windows(2) {
        let dt_ms = (time(pair[1]["t"].as_str().unwrap()) - time(pair[0]["t"].as_str().unwrap()))
            .num_milliseconds();
        let hr = pair[0]["hr"].as_u64().unwrap();
        if dt_ms > 10_000 || hr == 0 || pair[0]["contact"] == Value::Bool(false) {
            continue;
        }
        let zone = bounds
            .iter()
            .rev()
            .find(|(_, min)| *min <= hr as f64)
            .map_or(bounds[0].0.clone(), |(id, _)| id.clone());
        *out.get_mut(&zone).unwrap() += dt_ms as f64 / 1000.0;
    }
    out
}

#[test]
fn time_in_zone_matches_a_count_by_hand() {
    let sb = Sandbox::new();
    let zones = sb.json(&["zones", "--json"]);
    // A ride with long gaps (3 h 44 min of records over almost 6 h), sampling every 5-7 s,
    // and a file whose every HR is 0.
    for name in [
        "2019-02-17-062644-ELEMNT-297E-195-0.fit",
        "test.tcx",
        "null_compressed_speed_dist.fit",
    ] {
        let r = sb.json(&["import", real(name).to_str().unwrap(), "--json"]);
        let id = ids(&r[0])[0].to_string();
        let export = sb.json(&["export", &id, "--format", "json"]);
        let by_hand = time_in_zones_by_hand(&export, &zones);
        let summary = sb.json(&["summary", &id, "--json"]);
        let mut total = 0.0;
        for (zone, secs) in &by_hand {
            let got = summary["time_in_zone_s"][zone].as_f64().unwrap();
            assert!((got - secs).abs() < 1e-6, "{name} {zone}: {got} vs {secs}");
            total += secs;
        }
        let active = summary["active_s"].as_f64().unwrap();
        assert!((active - total).abs() < 1e-6, "{name}: {active} vs {total}");
        if name.starts_with("2019") {
            assert!(summary["gap_s"].as_f64().unwrap() > 3600.0, "{summary}");
        }
    }
}

#[test]
fn tcx_export_then_import_gives_the_same_summary() {
    let sb = Sandbox::new();
    sb.ok(&["live", "--simulate", "--fast"]);
    let out = sb.path("workout.tcx");
    let printed = sb.ok(&[
        "export",
        "last",
        "--format",
        "tcx",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(printed, "");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let tcx = std::fs::read_to_string(&out).unwrap();
    assert!(
        tcx.contains("<Activity Sport=\"Other\">"),
        "a live session has no sport"
    );
    assert_eq!(
        tcx,
        sb.ok(&["export", "1", "--format", "tcx"]),
        "stdout is the same"
    );

    let r = sb.json(&["import", out.to_str().unwrap(), "--json"]);
    assert_eq!(r[0]["status"], "imported", "{r}");
    let back = ids(&r[0])[0];
    let (a, b) = (sb.summary(1), sb.summary(back));
    assert_eq!(a["readings"], b["readings"]);
    assert_eq!(a["max_hr"], b["max_hr"]);
    let close = |x: &Value, y: &Value| (x.as_f64().unwrap() - y.as_f64().unwrap()).abs() < 1e-6;
    assert!(
        close(&a["avg_hr"], &b["avg_hr"]),
        "{} vs {}",
        a["avg_hr"],
        b["avg_hr"]
    );
    for zone in ["very_light", "light", "moderate", "vigorous", "near_max"] {
        assert!(
            close(&a["time_in_zone_s"][zone], &b["time_in_zone_s"][zone]),
            "{zone}: {} vs {}",
            a["time_in_zone_s"][zone],
            b["time_in_zone_s"][zone]
        );
    }
    assert_eq!(a["class"], b["class"]);
}

#[test]
fn exports_carry_laps_sport_and_every_reading() {
    let sb = Sandbox::new();
    let r = sb.json(&[
        "import",
        real("activity-small-fenix2-run.fit").to_str().unwrap(),
        "--json",
    ]);
    let id = ids(&r[0])[0];
    let start = sb.sessions()[0]["start"].as_str().unwrap().to_owned();
    // A lap marker ten minutes in, stored as `live` stores one.
    {
        let mut db = talkzone::store::db::Db::open(&sb.path("data")).unwrap();
        let mut rec = db.recorder(id).unwrap();
        rec.lap(time(&start) + chrono::Duration::minutes(10))
            .unwrap();
        rec.flush().unwrap();
        drop(rec);
        db.set_sport(id, Some("running")).unwrap();
    }

    let tcx = sb.ok(&["export", &id.to_string(), "--format", "tcx"]);
    assert!(
        tcx.contains("<Activity Sport=\"Running\">"),
        "the file's sport is kept"
    );
    assert_eq!(tcx.matches("<Lap StartTime=").count(), 2);
    assert_eq!(tcx.matches("<HeartRateBpm>").count(), 2808);

    let csv = sb.ok(&["export", &id.to_string(), "--format", "csv"]);
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("time,hr,rr_ms"));
    assert_eq!(lines.clone().count(), 2808);
    let first = lines.next().unwrap();
    assert!(
        first.starts_with("2015-08-15T14:45:08.000Z,") && first.ends_with(','),
        "the first record per PROVENANCE.md, no RR in this file: {first}"
    );

    let json = sb.json(&["export", &id.to_string(), "--format", "json"]);
    let keys: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["laps", "readings", "sport", "start"]);
    assert_eq!(json["sport"], "running");
    assert_eq!(json["laps"].as_array().unwrap().len(), 1);
    let readings = json["readings"].as_array().unwrap();
    assert_eq!(readings.len(), 2808);
    let keys: Vec<&str> = readings[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["contact", "energy_kj", "hr", "rr_ms", "rr_raw", "t"]);
    let sum: u64 = readings.iter().map(|r| r["hr"].as_u64().unwrap()).sum();
    assert_eq!(sum, 432_366, "HR sum per PROVENANCE.md");

    // -o writes the same as stdout, owner-only; no such session is exit 11.
    let path = sb.path("run.csv");
    sb.ok(&[
        "export",
        &id.to_string(),
        "--format",
        "csv",
        "-o",
        path.to_str().unwrap(),
    ]);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), csv);
    let out = sb.run(&["export", "99", "--format", "json"]);
    assert_eq!(out.status.code(), Some(11), "{}", stderr(&out));
}

// ---- Issue 14: lying timestamps (item 5) and what import messages say (item 7) -------------

/// The FIT SDK's CRC-16.
fn crc16(bytes: &[u8]) -> u16 {
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

/// What a hand-made FIT file holds, in order.
enum Fit {
    /// A `record` with a timestamp (s since the FIT epoch 1989-12-31) and a heart rate.
    Record(u32, u8),
    /// An `activity` message: the end of one activity.
    Activity(u32),
}

/// Seconds since the FIT epoch for an RFC 3339 time.
fn fit_time(s: &str) -> u32 {
    u32::try_from(time(s).timestamp() - 631_065_600).unwrap()
}

/// One FIT file (14-byte header with checksum, data, checksum) with these messages.
fn fit_file(messages: &[Fit]) -> Vec<u8> {
    // Local 0: record (20): timestamp (253) uint32, heart_rate (3) uint8.
    let mut data = vec![0x40, 0, 0, 20, 0, 2, 253, 4, 0x86, 3, 1, 0x02];
    // Local 1: activity (34): timestamp (253) uint32.
    data.extend_from_slice(&[0x41, 0, 0, 34, 0, 1, 253, 4, 0x86]);
    for m in messages {
        match *m {
            Fit::Record(t, hr) => {
                data.push(0x00);
                data.extend_from_slice(&t.to_le_bytes());
                data.push(hr);
            }
            Fit::Activity(t) => {
                data.push(0x01);
                data.extend_from_slice(&t.to_le_bytes());
            }
        }
    }
    let mut f = vec![14u8, 0x10];
    f.extend_from_slice(&2093u16.to_le_bytes());
    f.extend_from_slice(&u32::try_from(data.len()).unwrap().to_le_bytes());
    f.extend_from_slice(b".FIT");
    let hcrc = crc16(&f);
    f.extend_from_slice(&hcrc.to_le_bytes());
    f.extend_from_slice(&data);
    let crc = crc16(&f);
    f.extend_from_slice(&crc.to_le_bytes());
    f
}

/// `n` records at HR 120, one a second from `start`.
fn records(start: &str, n: u32) -> Vec<Fit> {
    (0..n)
        .map(|i| Fit::Record(fit_time(start) + i, 120))
        .collect()
}

/// Every session as `sessions --json` lists it, oldest first, checked against its `summary`:
/// one rule, start = first reading, duration = last - first.
fn sessions_agreeing_with_summaries(sb: &Sandbox) -> Vec<Value> {
    let mut rows = sb.sessions();
    rows.reverse();
    for row in &rows {
        let s = sb.summary(row["id"].as_i64().unwrap());
        assert_eq!(
            time(row["start"].as_str().unwrap()),
            time(s["start"].as_str().unwrap()),
            "{row}\n{s}"
        );
        assert_eq!(row["duration_s"], s["duration_s"], "{row}\n{s}");
        assert!(row["duration_s"].as_f64().unwrap() >= 0.0, "{row}");
    }
    rows
}

#[test]
fn a_tcx_with_offsets_the_lap_lacks_is_normalised_to_utc() {
    // Before: stored with duration -48,409 s (start from the lap's 23:00Z, readings at 09:00Z).
    let sb = Sandbox::new();
    let tcx = sb.path("offset.tcx");
    let points: String = (0..10)
        .map(|i| {
            format!(
                "<Trackpoint><Time>2026-11-20T23:00:{i:02}+14:00</Time>\
                 <HeartRateBpm><Value>120</Value></HeartRateBpm></Trackpoint>"
            )
        })
        .collect();
    std::fs::write(
        &tcx,
        format!(
            "<?xml version=\"1.0\"?>\n<TrainingCenterDatabase xmlns=\"{TCX_NS}\"><Activities>\
             <Activity Sport=\"Running\"><Id>2026-11-20T23:00:00Z</Id>\
             <Lap StartTime=\"2026-11-20T23:00:00Z\"><Track>{points}</Track></Lap></Activity>\
             </Activities></TrainingCenterDatabase>\n"
        ),
    )
    .unwrap();
    let out = sb.run(&["import", tcx.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let rows = sessions_agreeing_with_summaries(&sb);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["start"], "2026-11-20T09:00:00.000Z");
    assert_eq!(rows[0]["duration_s"], 9.0);
}

const TCX_NS: &str = "http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2";

#[test]
fn chained_fit_activities_become_one_session_each() {
    // Before: one 26-hour session.
    let sb = Sandbox::new();
    let mut a = records("2026-11-20T08:00:00Z", 30);
    a.push(Fit::Activity(fit_time("2026-11-20T08:00:30Z")));
    let mut b = records("2026-11-21T10:00:00Z", 20);
    b.push(Fit::Activity(fit_time("2026-11-21T10:00:20Z")));
    // Two FIT files chained in one.
    let mut chained = fit_file(&a);
    chained.extend_from_slice(&fit_file(&b));
    let path = sb.path("chained.fit");
    std::fs::write(&path, chained).unwrap();
    // Two activity sequences in one file, three hours apart.
    let mut two = records("2026-11-22T07:00:00Z", 15);
    two.push(Fit::Activity(fit_time("2026-11-22T07:00:15Z")));
    two.extend(records("2026-11-22T10:00:00Z", 12));
    two.push(Fit::Activity(fit_time("2026-11-22T10:00:12Z")));
    let path2 = sb.path("two-in-one.fit");
    std::fs::write(&path2, fit_file(&two)).unwrap();
    // Timestamps that restart: a second activity written earlier than the first one's end.
    let mut restart = records("2026-11-23T18:00:00Z", 11);
    restart.extend(records("2026-11-23T17:00:00Z", 13));
    let path3 = sb.path("restart.fit");
    std::fs::write(&path3, fit_file(&restart)).unwrap();

    let v = sb.json(&[
        "import",
        path.to_str().unwrap(),
        path2.to_str().unwrap(),
        path3.to_str().unwrap(),
        "--json",
    ]);
    for r in v.as_array().unwrap() {
        assert_eq!(r["status"], "imported", "{r}");
    }
    let rows = sessions_agreeing_with_summaries(&sb);
    let spans: Vec<(String, f64)> = rows
        .iter()
        .map(|r| {
            (
                r["start"].as_str().unwrap().to_owned(),
                r["duration_s"].as_f64().unwrap(),
            )
        })
        .collect();
    let want = [
        ("2026-11-20T08:00:00.000Z", 29.0),
        ("2026-11-21T10:00:00.000Z", 19.0),
        ("2026-11-22T07:00:00.000Z", 14.0),
        ("2026-11-22T10:00:00.000Z", 11.0),
        ("2026-11-23T17:00:00.000Z", 12.0),
        ("2026-11-23T18:00:00.000Z", 10.0),
    ];
    assert_eq!(
        spans,
        want.iter()
            .map(|(s, d)| (s.to_string(), *d))
            .collect::<Vec<_>>()
    );
}

#[test]
fn impossible_times_are_refused_naming_the_record_or_line() {
    // Before: a session of up to 116 years.
    let sb = Sandbox::new();
    let mut msgs = records("2026-11-20T08:00:00Z", 20);
    // Record 3: 5 s after the FIT epoch, a device's seconds since power-on (FIT "system
    // time"); record 6: 1999; records 10-11: 2126.
    msgs[2] = Fit::Record(5, 120);
    msgs[5] = Fit::Record(fit_time("1999-06-01T00:00:00Z"), 120);
    msgs[9] = Fit::Record(0xFFFF_FF00, 120);
    msgs[10] = Fit::Record(0xFFFF_FF01, 120);
    // Record 15: three years earlier, inside the ride (a corrupted but checksum-valid time).
    msgs[14] = Fit::Record(fit_time("2023-11-20T08:00:14Z"), 120);
    let path = sb.path("lying.fit");
    std::fs::write(&path, fit_file(&msgs)).unwrap();
    let out = sb.run(&["import", path.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    let p = path.display();
    assert!(
        err.contains(&format!(
            "talkzone: {p}: record 3: time 1989-12-31T00:00:05Z is the watch's seconds since it \
             was switched on (FIT \"system time\"), not dates: its clock was not set: skipped"
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "talkzone: {p}: record 6: time 1999-06-01T00:00:00Z is before 2000-01-01, earlier \
             than any watch or strap recorded (a corrupted timestamp?): skipped"
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "talkzone: {p}: records 10-11: times (the first 2126-"
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "talkzone: {p}: record 15: 1 reading at 2023-11-20T08:00:14Z, more than a day away from the rest of the activity"
        )),
        "{err}"
    );
    let rows = sessions_agreeing_with_summaries(&sb);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["duration_s"], 19.0);
    assert_eq!(sb.summary(rows[0]["id"].as_i64().unwrap())["readings"], 15);

    // Every time impossible: a failure (exit 13), not a session.
    let all_bad = sb.path("all-bad.fit");
    std::fs::write(
        &all_bad,
        fit_file(&[Fit::Record(5, 120), Fit::Record(6, 121)]),
    )
    .unwrap();
    let out = sb.run(&["import", all_bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(13), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!(
            "talkzone: {}: no reading has a usable time: records 1-2: times (the first \
             1989-12-31T00:00:05Z) are the watch's seconds since it was switched on",
            all_bad.display()
        )),
        "{}",
        stderr(&out)
    );

    // TCX: the line is named; a jump of more than a day inside one activity splits it.
    let tcx = sb.path("jump.tcx");
    let point = |t: &str| {
        format!(
            "<Trackpoint><Time>{t}</Time><HeartRateBpm><Value>130</Value></HeartRateBpm></Trackpoint>\n"
        )
    };
    let mut body = String::new();
    for i in 0..10 {
        body.push_str(&point(&format!("2026-11-10T07:00:{i:02}Z")));
    }
    body.push_str(&point("1999-12-31T23:59:59Z"));
    for i in 0..10 {
        body.push_str(&point(&format!("2026-11-12T07:00:{i:02}Z")));
    }
    std::fs::write(
        &tcx,
        format!(
            "<?xml version=\"1.0\"?>\n<TrainingCenterDatabase xmlns=\"{TCX_NS}\"><Activities>\n\
             <Activity Sport=\"Running\"><Id>2026-11-10T07:00:00Z</Id><Lap StartTime=\"2026-11-10T07:00:00Z\"><Track>\n\
             {body}</Track></Lap></Activity></Activities></TrainingCenterDatabase>\n"
        ),
    )
    .unwrap();
    let out = sb.run(&["import", tcx.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!(
            "talkzone: {}: line 14: time 1999-12-31T23:59:59Z is before 2000-01-01",
            tcx.display()
        )),
        "{}",
        stderr(&out)
    );
    let rows = sessions_agreeing_with_summaries(&sb);
    assert_eq!(
        rows.len(),
        3,
        "the FIT ride and the TCX activity split in two"
    );
    // Oldest first: the TCX activity's two parts, then the FIT ride of 2026-11-20.
    assert_eq!(rows[0]["start"], "2026-11-10T07:00:00.000Z");
    assert_eq!(rows[0]["duration_s"], 9.0);
    assert_eq!(rows[1]["start"], "2026-11-12T07:00:00.000Z");
    assert_eq!(rows[1]["duration_s"], 9.0);
}

#[test]
fn import_messages_say_what_is_really_wrong() {
    let sb = Sandbox::new();
    // Before: "no heart-rate data: skipped", exit 0 (an interrupted download went unnoticed).
    let empty = sb.path("interrupted.fit");
    std::fs::write(&empty, b"").unwrap();
    let gpx = sb.path("ride.tcx");
    std::fs::write(
        &gpx,
        "<?xml version=\"1.0\"?>\n<gpx version=\"1.1\" creator=\"x\" \
         xmlns=\"http://www.topografix.com/GPX/1/1\"><trk><trkseg>\
         <trkpt lat=\"1\" lon=\"2\"><time>2026-11-20T08:00:00Z</time></trkpt>\
         </trkseg></trk></gpx>\n",
    )
    .unwrap();
    let hr = |name: &str, value: &str, prolog: &str| {
        let path = sb.path(name);
        std::fs::write(
            &path,
            format!(
                "<?xml version=\"1.0\"?>\n{prolog}<TrainingCenterDatabase xmlns=\"{TCX_NS}\"><Activities>\
                 <Activity Sport=\"Running\"><Lap StartTime=\"2026-11-20T08:00:00Z\"><Track>\n\
                 <Trackpoint><Time>2026-11-20T08:00:00Z</Time><HeartRateBpm><Value>{value}</Value>\
                 </HeartRateBpm></Trackpoint></Track></Lap></Activity></Activities></TrainingCenterDatabase>\n"
            ),
        )
        .unwrap();
        path
    };
    // Before: each of these said `heart rate "..." is not a number`.
    let negative = hr("negative.tcx", "-5", "");
    let too_big = hr("too-big.tcx", "65536", "");
    let entity = hr(
        "entity.tcx",
        "&hr;",
        "<!DOCTYPE TrainingCenterDatabase [<!ENTITY hr \"150\">]>\n",
    );
    let bad_ref = hr("bad-ref.tcx", "1&#xFFFFFF;0", "");
    let paths = [&empty, &gpx, &negative, &too_big, &entity, &bad_ref];
    let mut args = vec!["import"];
    args.extend(paths.iter().map(|p| p.to_str().unwrap()));
    let out = sb.run(&args);
    assert_eq!(out.status.code(), Some(13), "{}", stderr(&out));
    let err = stderr(&out);
    let line = |p: &Path| {
        let prefix = format!("talkzone: {}: ", p.display());
        err.lines()
            .find_map(|l| l.strip_prefix(&prefix))
            .unwrap_or_else(|| panic!("no line for {}: {err}", p.display()))
            .to_owned()
    };
    assert!(line(&empty).starts_with("empty file (0 bytes)"), "{err}");
    assert!(line(&gpx).starts_with("a GPX file, not TCX"), "{err}");
    assert!(
        line(&negative).contains("line 3, column ")
            && line(&negative).ends_with(": heart rate -5 is negative"),
        "{err}"
    );
    assert!(
        line(&too_big).ends_with("heart rate 65536 is out of range (0 to 65535)"),
        "{err}"
    );
    assert!(
        line(&entity).contains("heart rate uses the entity &hr;"),
        "{err}"
    );
    assert!(
        line(&bad_ref)
            .contains("heart rate has a character reference that is not a character: &#xFFFFFF;"),
        "{err}"
    );
    assert!(
        stdout(&out).ends_with("6 files: 0 sessions imported, 6 failed.\n"),
        "{}",
        stdout(&out)
    );
}

/// A FIT file with a valid checksum on which `fitparser` panics (a `timestamp` declared
/// sint64, 1e15 s: chrono overflows inside it). Before: the panic was caught, but the default
/// hook printed `thread 'main' panicked at ...` and a backtrace note above the one-line error.
#[test]
fn a_fit_file_that_trips_the_decoder_is_one_clear_line() {
    let sb = Sandbox::new();
    let mut data = vec![0x40, 0, 0, 20, 0, 2, 253, 8, 0x8E, 3, 1, 0x02, 0x00];
    data.extend_from_slice(&1_000_000_000_000_000i64.to_le_bytes());
    data.push(70);
    let mut f = vec![14u8, 0x10];
    f.extend_from_slice(&2093u16.to_le_bytes());
    f.extend_from_slice(&u32::try_from(data.len()).unwrap().to_le_bytes());
    f.extend_from_slice(b".FIT");
    let hcrc = crc16(&f);
    f.extend_from_slice(&hcrc.to_le_bytes());
    f.extend_from_slice(&data);
    let crc = crc16(&f);
    f.extend_from_slice(&crc.to_le_bytes());
    let path = sb.path("overflow.fit");
    std::fs::write(&path, f).unwrap();
    let out = sb.run(&["import", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(13), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        err.contains(&format!(
            "talkzone: {}: the file is damaged: the FIT decoder failed on a malformed message\n",
            path.display()
        )),
        "{err}"
    );
}
