//! Readiness benchmark: `trend` + `readiness` over 10 years of daily morning checks (3,650
//! days, a few missing each month, one check repeated now and then) with a daily training load
//! and hard days, as the `readiness` command would run it on a long-time user's data.
//!
//! Target: < 50 ms per `trend` + `readiness`. A second case asks for a row for every one of
//! the 3,650 days (`days_shown` = 3,650), the heaviest the trend chart could ask for.

use std::hint::black_box;

use chrono::NaiveDate;
use criterion::{criterion_group, criterion_main, Criterion};
use talkzone::physiology::baseline::{trend, BaselineConfig, DailyCheck};
use talkzone::physiology::readiness::{readiness, LoadInput, ReadinessConfig, Wellness};

const DAYS: i64 = 3_650;

/// A small deterministic generator (64-bit LCG), so every run sees the same history.
struct Lcg(u64);

impl Lcg {
    /// Uniform in [0, 1).
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn first_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2015, 1, 1).expect("a valid date")
}

struct History {
    checks: Vec<DailyCheck>,
    daily_load: Vec<(NaiveDate, f64)>,
    hard_days: Vec<NaiveDate>,
    today: NaiveDate,
}

fn ten_years() -> History {
    let mut rng = Lcg(42);
    let mut checks = Vec::new();
    let mut daily_load = Vec::new();
    let mut hard_days = Vec::new();
    for d in 0..DAYS {
        let date = first_day() + chrono::Duration::days(d);
        let season = (d as f64 / 365.0 * std::f64::consts::TAU).sin();
        if rng.next() > 0.1 {
            let check = DailyCheck {
                date,
                resting_hr: 55.0 + 2.0 * season + 3.0 * (rng.next() - 0.5),
                ln_rmssd: 4.0 - 0.1 * season + 0.3 * (rng.next() - 0.5),
            };
            checks.push(check);
            if rng.next() < 0.05 {
                // A retake on the same morning.
                checks.push(DailyCheck {
                    resting_hr: check.resting_hr - 1.0,
                    ..check
                });
            }
        }
        if rng.next() > 0.3 {
            let load = 40.0 + 120.0 * rng.next();
            daily_load.push((date, load));
            if load > 130.0 {
                hard_days.push(date);
            }
        }
    }
    History {
        checks,
        daily_load,
        hard_days,
        today: first_day() + chrono::Duration::days(DAYS - 1),
    }
}

fn bench(c: &mut Criterion) {
    let h = ten_years();
    let load = LoadInput {
        daily: &h.daily_load,
        hard_days: &h.hard_days,
    };
    let wellness = Wellness {
        sleep_quality: Some(3),
        soreness: Some(2),
        ..Wellness::default()
    };
    let readiness_cfg = ReadinessConfig::default();

    let cfg = BaselineConfig::default();
    c.bench_function("trend + readiness, 3650 days, 28 rows", |b| {
        b.iter(|| {
            let t = trend(black_box(&h.checks), h.today, &cfg);
            black_box(readiness(&t, &load, Some(&wellness), &readiness_cfg))
        })
    });

    let all_rows = BaselineConfig {
        days_shown: DAYS as usize,
        ..BaselineConfig::default()
    };
    c.bench_function("trend + readiness, 3650 days, 3650 rows", |b| {
        b.iter(|| {
            let t = trend(black_box(&h.checks), h.today, &all_rows);
            black_box(readiness(&t, &load, Some(&wellness), &readiness_cfg))
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
