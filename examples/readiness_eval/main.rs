//! The readiness evaluation of issue 13: many synthetic morning histories replayed through the
//! real `talkzone` binary, the verdict of every day read back with `readiness --date`, and the
//! false-alarm rate and overload detection delays that come out. Then the same daily values
//! re-judged by candidate rules re-implemented here, to show which rule meets the targets
//! (docs/science.md §5, §12).
//!
//! Run it with `scripts/readiness-eval [OPTIONS]`, which builds the release binary and this
//! example (or `cargo run --release --example readiness_eval -- --talkzone PATH`); `--help`
//! lists the options. `tests/readiness_eval.rs` includes this file as a module
//! and runs [`run`] with `--small` through the test build of the binary.
//!
//! # One history
//! A fresh data dir (and HOME, no config file, `TZ=UTC`, a system bus that does not exist).
//! 1. [`plan`] draws the intended daily values (resting HR, lnRMSSD) of the history's [`Kind`]:
//!    a person's level (resting HR 48-62 bpm, lnRMSSD 3.5-4.2) plus independent Gaussian
//!    day-to-day noise (correlation `--rho`, default 0), with the kind's perturbation.
//! 2. [`synth_morning`] turns each intended morning into RR intervals whose metrics AS TALKZONE
//!    COMPUTES THEM ([`morning_metrics`]: the 60 s settle drop, the cleaning, the lowest 30-beat
//!    mean, RMSSD of successive differences) hit the intended values: a breathing sine (3.4-4.6
//!    beats a breath), a slow wave and bounded noise, scaled and shifted by a few iterations on
//!    the exact 1/1024 s grid, every beat within the cleaning's 20 % rules so none is dropped.
//!    [`capture_text`] writes them as a capture: one 0x2A37 packet a second carrying the beats
//!    that ended in the second before it (as the simulator and a Polar H10 do), 175 s long.
//! 3. `talkzone morning --replay FILE --fast --no-questions --json --duration 180 --settle 60`
//!    per morning (the capture's times decide the date), its reported resting HR and lnRMSSD
//!    compared with the intended ones and with the library's own computation of the same RR.
//! 4. `talkzone readiness --date D --json` for EVERY calendar day of the history.
//!
//! # What is counted
//! A day is JUDGED when the binary had a normal range and a 7-day mean for it (14 checks before
//! the week, 3 in it). A STEADY day is a judged day outside an overload (bad mornings and the
//! days after them included: they are what a healthy person has). An ALARM is any verdict other
//! than `ready`. Overload days are numbered from 1, the first overloaded morning (+1 bpm,
//! -0.04 lnRMSSD); the delay is the first day >= 1 with an alarm, and with `scale_back`.
//!
//! # Rules re-judged here
//! [`rules`] re-implements the physiological part of the verdict (the histories have no
//! training and no answers, so nothing else can fire) on the daily values the binary reported:
//! `current` is today's rule (rule P of docs/science.md §12) and must agree with the binary on
//! every day (checked and printed), which validates the re-implementation; the others are the
//! rule before issue 13 (`before`) and the proposal's steps from it, and `--grid` searches many
//! more. `--offline` skips the binary and judges the
//! planned values directly (the binary reports them within 0.02 bpm and 0.002 lnRMSSD), for
//! thousands of histories in seconds.
//!
//! # Why Rust and not Python
//! The project's tests must not need Python; a Rust example can be included by the test as a
//! module, and it writes the captures with the product's own 0x2A37 encoder and capture
//! writer and checks its RR with the product's own `morning_metrics`, so the synthetic data
//! cannot drift from what the binary reads.

use std::f64::consts::TAU;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use chrono::{Days, NaiveDate, TimeZone, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use talkzone::event::Packet;
use talkzone::physiology::hrv::morning_metrics;
use talkzone::protocol::capture::packet_line;
use talkzone::protocol::heart_rate::{encode, HrFormat, Measurement};
use talkzone::reading::{Contact, RrInterval};

mod rules;

/// Day-to-day SDs of the "realistic" kinds (issue 13; Buchheit 2014's ~10 % typical error is
/// the upper end for resting HR).
const REALISTIC_SD: (f64, f64) = (2.0, 0.2);
/// Day-to-day SDs of the very quiet kind (issue 13).
const QUIET_SD: (f64, f64) = (1.2, 0.03);
/// The overload: this many days of +1 bpm and -0.04 lnRMSSD a day, then a plateau.
const OVERLOAD_DAYS: usize = 10;
const OVERLOAD_RHR_PER_DAY: f64 = 1.0;
const OVERLOAD_LN_PER_DAY: f64 = -0.04;
/// The capture: 175 s of packets, replayed with a 180 s duration so all of it is used, and the
/// first 60 s dropped as settling (the defaults of [morning]).
const CAPTURE_S: u32 = 175;
const DURATION_S: &str = "180";
const SETTLE_S: f64 = 60.0;
/// The last day of every history (its first is `days - 1` before).
const LAST_DAY: (i32, u32, u32) = (2026, 11, 30);
/// The verdict's targets (issue 13).
const TARGET_TAKE_IT_EASY: f64 = 0.05;
const TARGET_FIRST_ALARM_DAY: usize = 5;
const TARGET_SCALE_BACK_DAY: usize = 10;

/// What a history looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Realistic noise: resting HR SD 2 bpm, lnRMSSD SD 0.2.
    Steady,
    /// Resting HR SD 1.2 bpm, lnRMSSD SD 0.03.
    Quiet,
    /// Steady, with one or two mornings far off (+8-12 bpm and -0.6 to -1.0 lnRMSSD together),
    /// at least 10 days apart.
    BadMornings,
    /// Steady, then from 70 % of the history (day 71 of 100) 10 days of +1 bpm and -0.04
    /// lnRMSSD a day, then a plateau.
    Overload,
    /// Steady, with a tenth of the mornings missing at random and two gaps of 3-8 days.
    Gaps,
}

/// The order kinds are dealt in: history `i` is `KINDS[i % 5]`.
pub const KINDS: [Kind; 5] = [
    Kind::Steady,
    Kind::Overload,
    Kind::BadMornings,
    Kind::Quiet,
    Kind::Gaps,
];

impl Kind {
    pub fn id(self) -> &'static str {
        match self {
            Kind::Steady => "steady",
            Kind::Quiet => "quiet",
            Kind::BadMornings => "bad_mornings",
            Kind::Overload => "overload",
            Kind::Gaps => "gaps",
        }
    }

    fn sd(self) -> (f64, f64) {
        match self {
            Kind::Quiet => QUIET_SD,
            _ => REALISTIC_SD,
        }
    }
}

/// Command-line options.
#[derive(Debug, Clone)]
pub struct Options {
    pub talkzone: PathBuf,
    pub histories: usize,
    pub days: usize,
    pub seed: u64,
    pub jobs: usize,
    /// Correlation of the daily resting-HR and lnRMSSD noise.
    pub rho: f64,
    pub json: bool,
    pub small: bool,
    /// Keep the data dirs (their paths are printed).
    pub keep: bool,
    /// Also write the JSON results here.
    pub save: Option<PathBuf>,
    /// Judge the planned values with the rules only: no binary (for many histories).
    pub offline: bool,
    /// Also search the grid of rules ([`rules::grid`]) and list the best `grid_top`.
    pub grid: bool,
    pub grid_top: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            talkzone: PathBuf::from("target/release/talkzone"),
            histories: 50,
            days: 100,
            seed: 1,
            jobs: 2,
            rho: 0.0,
            json: false,
            small: false,
            keep: false,
            save: None,
            offline: false,
            grid: false,
            grid_top: 25,
        }
    }
}

const USAGE: &str = "usage: readiness-eval [--talkzone PATH] [--histories N] [--days N] [--seed N]
                      [--jobs N] [--rho R] [--small] [--json] [--keep]
                      [--save FILE] [--offline] [--grid] [--grid-top N]
  --talkzone PATH  the binary to evaluate (default target/release/talkzone)
  --histories N    histories, dealt round the kinds steady, overload, bad_mornings, quiet,
                   gaps (default 50)
  --days N         days per history, at least 40 (default 100; the overload starts at 70 %)
  --seed N         seed of everything random (default 1)
  --jobs N         histories replayed in parallel (default 2)
  --rho R          correlation of the daily resting-HR and lnRMSSD noise, -0.9..0.9 (default 0)
  --small          a quick version for the test suite: 3 histories (steady, overload, bad
                   mornings) of 45 days
  --json           machine-readable results on stdout
  --keep           keep each history's data dir (printed)
  --save FILE      also write the JSON results to FILE
  --offline        no binary: judge the planned daily values with the rules only (for many
                   histories; the binary reports them within 0.01 bpm and 0.01 lnRMSSD)
  --grid           also try every rule of the grid (rules.rs) and list the best that keep
                   take_it_easy within 5 % of steady days (the best 25, or N with
                   --grid-top N)";

impl Options {
    /// Parse the arguments after the program name.
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Options, String> {
        let mut o = Options::default();
        let mut args = args.into_iter();
        let mut explicit = (false, false);
        while let Some(a) = args.next() {
            let mut value = |name: &str| {
                args.next()
                    .ok_or_else(|| format!("{name} needs a value\n{USAGE}"))
            };
            let number = |name: &str, v: String| {
                v.parse::<u64>()
                    .map_err(|_| format!("{name} {v}: not a whole number"))
            };
            match a.as_str() {
                "--talkzone" => o.talkzone = PathBuf::from(value("--talkzone")?),
                "--histories" => {
                    o.histories = number("--histories", value("--histories")?)? as usize;
                    explicit.0 = true;
                }
                "--days" => {
                    o.days = number("--days", value("--days")?)? as usize;
                    explicit.1 = true;
                }
                "--seed" => o.seed = number("--seed", value("--seed")?)?,
                "--jobs" => o.jobs = number("--jobs", value("--jobs")?)?.max(1) as usize,
                "--rho" => {
                    let v = value("--rho")?;
                    o.rho = v
                        .parse::<f64>()
                        .ok()
                        .filter(|r| (-0.9..=0.9).contains(r))
                        .ok_or_else(|| format!("--rho {v}: a number in -0.9..0.9"))?;
                }
                "--small" => o.small = true,
                "--json" => o.json = true,
                "--keep" => o.keep = true,
                "--offline" => o.offline = true,
                "--grid" => o.grid = true,
                "--grid-top" => {
                    o.grid = true;
                    o.grid_top = number("--grid-top", value("--grid-top")?)? as usize;
                }
                "--save" => o.save = Some(PathBuf::from(value("--save")?)),
                "-h" | "--help" => return Err(USAGE.to_string()),
                other => return Err(format!("unknown option {other}\n{USAGE}")),
            }
        }
        if o.small {
            if !explicit.0 {
                o.histories = 3;
            }
            if !explicit.1 {
                o.days = 45;
            }
        }
        if o.days < 40 {
            return Err(format!(
                "--days {}: at least 40 (a baseline takes 21 days, the overload 10)",
                o.days
            ));
        }
        if o.histories == 0 {
            return Err("--histories 0: nothing to evaluate".into());
        }
        Ok(o)
    }
}

// ---------------------------------------------------------------------------------------------
// Planning a history

/// One intended morning.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Target {
    pub rhr: f64,
    pub ln: f64,
}

/// The intended days of one history.
#[derive(Debug, Clone)]
pub struct Plan {
    pub index: usize,
    pub kind: Kind,
    pub seed: u64,
    pub first_day: NaiveDate,
    /// One entry per calendar day; `None` = no check that day.
    pub days: Vec<Option<Target>>,
    /// Index of the first overloaded morning.
    pub overload_start: Option<usize>,
    /// Indices of the bad mornings.
    pub bad_days: Vec<usize>,
}

impl Plan {
    /// Days whose value is the person's level plus noise only (no bad morning, no overload):
    /// the days the achieved day-to-day SD is measured on.
    fn is_plain(&self, i: usize) -> bool {
        !self.bad_days.contains(&i) && self.overload_start.map_or(true, |s| i < s)
    }

    fn date(&self, i: usize) -> NaiveDate {
        self.first_day
            .checked_add_days(Days::new(i as u64))
            .unwrap_or(self.first_day)
    }
}

/// A standard normal draw (Box-Muller).
fn normal(rng: &mut StdRng) -> f64 {
    let u1: f64 = rng.gen_range(f64::EPSILON..1.0);
    let u2: f64 = rng.gen();
    (-2.0 * u1.ln()).sqrt() * (TAU * u2).cos()
}

/// The seed of history `index`: SplitMix64 of the run's seed and the index.
fn history_seed(seed: u64, index: usize) -> u64 {
    let mut z = seed
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(index as u64 + 1);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The overload's first day for a history of `days` days (day 71 of 100).
pub fn overload_start(days: usize) -> usize {
    days * 7 / 10
}

/// Plan history `index` of kind `kind`.
pub fn plan(index: usize, kind: Kind, opts: &Options) -> Plan {
    let seed = history_seed(opts.seed, index);
    let mut rng = StdRng::seed_from_u64(seed);
    let n = opts.days;
    let (sd_rhr, sd_ln) = kind.sd();
    let level = Target {
        rhr: rng.gen_range(48.0..62.0),
        ln: rng.gen_range(3.5..4.2),
    };
    let rho = opts.rho;
    let mut days: Vec<Option<Target>> = (0..n)
        .map(|_| {
            let z1 = normal(&mut rng);
            let z2 = normal(&mut rng);
            Some(Target {
                rhr: level.rhr + sd_rhr * z1,
                ln: level.ln + sd_ln * (rho * z1 + (1.0 - rho * rho).sqrt() * z2),
            })
        })
        .collect();
    let mut bad_days = Vec::new();
    let mut start = None;
    match kind {
        Kind::Steady | Kind::Quiet => {}
        Kind::BadMornings => {
            let count = rng.gen_range(1..=2);
            while bad_days.len() < count {
                let d = rng.gen_range(28..n);
                if bad_days.iter().all(|b: &usize| b.abs_diff(d) >= 10) {
                    bad_days.push(d);
                } else if n < 50 {
                    break;
                }
            }
            bad_days.sort_unstable();
            for &d in &bad_days {
                if let Some(t) = days[d].as_mut() {
                    t.rhr += rng.gen_range(8.0..12.0);
                    t.ln -= rng.gen_range(0.6..1.0);
                }
            }
        }
        Kind::Overload => {
            let s = overload_start(n);
            start = Some(s);
            for (i, t) in days.iter_mut().enumerate().skip(s) {
                if let Some(t) = t.as_mut() {
                    let step = (i - s + 1).min(OVERLOAD_DAYS) as f64;
                    t.rhr += OVERLOAD_RHR_PER_DAY * step;
                    t.ln += OVERLOAD_LN_PER_DAY * step;
                }
            }
        }
        Kind::Gaps => {
            for t in days.iter_mut().skip(1) {
                if rng.gen_bool(0.1) {
                    *t = None;
                }
            }
            for _ in 0..2 {
                let len = rng.gen_range(3..=8);
                let from = rng.gen_range(22..n - 10);
                for t in days.iter_mut().skip(from).take(len) {
                    *t = None;
                }
            }
        }
    }
    let last = NaiveDate::from_ymd_opt(LAST_DAY.0, LAST_DAY.1, LAST_DAY.2).unwrap_or_default();
    Plan {
        index,
        kind,
        seed,
        first_day: last
            .checked_sub_days(Days::new(n as u64 - 1))
            .unwrap_or(last),
        days,
        overload_start: start,
        bad_days,
    }
}

// ---------------------------------------------------------------------------------------------
// One synthetic morning

/// A morning's RR intervals (1/1024 s) and what talkzone's own code makes of them.
#[derive(Debug, Clone)]
pub struct Morning {
    pub rr: Vec<u16>,
    /// Resting HR (lowest 30-beat mean) and lnRMSSD by [`morning_metrics`] on `rr`.
    pub rhr: f64,
    pub ln: f64,
    pub rejected: usize,
}

/// RR for `target`: see the module documentation. Never fails; the result says what it
/// achieved (normally within 0.01 bpm and 0.001 lnRMSSD, every beat accepted). A shape whose
/// beats the cleaning would reject (an extreme morning: high RMSSD at a high rate), or that
/// does not settle within 0.02 bpm and 0.002 lnRMSSD (the lowest 30-beat window or the settle
/// boundary jumping between iterations), is drawn again, up to 8 times.
pub fn synth_morning(target: Target, rng: &mut StdRng) -> Morning {
    let good = |m: &Morning| {
        m.rejected == 0 && (m.rhr - target.rhr).abs() < 0.02 && (m.ln - target.ln).abs() < 0.002
    };
    let mut best = fit_shape(target, rng);
    for _ in 0..8 {
        if good(&best) {
            break;
        }
        let next = fit_shape(target, rng);
        if next.rejected <= best.rejected {
            best = next;
        }
    }
    best
}

/// One draw of [`synth_morning`]: a shape, scaled and shifted until its metrics hit `target`.
fn fit_shape(target: Target, rng: &mut StdRng) -> Morning {
    let period = rng.gen_range(3.4..4.6);
    let phase = rng.gen_range(0.0..TAU);
    let slow_period = rng.gen_range(30.0..60.0);
    let slow_phase = rng.gen_range(0.0..TAU);
    let shape: Vec<f64> = (0..400)
        .map(|k| {
            let k = f64::from(k);
            (TAU * k / period + phase).sin()
                + 0.6 * (TAU * k / slow_period + slow_phase).sin()
                + 0.2 * normal(rng).clamp(-2.5, 2.5)
        })
        .collect();
    let shape_rmssd = (shape.windows(2).map(|w| (w[1] - w[0]).powi(2)).sum::<f64>()
        / (shape.len() - 1) as f64)
        .sqrt();
    let mut amp = target.ln.exp() / shape_rmssd;
    let mut mean_ms = 60_000.0 / target.rhr;
    let mut best = Morning {
        rr: Vec::new(),
        rhr: f64::NAN,
        ln: f64::NAN,
        rejected: usize::MAX,
    };
    for _ in 0..16 {
        let mut rr = Vec::new();
        let mut end_ms = 0.0;
        for s in &shape {
            let raw = RrInterval::from_ms(mean_ms + amp * s);
            if end_ms + raw.ms() > f64::from(CAPTURE_S) * 1000.0 {
                break;
            }
            end_ms += raw.ms();
            rr.push(raw.raw());
        }
        let ms: Vec<f64> = rr.iter().map(|&r| RrInterval::Ticks(r).ms()).collect();
        let Ok(m) = morning_metrics(&ms, SETTLE_S) else {
            break;
        };
        let m = m.metrics;
        best = Morning {
            rr,
            rhr: m.resting_hr_lowest_30_beats,
            ln: m.ln_rmssd,
            rejected: m.rr_count - m.nn_count,
        };
        if (m.resting_hr_lowest_30_beats - target.rhr).abs() < 0.01
            && (m.ln_rmssd - target.ln).abs() < 0.001
        {
            break;
        }
        amp *= (target.ln - m.ln_rmssd).exp();
        mean_ms += 60_000.0 / target.rhr - 60_000.0 / m.resting_hr_lowest_30_beats;
    }
    best
}

/// The capture of a morning starting at `start`: packet n at n seconds (n = 0..=175) with the
/// beats that ended in ((n-1) s, n s]; HR = round(60000 / mean of those RR), or of the last
/// beat; contact detected, uint8 HR, RR flag always set (like the simulator).
pub fn capture_text(start: chrono::DateTime<Utc>, rr: &[u16]) -> String {
    let mut text = String::new();
    let mut next = 0;
    let mut end_ms = 0.0;
    let mut hr = rr.first().map_or(60, |&r| {
        (60_000.0 / RrInterval::Ticks(r).ms()).round() as u16
    });
    for n in 0..=CAPTURE_S {
        let mut batch = Vec::new();
        while let Some(&r) = rr.get(next) {
            let ms = RrInterval::Ticks(r).ms();
            if end_ms + ms > f64::from(n) * 1000.0 {
                break;
            }
            end_ms += ms;
            batch.push(RrInterval::Ticks(r));
            next += 1;
        }
        if !batch.is_empty() {
            let mean = batch.iter().map(|r| r.ms()).sum::<f64>() / batch.len() as f64;
            hr = (60_000.0 / mean).round() as u16;
        }
        let packet = Packet {
            t: start + chrono::Duration::seconds(i64::from(n)),
            bytes: encode(&Measurement {
                hr,
                hr_format: HrFormat::U8,
                contact: Contact::Detected,
                energy_kj: None,
                rr_present: true,
                rr: batch,
            }),
        };
        text.push_str(&packet_line(&packet));
        text.push('\n');
    }
    text
}

// ---------------------------------------------------------------------------------------------
// Running the binary

/// A private world for one history (like tests/support/sandbox.rs).
struct World<'a> {
    talkzone: &'a Path,
    dir: &'a Path,
}

impl World<'_> {
    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(self.talkzone);
        c.env_remove("TALKZONE_CONFIG")
            .env_remove("TALKZONE_DATA")
            .env_remove("XDG_CONFIG_HOME")
            .env_remove("XDG_DATA_HOME")
            .env("HOME", self.dir)
            .env("TZ", "UTC")
            .env(
                "DBUS_SYSTEM_BUS_ADDRESS",
                format!("unix:path={}", self.dir.join("no-bus").display()),
            )
            .arg("--data-dir")
            .arg(self.dir.join("data"))
            .args(args)
            .stdin(Stdio::null());
        c
    }

    /// Run, insist on success, return stdout.
    fn text(&self, args: &[&str]) -> Result<String, String> {
        let out = self
            .command(args)
            .output()
            .map_err(|e| format!("cannot run {}: {e}", self.talkzone.display()))?;
        if !out.status.success() {
            return Err(format!(
                "talkzone {} failed ({}): {}",
                args.join(" "),
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        String::from_utf8(out.stdout).map_err(|e| format!("talkzone {args:?}: not UTF-8: {e}"))
    }

    fn json(&self, args: &[&str]) -> Result<Value, String> {
        let text = self.text(args)?;
        serde_json::from_str(&text).map_err(|e| format!("talkzone {args:?}: not JSON ({e})"))
    }
}

/// What the binary made of one morning.
#[derive(Debug, Clone, Copy)]
pub struct Reported {
    pub rhr: f64,
    pub ln: f64,
    /// The same from the library on the same RR (they must agree).
    pub lib_rhr: f64,
    pub lib_ln: f64,
    pub rr_used: u64,
    pub rr_total: u64,
}

/// One calendar day of a history as the binary judged it.
#[derive(Debug, Clone)]
pub struct DayOut {
    pub target: Option<Target>,
    pub reported: Option<Reported>,
    pub verdict: String,
    pub signals: Vec<String>,
    /// The binary had a normal range and a 7-day mean.
    pub judged: bool,
    /// The binary had a normal range (baseline ready), judged or not.
    pub has_range: bool,
    pub window_checks: u64,
    /// The lnRMSSD and resting-HR bands of that day.
    pub ln_band: Option<(f64, f64)>,
    pub rhr_band: Option<(f64, f64)>,
    /// The verdict `morning --json` printed that morning (must equal `verdict`).
    pub morning_verdict: Option<String>,
}

/// A history and what came of it.
#[derive(Debug, Clone)]
pub struct HistoryOut {
    pub plan: Plan,
    pub days: Vec<DayOut>,
    pub dir: Option<PathBuf>,
}

fn band(v: &Value) -> Option<(f64, f64)> {
    Some((v["low"].as_f64()?, v["high"].as_f64()?))
}

/// Replay one history through the binary and read every day's verdict.
pub fn run_history(opts: &Options, plan: Plan) -> Result<HistoryOut, String> {
    let tmp = tempfile::Builder::new()
        .prefix("talkzone-readiness-eval-")
        .tempdir()
        .map_err(|e| format!("cannot make a temporary dir: {e}"))?;
    let world = World {
        talkzone: &opts.talkzone,
        dir: tmp.path(),
    };
    let mut rng = StdRng::seed_from_u64(plan.seed ^ 0x5EED);
    let capture = tmp.path().join("morning.jsonl");
    let capture_arg = capture.to_string_lossy().into_owned();
    let mut days = Vec::with_capacity(plan.days.len());
    for (i, target) in plan.days.iter().enumerate() {
        let mut day = DayOut {
            target: *target,
            reported: None,
            verdict: String::new(),
            signals: Vec::new(),
            judged: false,
            has_range: false,
            window_checks: 0,
            ln_band: None,
            rhr_band: None,
            morning_verdict: None,
        };
        if let Some(target) = target {
            let m = synth_morning(*target, &mut rng);
            let minute = rng.gen_range(0..60);
            let start = Utc.from_utc_datetime(
                &plan
                    .date(i)
                    .and_hms_opt(6, 0, 0)
                    .unwrap_or_default()
                    .checked_add_signed(chrono::Duration::minutes(minute))
                    .unwrap_or_default(),
            );
            std::fs::write(&capture, capture_text(start, &m.rr))
                .map_err(|e| format!("cannot write {}: {e}", capture.display()))?;
            let v = world.json(&[
                "morning",
                "--replay",
                &capture_arg,
                "--fast",
                "--no-questions",
                "--json",
                "--duration",
                DURATION_S,
                "--settle",
                "60",
            ])?;
            if v["date"].as_str() != Some(plan.date(i).to_string().as_str()) {
                return Err(format!(
                    "history {}: the morning of {} was stored as {}",
                    plan.index,
                    plan.date(i),
                    v["date"]
                ));
            }
            day.reported = Some(Reported {
                rhr: v["resting_hr"].as_f64().unwrap_or(f64::NAN),
                ln: v["ln_rmssd"].as_f64().unwrap_or(f64::NAN),
                lib_rhr: m.rhr,
                lib_ln: m.ln,
                rr_used: v["rr_used"].as_u64().unwrap_or(0),
                rr_total: v["rr_total"].as_u64().unwrap_or(0),
            });
            day.morning_verdict = v["readiness"]["verdict"].as_str().map(str::to_owned);
        }
        days.push(day);
    }
    for (i, day) in days.iter_mut().enumerate() {
        let date = plan.date(i).to_string();
        let v = world.json(&["readiness", "--date", &date, "--json"])?;
        day.verdict = v["verdict"].as_str().unwrap_or("?").to_owned();
        day.signals = v["signals"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s["id"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        let b = &v["baseline"];
        day.has_range = b["rhr_range"].is_object() && b["ln_rmssd_range"].is_object();
        day.judged = day.has_range && b["rhr_7d"].is_number() && b["ln_rmssd_7d"].is_number();
        day.window_checks = b["window_checks"].as_u64().unwrap_or(0);
        day.ln_band = band(&b["ln_rmssd_range"]);
        day.rhr_band = band(&b["rhr_range"]);
    }
    let dir = opts.keep.then(|| tmp.keep());
    Ok(HistoryOut { plan, days, dir })
}

/// The plans of every history: history `i` is of kind `KINDS[i % 5]`.
pub fn plans(opts: &Options) -> Vec<Plan> {
    (0..opts.histories)
        .map(|i| plan(i, KINDS[i % KINDS.len()], opts))
        .collect()
}

/// Plan and replay every history, `opts.jobs` at a time. Histories come back in order.
pub fn run_histories(opts: &Options) -> Result<Vec<HistoryOut>, String> {
    let plans = plans(opts);
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<HistoryOut, String>>>> =
        Mutex::new(vec![None; plans.len()]);
    std::thread::scope(|s| {
        for _ in 0..opts.jobs.min(plans.len()) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(p) = plans.get(i) else { break };
                let r = run_history(opts, p.clone());
                let failed = r.is_err();
                if let Ok(mut all) = results.lock() {
                    all[i] = Some(r);
                }
                if failed {
                    next.store(plans.len(), Ordering::Relaxed);
                }
            });
        }
    });
    let all = results
        .into_inner()
        .map_err(|_| "a worker panicked".to_string())?;
    let mut out = Vec::with_capacity(all.len());
    for r in all.into_iter().flatten() {
        out.push(r?);
    }
    if out.len() != plans.len() {
        return Err("not every history ran".into());
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Summaries

fn median_range(v: &[usize]) -> Value {
    if v.is_empty() {
        return json!(null);
    }
    let mut s = v.to_vec();
    s.sort_unstable();
    let median = if s.len() % 2 == 1 {
        s[s.len() / 2] as f64
    } else {
        (s[s.len() / 2 - 1] + s[s.len() / 2]) as f64 / 2.0
    };
    json!({"median": median, "min": s[0], "max": s[s.len() - 1], "n": s.len()})
}

fn share(count: usize, of: usize) -> f64 {
    if of == 0 {
        0.0
    } else {
        count as f64 / of as f64
    }
}

/// Verdict counts on the steady days of a set of histories, and overload delays.
#[derive(Debug, Default, Clone)]
struct Tally {
    steady_days: usize,
    take_it_easy: usize,
    scale_back: usize,
    signals: std::collections::BTreeMap<String, usize>,
    first_alarm: Vec<usize>,
    first_scale_back: Vec<usize>,
    overloads: usize,
    never_alarm: usize,
    never_scale_back: usize,
}

impl Tally {
    /// Count one history's verdicts (`verdicts[i]`, `signals[i]`); `judged[i]` says the day
    /// had a range and a 7-day mean.
    fn add(&mut self, plan: &Plan, judged: &[bool], verdicts: &[&str], signals: &[Vec<String>]) {
        let steady_until = plan.overload_start.unwrap_or(plan.days.len());
        for i in 0..steady_until {
            if !judged[i] {
                continue;
            }
            self.steady_days += 1;
            match verdicts[i] {
                "take_it_easy" => self.take_it_easy += 1,
                "scale_back" => self.scale_back += 1,
                _ => {}
            }
            if verdicts[i] != "ready" {
                let mut ids = signals[i].clone();
                ids.sort();
                *self.signals.entry(ids.join("+")).or_default() += 1;
            }
        }
        if let Some(s) = plan.overload_start {
            self.overloads += 1;
            let after = |want: &dyn Fn(&str) -> bool| {
                (s..verdicts.len())
                    .find(|&i| want(verdicts[i]))
                    .map(|i| i - s + 1)
            };
            match after(&|v| v != "ready") {
                Some(d) => self.first_alarm.push(d),
                None => self.never_alarm += 1,
            }
            match after(&|v| v == "scale_back") {
                Some(d) => self.first_scale_back.push(d),
                None => self.never_scale_back += 1,
            }
        }
    }

    fn to_json(&self) -> Value {
        json!({
            "steady_days": self.steady_days,
            "take_it_easy": self.take_it_easy,
            "scale_back": self.scale_back,
            "take_it_easy_share": share(self.take_it_easy, self.steady_days),
            "scale_back_share": share(self.scale_back, self.steady_days),
            "alarm_signals": self.signals,
            "overloads": self.overloads,
            "first_alarm_day": median_range(&self.first_alarm),
            "scale_back_day": median_range(&self.first_scale_back),
            "never_alarm": self.never_alarm,
            "never_scale_back": self.never_scale_back,
            "alarm_within_target": self.first_alarm.iter().filter(|&&d| d <= TARGET_FIRST_ALARM_DAY).count(),
            "scale_back_within_target": self.first_scale_back.iter().filter(|&&d| d <= TARGET_SCALE_BACK_DAY).count(),
        })
    }

    /// Whether the targets are met: take_it_easy on at most 5 % of steady days, never
    /// scale_back on them, every overload flagged by day 5 and told to scale back by day 10.
    fn meets_targets(&self) -> bool {
        share(self.take_it_easy, self.steady_days) <= TARGET_TAKE_IT_EASY
            && self.scale_back == 0
            && self.never_alarm == 0
            && self.never_scale_back == 0
            && self
                .first_alarm
                .iter()
                .all(|&d| d <= TARGET_FIRST_ALARM_DAY)
            && self
                .first_scale_back
                .iter()
                .all(|&d| d <= TARGET_SCALE_BACK_DAY)
    }
}

fn sd(values: &[f64]) -> Option<f64> {
    let n = values.len();
    if n < 2 {
        return None;
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    Some((values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt())
}

fn mean(values: &[f64]) -> f64 {
    if values.is_empty() {
        f64::NAN
    } else {
        values.iter().sum::<f64>() / values.len() as f64
    }
}

/// The checks of the synthetic data against the intended values, per kind.
fn data_checks(histories: &[HistoryOut]) -> Value {
    let mut mornings = 0usize;
    let mut rejected_beats = 0u64;
    let mut max_rhr_err: f64 = 0.0;
    let mut max_ln_err: f64 = 0.0;
    let mut max_lib_diff: f64 = 0.0;
    let mut verdict_mismatch = 0usize;
    let mut per_kind = serde_json::Map::new();
    for kind in KINDS {
        let (mut planned_rhr, mut planned_ln, mut got_rhr, mut got_ln) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let mut n = 0;
        for h in histories.iter().filter(|h| h.plan.kind == kind) {
            n += 1;
            let plain: Vec<(Target, Reported)> = h
                .days
                .iter()
                .enumerate()
                .filter(|(i, _)| h.plan.is_plain(*i))
                .filter_map(|(_, d)| Some((d.target?, d.reported?)))
                .collect();
            let t_rhr: Vec<f64> = plain.iter().map(|p| p.0.rhr).collect();
            let t_ln: Vec<f64> = plain.iter().map(|p| p.0.ln).collect();
            let r_rhr: Vec<f64> = plain.iter().map(|p| p.1.rhr).collect();
            let r_ln: Vec<f64> = plain.iter().map(|p| p.1.ln).collect();
            planned_rhr.extend(sd(&t_rhr));
            planned_ln.extend(sd(&t_ln));
            got_rhr.extend(sd(&r_rhr));
            got_ln.extend(sd(&r_ln));
        }
        if n > 0 {
            per_kind.insert(
                kind.id().into(),
                json!({
                    "histories": n,
                    "planned_sd_rhr": mean(&planned_rhr),
                    "achieved_sd_rhr": mean(&got_rhr),
                    "planned_sd_ln_rmssd": mean(&planned_ln),
                    "achieved_sd_ln_rmssd": mean(&got_ln),
                }),
            );
        }
    }
    let mut off_target = Vec::new();
    for h in histories {
        for (i, d) in h.days.iter().enumerate() {
            if let (Some(t), Some(r)) = (d.target, d.reported) {
                if (r.rhr - t.rhr).abs() > 0.05 || (r.ln - t.ln).abs() > 0.005 {
                    off_target.push(json!({
                        "history": h.plan.index,
                        "kind": h.plan.kind.id(),
                        "day": i + 1,
                        "intended": [t.rhr, t.ln],
                        "reported": [r.rhr, r.ln],
                        "rejected_beats": r.rr_total.saturating_sub(r.rr_used),
                    }));
                }
                mornings += 1;
                rejected_beats += r.rr_total.saturating_sub(r.rr_used);
                max_rhr_err = max_rhr_err.max((r.rhr - t.rhr).abs());
                max_ln_err = max_ln_err.max((r.ln - t.ln).abs());
                max_lib_diff = max_lib_diff
                    .max((r.rhr - r.lib_rhr).abs())
                    .max((r.ln - r.lib_ln).abs());
                if d.morning_verdict.as_deref() != Some(d.verdict.as_str()) {
                    verdict_mismatch += 1;
                }
            }
        }
    }
    json!({
        "mornings": mornings,
        "rejected_beats": rejected_beats,
        "max_abs_error_rhr": max_rhr_err,
        "max_abs_error_ln_rmssd": max_ln_err,
        "max_binary_vs_library": max_lib_diff,
        "morning_vs_readiness_verdict_mismatches": verdict_mismatch,
        "off_target": off_target,
        "per_kind": per_kind,
    })
}

/// Band widths the binary used on the judged days, per kind (medians).
fn band_widths(histories: &[HistoryOut]) -> Value {
    let mut out = serde_json::Map::new();
    for kind in KINDS {
        let (mut rhr, mut ln) = (Vec::new(), Vec::new());
        for h in histories.iter().filter(|h| h.plan.kind == kind) {
            for d in h.days.iter().filter(|d| d.judged) {
                rhr.extend(d.rhr_band.map(|b| b.1 - b.0));
                ln.extend(d.ln_band.map(|b| b.1 - b.0));
            }
        }
        if rhr.is_empty() {
            continue;
        }
        rhr.sort_by(f64::total_cmp);
        ln.sort_by(f64::total_cmp);
        out.insert(
            kind.id().into(),
            json!({
                "rhr_band_width_median": rhr[rhr.len() / 2],
                "ln_rmssd_band_width_median": ln[ln.len() / 2],
                "ln_rmssd_band_width_min": ln[0],
            }),
        );
    }
    Value::Object(out)
}

/// What the binary said on days with a range but fewer than 3 checks in the week, and with no
/// range yet.
fn no_data_days(histories: &[HistoryOut]) -> Value {
    let mut thin: std::collections::BTreeMap<String, usize> = Default::default();
    let mut building: std::collections::BTreeMap<String, usize> = Default::default();
    for h in histories {
        for d in &h.days {
            if d.has_range && !d.judged {
                *thin.entry(d.verdict.clone()).or_default() += 1;
            } else if !d.has_range {
                *building.entry(d.verdict.clone()).or_default() += 1;
            }
        }
    }
    json!({"fewer_than_3_checks_in_the_week": thin, "no_baseline_yet": building})
}

/// The binary's verdicts, per kind and overall.
fn binary_tallies(histories: &[HistoryOut]) -> (Value, Tally) {
    let mut per_kind = serde_json::Map::new();
    let mut all = Tally::default();
    for kind in KINDS {
        let mut t = Tally::default();
        for h in histories.iter().filter(|h| h.plan.kind == kind) {
            let judged: Vec<bool> = h.days.iter().map(|d| d.judged).collect();
            let verdicts: Vec<&str> = h.days.iter().map(|d| d.verdict.as_str()).collect();
            let signals: Vec<Vec<String>> = h.days.iter().map(|d| d.signals.clone()).collect();
            t.add(&h.plan, &judged, &verdicts, &signals);
            all.add(&h.plan, &judged, &verdicts, &signals);
        }
        if t.steady_days > 0 || t.overloads > 0 {
            per_kind.insert(kind.id().into(), t.to_json());
        }
    }
    (Value::Object(per_kind), all)
}

/// One history's daily values as the rules see them.
pub struct Series {
    pub plan: Plan,
    pub stats: Vec<rules::DayStats>,
}

impl Series {
    fn new(plan: Plan, values: &[rules::Day]) -> Self {
        Series {
            stats: rules::day_stats(values),
            plan,
        }
    }

    fn judged(&self) -> Vec<bool> {
        self.stats.iter().map(|d| d.judged()).collect()
    }
}

/// The values the binary reported for a history.
fn reported_series(h: &HistoryOut) -> Series {
    let values: Vec<rules::Day> = h
        .days
        .iter()
        .map(|d| d.reported.map(|r| (r.rhr, r.ln)))
        .collect();
    Series::new(h.plan.clone(), &values)
}

/// One rule over every series, per kind and overall.
fn rule_tally(series: &[Series], rule: &rules::Rule) -> Value {
    let mut all = Tally::default();
    let mut per_kind: Vec<(Kind, Tally)> = KINDS.iter().map(|k| (*k, Tally::default())).collect();
    for s in series {
        let judged = rules::judge(&s.stats, rule);
        let verdicts: Vec<&str> = judged.iter().map(|j| j.verdict).collect();
        let signals: Vec<Vec<String>> = judged.iter().map(|j| j.signals()).collect();
        let days = s.judged();
        all.add(&s.plan, &days, &verdicts, &signals);
        if let Some((_, t)) = per_kind.iter_mut().find(|(k, _)| *k == s.plan.kind) {
            t.add(&s.plan, &days, &verdicts, &signals);
        }
    }
    let kinds: serde_json::Map<String, Value> = per_kind
        .iter()
        .filter(|(_, t)| t.steady_days > 0)
        .map(|(k, t)| {
            (
                k.id().to_string(),
                json!({
                    "take_it_easy_share": share(t.take_it_easy, t.steady_days),
                    "scale_back": t.scale_back,
                }),
            )
        })
        .collect();
    let mut v = all.to_json();
    v["rule"] = json!(rule.name);
    v["per_kind"] = Value::Object(kinds);
    v["meets_targets"] = json!(all.meets_targets());
    v
}

/// The current rule's alarm share on steady days by the size of the range they were judged
/// against: a range of 14-29 checks has a less certain mean and SD than one of 50-60.
fn alarms_by_range_size(series: &[Series]) -> Value {
    let cur = rules::current();
    let bins = [(14, 29), (30, 49), (50, 60)];
    let mut counts = [(0usize, 0usize); 3];
    for s in series {
        let judged = rules::judge(&s.stats, &cur);
        let steady_until = s.plan.overload_start.unwrap_or(s.stats.len());
        for (st, j) in s.stats.iter().zip(&judged).take(steady_until) {
            let Some(r) = st.rhr.filter(|_| st.judged()) else {
                continue;
            };
            if let Some(b) = bins.iter().position(|(lo, hi)| (*lo..=*hi).contains(&r.n)) {
                counts[b].0 += 1;
                counts[b].1 += usize::from(j.verdict != "ready");
            }
        }
    }
    bins.iter()
        .zip(counts)
        .map(|((lo, hi), (days, alarms))| {
            json!({"range_checks": format!("{lo}-{hi}"), "days": days, "alarm_share": share(alarms, days)})
        })
        .collect()
}

/// How many days the re-implemented current rule judges as the binary did (verdict and
/// signals), and how many days were compared; also the days where it disagrees on whether a
/// day can be judged at all.
fn agreement(histories: &[HistoryOut], series: &[Series]) -> Value {
    let cur = rules::current();
    let (mut agree, mut compared, mut judged_mismatch) = (0, 0, 0);
    for (h, s) in histories.iter().zip(series) {
        let ours = rules::judge(&s.stats, &cur);
        for ((day, j), st) in h.days.iter().zip(&ours).zip(&s.stats) {
            compared += 1;
            let mut theirs = day.signals.clone();
            theirs.sort();
            if day.verdict == j.verdict && theirs == j.signals() {
                agree += 1;
            }
            if day.judged != st.judged() {
                judged_mismatch += 1;
            }
        }
    }
    json!({"agree": agree, "compared": compared, "judged_mismatch": judged_mismatch})
}

/// The grid's rules that keep `take_it_easy` within the target, best first: the most overloads
/// flagged by day 5 and told to scale back by day 10 (the smaller of the two shares), then the
/// fewest scale_back days, then the fewest take_it_easy days. At most `top`.
fn grid_search(series: &[Series], top: usize) -> Vec<Value> {
    let mut scored: Vec<(f64, usize, f64, Value)> = rules::grid()
        .iter()
        .map(|rule| {
            let v = rule_tally(series, rule);
            let n = v["overloads"].as_f64().unwrap_or(0.0).max(1.0);
            let alarm = v["alarm_within_target"].as_f64().unwrap_or(0.0) / n;
            let sb = v["scale_back_within_target"].as_f64().unwrap_or(0.0) / n;
            let tie = v["take_it_easy_share"].as_f64().unwrap_or(1.0);
            let sbs = v["scale_back"].as_u64().unwrap_or(u64::MAX) as usize;
            (alarm.min(sb), sbs, tie, v)
        })
        .filter(|(_, _, tie, _)| *tie <= TARGET_TAKE_IT_EASY)
        .collect();
    scored.sort_by(|a, b| {
        b.0.total_cmp(&a.0)
            .then(a.1.cmp(&b.1))
            .then(a.2.total_cmp(&b.2))
    });
    scored.into_iter().take(top).map(|s| s.3).collect()
}

/// What `readiness` says in a fresh data dir with no morning check at all.
fn no_check_text(opts: &Options) -> Result<String, String> {
    let tmp = tempfile::Builder::new()
        .prefix("talkzone-readiness-eval-")
        .tempdir()
        .map_err(|e| format!("cannot make a temporary dir: {e}"))?;
    let world = World {
        talkzone: &opts.talkzone,
        dir: tmp.path(),
    };
    world.text(&["readiness", "--date", "2026-11-30"])
}

/// Run the whole evaluation and return its results as JSON.
pub fn run(opts: &Options) -> Result<Value, String> {
    let options = json!({
        "talkzone": if opts.offline { json!(null) } else { json!(opts.talkzone) },
        "histories": opts.histories,
        "days": opts.days,
        "seed": opts.seed,
        "rho": opts.rho,
        "offline": opts.offline,
        "overload_start_day": overload_start(opts.days) + 1,
    });
    let mut out = json!({"options": options});
    let series: Vec<Series> = if opts.offline {
        plans(opts)
            .into_iter()
            .map(|p| {
                let values: Vec<rules::Day> =
                    p.days.iter().map(|t| t.map(|t| (t.rhr, t.ln))).collect();
                Series::new(p, &values)
            })
            .collect()
    } else {
        let histories = run_histories(opts)?;
        let series: Vec<Series> = histories.iter().map(reported_series).collect();
        let (per_kind, all) = binary_tallies(&histories);
        out["data"] = data_checks(&histories);
        out["binary"] = json!({
            "overall": all.to_json(),
            "meets_targets": all.meets_targets(),
            "per_kind": per_kind,
            "band_widths": band_widths(&histories),
            "no_data_days": no_data_days(&histories),
            "no_check_text": no_check_text(opts)?,
        });
        out["agreement"] = agreement(&histories, &series);
        out["kept"] = histories
            .iter()
            .filter_map(|h| {
                let d = h.dir.as_ref()?;
                Some(json!({"history": h.plan.index, "kind": h.plan.kind.id(), "dir": d}))
            })
            .collect();
        series
    };
    out["rules"] = rules::candidates()
        .iter()
        .map(|r| rule_tally(&series, r))
        .collect();
    out["current_alarms_by_range_size"] = alarms_by_range_size(&series);
    if opts.grid {
        out["grid"] = grid_search(&series, opts.grid_top).into();
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Text output

fn pct(v: &Value) -> String {
    v.as_f64()
        .map_or_else(|| "-".into(), |x| format!("{:.1} %", x * 100.0))
}

fn days_text(v: &Value) -> String {
    if v.is_null() {
        return "never".into();
    }
    format!(
        "median {} (range {}-{}, n {})",
        v["median"], v["min"], v["max"], v["n"]
    )
}

/// A table of rules (entries of `rules` or `grid`).
fn rules_table(list: &[Value]) -> String {
    let mut s = String::from(
        "  rule                                        take_it_easy  scale_back  quiet    \
         first alarm [range] <=5  scale_back [range] <=10  targets\n",
    );
    let short = |x: &Value, n: &Value| {
        if x.is_null() {
            "never".to_string()
        } else {
            format!(
                "{} [{}-{}] {}/{}",
                x["median"], x["min"], x["max"], n, x["n"]
            )
        }
    };
    for v in list {
        s += &format!(
            "  {:<44} {:>11}  {:>10}  {:>6}  {:<23}  {:<23}  {}\n",
            v["rule"].as_str().unwrap_or(""),
            pct(&v["take_it_easy_share"]),
            format!("{} {}", v["scale_back"], pct(&v["scale_back_share"])),
            pct(&v["per_kind"]["quiet"]["take_it_easy_share"]),
            short(&v["first_alarm_day"], &v["alarm_within_target"]),
            short(&v["scale_back_day"], &v["scale_back_within_target"]),
            if v["meets_targets"].as_bool() == Some(true) {
                "yes"
            } else {
                "no"
            },
        );
    }
    s
}

/// One line per kind and one overall of verdict counts on steady days.
fn verdict_rows(per_kind: &Value, overall: &Value) -> String {
    let mut s =
        String::from("  kind          days  take_it_easy  scale_back  signals on alarm days\n");
    let row = |name: &str, v: &Value| {
        let sig = v["alarm_signals"]
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, n)| format!("{k} {n}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default();
        format!(
            "  {name:<13} {:>4}  {:>12}  {:>10}  {sig}\n",
            v["steady_days"],
            format!("{} {}", v["take_it_easy"], pct(&v["take_it_easy_share"])),
            format!("{} {}", v["scale_back"], pct(&v["scale_back_share"])),
        )
    };
    for (kind, v) in per_kind.as_object().into_iter().flatten() {
        s += &row(kind, v);
    }
    s + &row("overall", overall)
}

/// The results as text.
pub fn report(r: &Value) -> String {
    let mut s = String::new();
    let o = &r["options"];
    s += &format!(
        "readiness-eval: {} histories x {} days, seed {}, rho {}, {}\n",
        o["histories"],
        o["days"],
        o["seed"],
        o["rho"],
        if o["offline"].as_bool() == Some(true) {
            "offline (planned values, no binary)".to_string()
        } else {
            format!("binary {}", o["talkzone"])
        }
    );
    let d = &r["data"];
    if d.is_object() {
        s += &format!(
            "\nSynthetic mornings: {} replayed; beats the binary rejected: {}; |reported - \
             intended| at most {:.3} bpm and {:.4} lnRMSSD; binary vs library on the same RR: \
             {:.1e}; morning vs readiness --date verdict mismatches: {}\n",
            d["mornings"],
            d["rejected_beats"],
            d["max_abs_error_rhr"].as_f64().unwrap_or(f64::NAN),
            d["max_abs_error_ln_rmssd"].as_f64().unwrap_or(f64::NAN),
            d["max_binary_vs_library"].as_f64().unwrap_or(f64::NAN),
            d["morning_vs_readiness_verdict_mismatches"],
        );
        s += "Day-to-day SD (mean over histories; plain days only), planned -> achieved:\n";
        for (kind, v) in d["per_kind"].as_object().into_iter().flatten() {
            s += &format!(
                "  {kind:<13} resting HR {:.2} -> {:.2} bpm   lnRMSSD {:.3} -> {:.3}\n",
                v["planned_sd_rhr"].as_f64().unwrap_or(f64::NAN),
                v["achieved_sd_rhr"].as_f64().unwrap_or(f64::NAN),
                v["planned_sd_ln_rmssd"].as_f64().unwrap_or(f64::NAN),
                v["achieved_sd_ln_rmssd"].as_f64().unwrap_or(f64::NAN),
            );
        }
    }
    let b = &r["binary"];
    if b.is_object() {
        let ov = &b["overall"];
        s += "\nThe binary's verdicts on steady days (judged days outside an overload):\n";
        s += &verdict_rows(&b["per_kind"], ov);
        s += &format!(
            "Overload (from day {} of {}: +1 bpm and -0.04 lnRMSSD a day for 10 days; day 1 = \
             the first overloaded morning), {} histories:\n  first alarm: {}; by day 5: {}\n  \
             scale_back:  {}; by day 10: {}\n",
            o["overload_start_day"],
            o["days"],
            ov["overloads"],
            days_text(&ov["first_alarm_day"]),
            ov["alarm_within_target"],
            days_text(&ov["scale_back_day"]),
            ov["scale_back_within_target"],
        );
        s += &format!("Meets the targets: {}\n", b["meets_targets"]);
        s += "Median band widths on judged days (high - low):\n";
        for (kind, v) in b["band_widths"].as_object().into_iter().flatten() {
            s += &format!(
                "  {kind:<13} resting HR {:.2} bpm   lnRMSSD {:.3} (narrowest {:.3})\n",
                v["rhr_band_width_median"].as_f64().unwrap_or(f64::NAN),
                v["ln_rmssd_band_width_median"].as_f64().unwrap_or(f64::NAN),
                v["ln_rmssd_band_width_min"].as_f64().unwrap_or(f64::NAN),
            );
        }
        s += &format!(
            "Days without a judgement, by verdict: with a baseline but < 3 checks in the week \
             {}; before the baseline {}\n",
            b["no_data_days"]["fewer_than_3_checks_in_the_week"],
            b["no_data_days"]["no_baseline_yet"]
        );
        s += "`talkzone readiness` with no morning check at all:\n";
        for line in b["no_check_text"].as_str().unwrap_or("").lines() {
            s += &format!("  | {line}\n");
        }
        let a = &r["agreement"];
        s += &format!(
            "\nThe re-implemented current rule agrees with the binary on {} of {} days (verdict \
             and signals); judged/not judged differs on {} days.\n",
            a["agree"], a["compared"], a["judged_mismatch"]
        );
    }
    s += "\nRules on the same daily values (steady days: take_it_easy share, scale_back days; \
          overloads: median day, range, how many within the target):\n";
    s += &rules_table(r["rules"].as_array().map_or(&[], |v| v.as_slice()));
    s += "The current rule's alarm share on steady days by the checks in the range:";
    for b in r["current_alarms_by_range_size"]
        .as_array()
        .into_iter()
        .flatten()
    {
        s += &format!(
            " {} checks {} of {} days;",
            b["range_checks"].as_str().unwrap_or(""),
            pct(&b["alarm_share"]),
            b["days"]
        );
    }
    s += "\n";
    if let Some(grid) = r["grid"].as_array() {
        s += "\nGrid search, best rules with take_it_easy <= 5 %:\n";
        s += &rules_table(grid);
    }
    for k in r["kept"].as_array().into_iter().flatten() {
        s += &format!(
            "kept: history {} ({}) in {}\n",
            k["history"], k["kind"], k["dir"]
        );
    }
    s
}

/// Print to stdout; a closed pipe (`| head`) is not an error.
fn out(text: &str) {
    use std::io::Write;
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

#[allow(dead_code)]
fn main() {
    if std::env::args().any(|a| a == "-h" || a == "--help") {
        out(&format!("{USAGE}\n"));
        return;
    }
    let opts = match Options::parse(std::env::args().skip(1)) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let result = run(&opts).and_then(|r| {
        if let Some(path) = &opts.save {
            std::fs::write(path, format!("{r:#}\n"))
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        }
        Ok(r)
    });
    match result {
        Ok(r) if opts.json => out(&format!("{r:#}\n")),
        Ok(r) => out(&report(&r)),
        Err(e) => {
            eprintln!("readiness-eval: {e}");
            std::process::exit(1);
        }
    }
}
