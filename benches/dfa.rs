//! DFA alpha1 benchmark (issue 11): one 120 s window of ~240 beats (artifact rule, banded
//! smoothness-priors detrending, 13 box sizes from both ends: target < 50 us), the whole analysis
//! of a 24 h, 1 Hz session with RR (86,400 readings, ~130,000 beats, a window every 20 s:
//! target < 100 ms), and the same session fed reading by reading to `LiveDfa` (the live path).
//!
//! Run with `nice cargo bench --bench dfa`.

use std::hint::black_box;

use chrono::{DateTime, Utc};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use talkzone::physiology::dfa::{alpha1, analyse, analyse_beats, DfaOptions, LiveDfa};
use talkzone::reading::{Contact, Reading, Source};
use talkzone::source::simulator::{Phase, Workout};

/// A simulated session of `minutes` at `bpm`, one reading per packet (1 Hz).
fn session(minutes: u64, bpm: f64) -> Vec<Reading> {
    let start: DateTime<Utc> = DateTime::from_timestamp(1_714_521_600, 0).expect("a valid time");
    Workout::new(vec![Phase::steady("steady", minutes, bpm)], 7)
        .map(|p| Reading {
            t: start + chrono::Duration::from_std(p.offset).expect("offset"),
            hr: p.measurement.hr,
            contact: Contact::Detected,
            energy_kj: None,
            rr: p.measurement.rr,
            source: Source::Simulator,
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    // One window: 240 beats at 120 bpm.
    let window: Vec<f64> = session(3, 120.0)
        .iter()
        .flat_map(|r| r.rr.iter().map(|x| x.ms()))
        .take(240)
        .collect();
    let mut g = c.benchmark_group("dfa");
    g.throughput(Throughput::Elements(window.len() as u64));
    g.bench_function("one_window_240_beats", |b| {
        b.iter(|| analyse_beats(black_box(&window)))
    });
    g.bench_function("alpha1_only_240_beats", |b| {
        b.iter(|| alpha1(black_box(&window)))
    });

    // A day: 24 h at 90 bpm (~130,000 beats).
    let day = session(24 * 60, 90.0);
    let beats: usize = day.iter().map(|r| r.rr.len()).sum();
    eprintln!("24 h session: {} readings, {beats} beats", day.len());
    let opts = DfaOptions::default();
    g.throughput(Throughput::Elements(day.len() as u64));
    g.sample_size(10);
    g.bench_function("analyse_24h_1hz", |b| {
        b.iter(|| analyse(black_box(&day), &opts))
    });
    g.bench_function("live_24h_1hz", |b| {
        b.iter(|| {
            let mut live = LiveDfa::new(&opts);
            let mut n = 0;
            for r in &day {
                n += live.push(black_box(r)).len();
            }
            n + live.finish().len()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
