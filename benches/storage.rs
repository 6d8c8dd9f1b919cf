//! Storage benchmarks: record a 24 h, 1 Hz session with RR intervals (86,400 readings) through
//! the `Recorder`, as a live session would (a monotonic `now` one second apart, so it commits
//! about every second), and load it back with `Db::readings`.
//!
//! Targets: recording < 50 us per reading amortised (criterion's throughput line gives
//! readings/s; time per iteration / 86,400 is the per-reading cost); loading < 10 ms (issue 10).
//! It also prints the file's bytes per reading for that day (blocks: docs/storage-design.md).

use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use talkzone::reading::{Contact, Reading, RrInterval, Source};
use talkzone::store::db::{Db, NewSession, SessionId};

#[path = "support/cpu.rs"]
mod cpu;
use cpu::cpu_ms_per;

const READINGS: usize = 86_400;

/// 2024-05-01 00:00:00 UTC.
fn day_start() -> DateTime<Utc> {
    DateTime::from_timestamp(1_714_521_600, 0).expect("a valid time")
}

/// A day at 1 Hz: heart rate drifting 55-150 bpm, one or two RR intervals per reading.
fn day_of_readings() -> Vec<Reading> {
    let start = day_start();
    (0..READINGS)
        .map(|i| {
            let hr = 55 + (i * 7 % 96) as u16;
            let rr_raw = (60.0 * 1024.0 / f64::from(hr)) as u16;
            let rr = if hr >= 90 {
                vec![RrInterval::Ticks(rr_raw), RrInterval::Ticks(rr_raw + 3)]
            } else {
                vec![RrInterval::Ticks(rr_raw)]
            };
            Reading {
                t: start + chrono::Duration::seconds(i as i64),
                hr,
                contact: Contact::Detected,
                energy_kj: (i % 10 == 0).then_some((i / 10) as u16),
                rr,
                source: Source::Ble,
            }
        })
        .collect()
}

fn new_db(dir: &tempfile::TempDir) -> (Db, SessionId) {
    let mut db = Db::open(dir.path()).expect("open");
    let id = db
        .start_session(&NewSession {
            start: day_start(),
            source: Source::Ble,
            device: None,
            zones_json: "{}".into(),
        })
        .expect("start");
    (db, id)
}

/// Push every reading with `now` one second apart, then flush.
fn record(db: &Db, id: SessionId, readings: &[Reading]) {
    let mut rec = db.recorder(id).expect("recorder");
    let t0 = Instant::now();
    for (i, r) in readings.iter().enumerate() {
        rec.push(r, t0 + Duration::from_secs(i as u64))
            .expect("push");
    }
    rec.flush().expect("flush");
}

fn bench_storage(c: &mut Criterion) {
    let readings = day_of_readings();

    let mut g = c.benchmark_group("storage");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(30));
    g.throughput(Throughput::Elements(READINGS as u64));
    g.bench_function("record_24h_1hz", |b| {
        b.iter_batched(
            || {
                let dir = tempfile::tempdir().expect("tempdir");
                let (db, id) = new_db(&dir);
                (dir, db, id)
            },
            |(dir, db, id)| {
                record(&db, id, &readings);
                (dir, db)
            },
            BatchSize::PerIteration,
        )
    });

    let dir = tempfile::tempdir().expect("tempdir");
    let (db, id) = new_db(&dir);
    record(&db, id, &readings);
    rusqlite::Connection::open(db.path())
        .and_then(|c| c.pragma_update(None, "wal_checkpoint", "TRUNCATE"))
        .expect("checkpoint");
    let size = std::fs::metadata(db.path()).expect("size").len();
    eprintln!(
        "storage: a 24 h 1 Hz day in a {size}-byte file: {:.2} bytes a reading",
        size as f64 / READINGS as f64
    );
    g.measurement_time(Duration::from_secs(10));
    g.bench_function("load_24h_1hz", |b| {
        b.iter(|| {
            let loaded = db.readings(black_box(id)).expect("readings");
            assert_eq!(loaded.len(), READINGS);
            loaded
        })
    });
    g.finish();
    eprintln!(
        "storage: load_24h_1hz takes {:.2} ms of CPU (this thread's user + system time, the mean \
         of 50; wall times swing with the machine's load)",
        cpu_ms_per(50, || {
            black_box(db.readings(id).expect("readings"));
        })
    );
}

criterion_group!(benches, bench_storage);
criterion_main!(benches);
