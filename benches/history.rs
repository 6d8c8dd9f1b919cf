//! Store benchmarks on a generated history (`scripts/make-history`, docs/storage-design.md §1
//! and §8): what the everyday commands ask of the database, as library calls, on the file at
//! `$TALKZONE_BENCH_DATA/talkzone.db` (a data dir; run any talkzone command on it once first so
//! it is migrated). Nothing is written. Without the variable it says so and measures nothing.
//!
//! `TALKZONE_BENCH_DATA=/work/wt/blocks-data/y10/data cargo bench --bench history`

use std::hint::black_box;
use std::path::PathBuf;

use chrono::Duration;
use criterion::{criterion_group, criterion_main, Criterion};
use talkzone::store::db::Db;

fn bench(c: &mut Criterion) {
    let Some(dir) = std::env::var_os("TALKZONE_BENCH_DATA").map(PathBuf::from) else {
        eprintln!("history: set TALKZONE_BENCH_DATA to a data dir made by scripts/make-history");
        return;
    };
    let db = Db::open(&dir).expect("open");
    let all = db.sessions().expect("sessions");
    let (newest, oldest) = (
        all.first().expect("a session"),
        all.last().expect("a session"),
    );
    let size = std::fs::metadata(db.path()).expect("size").len();
    let readings: usize = all
        .iter()
        .map(|s| db.readings(s.id).expect("readings").len())
        .sum();
    eprintln!(
        "history: {} sessions, {readings} readings, {size} bytes: {:.2} bytes a reading",
        all.len(),
        size as f64 / readings as f64
    );

    let mut g = c.benchmark_group("history");
    g.bench_function("open", |b| {
        b.iter(|| Db::open(black_box(&dir)).expect("open"))
    });
    g.bench_function("sessions_all", |b| {
        b.iter(|| db.sessions().expect("sessions"))
    });
    g.bench_function("last_session", |b| {
        b.iter(|| db.last_session().expect("last"))
    });
    g.bench_function("readings_newest", |b| {
        b.iter(|| db.readings(black_box(newest.id)).expect("readings"))
    });
    g.bench_function("readings_oldest", |b| {
        b.iter(|| db.readings(black_box(oldest.id)).expect("readings"))
    });
    g.bench_function("sessions_of_a_week", |b| {
        b.iter(|| {
            db.sessions_between(
                newest.start - Duration::days(7),
                newest.start + Duration::days(1),
            )
            .expect("week")
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
