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
    ("antfs-dump.63.fit", 685),
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
        FIT_COUNTS.len() + BROKEN.len() + 3,
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
            .contains("2 of 17 files could not be imported"),
        "{err}"
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
        let key = if name == "antfs-dump.63.fit" {
            "ANTFS-DUMP.63.FIT"
        } else {
            name
        };
        let r = &results[key];
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
    // A ride with long gaps (3 h 44 min of records over almost 6 h), 5-second sampling, and a
    // file whose every HR is 0.
    for name in [
        "2019-02-17-062644-ELEMNT-297E-195-0.fit",
        "antfs-dump.63.fit",
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
