//! Import benchmark: `interop::import_bytes` on the largest real file we have, the 1 MB,
//! 6.8 h multisport FIT file with 24,227 heart-rate records (tests/data/real). Covers
//! detection, framing and checksum checks, `fitparser` decoding, RR placement and hashing.
//!
//! Target: < 200 ms per file in a release build (so a folder of a year's workouts imports in
//! about a minute). For scale, the TCX export of the same session is measured too.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use talkzone::interop::{export_tcx, import_bytes, ExportMeta};

const FILE: &str = "activity-large-fenxi2-multisport.fit";

/// The time of the import (the file is from 2015).
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap()
}

fn bench_import(c: &mut Criterion) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/real")
        .join(FILE);
    let bytes = std::fs::read(&path).expect("the multisport test file");

    let mut g = c.benchmark_group("import");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(10));
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_function("fit_multisport_24227_records", |b| {
        b.iter(|| import_bytes(black_box(&bytes), FILE, now()).expect("imports"))
    });

    let imported = import_bytes(&bytes, FILE, now()).expect("imports");
    let activity = &imported.activities[0];
    let meta = ExportMeta {
        start: activity.start,
        sport: activity.sport.clone(),
        laps: Vec::new(),
    };
    g.throughput(Throughput::Elements(activity.readings.len() as u64));
    g.bench_function("export_tcx_24227_readings", |b| {
        b.iter(|| export_tcx(black_box(&meta), black_box(&activity.readings)))
    });
    g.finish();
}

criterion_group!(benches, bench_import);
criterion_main!(benches);
