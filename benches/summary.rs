//! Summary benchmark: summarise a 24 h, 1 Hz session with RR intervals (86,400 readings) under
//! the default zone table, as `talkzone summary` and the end of `live` do. Target: < 20 ms.

use std::hint::black_box;

use chrono::{DateTime, Utc};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use talkzone::physiology::summary::{summarise, SummaryOptions};
use talkzone::physiology::zones::{zone_table, PersonInputs, ZoneConfig};
use talkzone::reading::{Contact, Reading, RrInterval, Source};

#[path = "support/cpu.rs"]
mod cpu;
use cpu::cpu_ms_per;

const READINGS: usize = 86_400;

/// A day at 1 Hz: heart rate sweeping 55-150 bpm through every zone, one or two RR each, and
/// a few seconds of lost contact every hour.
fn day_of_readings() -> Vec<Reading> {
    let start: DateTime<Utc> = DateTime::from_timestamp(1_714_521_600, 0).expect("a valid time");
    (0..READINGS)
        .map(|i| {
            let hr = 55 + (i * 7 % 96) as u16;
            let rr_raw = (60.0 * 1024.0 / f64::from(hr)) as u16;
            Reading {
                t: start + chrono::Duration::seconds(i as i64),
                hr,
                contact: if i % 3600 < 5 {
                    Contact::NotDetected
                } else {
                    Contact::Detected
                },
                energy_kj: None,
                rr: vec![RrInterval::Ticks(rr_raw), RrInterval::Ticks(rr_raw + 3)],
                source: Source::Ble,
            }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let readings = day_of_readings();
    let zones = zone_table(
        &ZoneConfig::default(),
        &PersonInputs {
            age: Some(40),
            resting_hr: Some(60),
            ..PersonInputs::default()
        },
    )
    .expect("zones");
    let opts = SummaryOptions::default();
    let mut g = c.benchmark_group("summary");
    g.throughput(Throughput::Elements(READINGS as u64));
    g.bench_function("summarise_24h_1hz", |b| {
        b.iter(|| summarise(black_box(&readings), &zones, &opts))
    });
    g.finish();
    eprintln!(
        "summary: summarise_24h_1hz takes {:.2} ms of CPU (the mean of 200)",
        cpu_ms_per(200, || {
            black_box(summarise(black_box(&readings), &zones, &opts));
        })
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
