//! The command line as clap parses it: raw flags only. [`crate::commands`] turn these plus the
//! config into validated settings; nothing deeper reads raw flags.

use std::ops::RangeInclusive;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::config::device::WATCHDOG_SECONDS;
use crate::config::morning::{DURATION_SECONDS, SETTLE_SECONDS};
use crate::error::EXIT_CODES_HELP;
use crate::physiology::person::Posture;
use crate::ui::calibration::words::Modality;

/// The longest time a flag may give, seconds (a year: beyond it, a typo).
const MAX_FLAG_SECONDS: f64 = 366.0 * 24.0 * 3600.0;

/// A positive number of seconds: `--duration 0`, `-1`, `nan` or `1e30` are usage errors
/// (exit 2) that name the flag.
fn positive_seconds(text: &str) -> Result<Duration, String> {
    let s: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a number of seconds"))?;
    if s > 0.0 && s <= MAX_FLAG_SECONDS {
        Ok(Duration::from_secs_f64(s))
    } else {
        Err(format!(
            "must be a positive number of seconds (at most {MAX_FLAG_SECONDS}), got {text}"
        ))
    }
}

/// Seconds within `range` (a range the config shares, so the flag and the key agree).
fn seconds_in(
    range: &'static RangeInclusive<f64>,
) -> impl Fn(&str) -> Result<Duration, String> + Clone + Send + Sync + 'static {
    move |text| {
        let s: f64 = text
            .trim()
            .parse()
            .map_err(|_| format!("{text:?} is not a number of seconds"))?;
        if range.contains(&s) {
            Ok(Duration::from_secs_f64(s))
        } else {
            Err(format!(
                "must be between {} and {} seconds, got {text}",
                range.start(),
                range.end()
            ))
        }
    }
}

/// talkzone: your Bluetooth heart-rate strap as a talk-test coach.
///
/// Light = you can sing; moderate = you can talk, not sing; vigorous = only a few words;
/// near-max = you can't talk. No strap at hand? `talkzone live --simulate`.
#[derive(Debug, Parser)]
#[command(name = "talkzone", version, after_help = EXIT_CODES_HELP, propagate_version = true)]
pub struct Cli {
    /// Config file to use (else $TALKZONE_CONFIG, else ~/.config/talkzone/config.toml).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Where talkzone keeps its data (else $TALKZONE_DATA, else the config, else
    /// ~/.local/share/talkzone).
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List heart-rate straps nearby (name, address, signal strength).
    #[command(after_help = EXIT_CODES_HELP)]
    Scan(ScanArgs),
    /// Stream a workout: heart rate, talk-test zone, RR intervals, link changes; record it and
    /// summarise it at the end.
    #[command(after_help = EXIT_CODES_HELP)]
    Live(LiveArgs),
    /// Show your talk-test zones: the model, HRmax and HRrest used, each zone in bpm.
    Zones(JsonArgs),
    /// List recorded sessions, newest first: date, duration, class, average HR, load (the
    /// latest 50 unless --all or --since).
    Sessions(SessionsArgs),
    /// Summarise one session: time in zones, class, moderate-equivalent minutes, load.
    #[command(after_help = EXIT_CODES_HELP)]
    Summary(SummaryArgs),
    /// DFA alpha1 of a session's RR intervals: the heart rate at the aerobic threshold (alpha1
    /// 0.75) and at alpha1 0.5 (about VT2), from a ramp.
    #[command(after_help = EXIT_CODES_HELP)]
    Thresholds(ThresholdsArgs),
    /// This week (Monday to Sunday) against the WHO 150-300 min guideline.
    Week(WeekArgs),
    /// Log something talkzone cannot measure.
    #[command(subcommand)]
    Log(LogCommand),
    /// The morning resting check: a few still minutes for resting heart rate and HRV, with
    /// your baseline and today's readiness.
    #[command(after_help = EXIT_CODES_HELP)]
    Morning(MorningArgs),
    /// The talk-test calibration: a guided test of rising effort that finds the heart rates at
    /// which you can sing, can talk and can no longer talk, and sets your zones from them.
    #[command(after_help = EXIT_CODES_HELP)]
    Calibrate(CalibrateArgs),
    /// Every talk-test calibration, newest first, with the change since the one before.
    Calibrations(JsonArgs),
    /// Your resting heart rate and HRV day by day: 7-day averages against your normal range.
    Trend(TrendArgs),
    /// Today's verdict (ready / take it easy / scale back) with its reasons and advice.
    Readiness(ReadinessArgs),
    /// Import workouts from FIT and TCX files (watches, bike computers, apps), or from folders
    /// of them; a file imported before is recognised and not imported twice.
    #[command(after_help = EXIT_CODES_HELP)]
    Import(ImportArgs),
    /// Export a session as TCX (for Strava, GoldenCheetah, Runalyze), CSV or JSON.
    #[command(after_help = EXIT_CODES_HELP)]
    Export(ExportArgs),
    /// Delete a recorded session (asks first).
    #[command(after_help = EXIT_CODES_HELP)]
    Delete(DeleteArgs),
    /// Check the whole database file for damage (SQLite's integrity check): exit 0 when sound,
    /// 10 with what is damaged and what to do.
    #[command(after_help = EXIT_CODES_HELP)]
    Check(JsonArgs),
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Files (read whatever their name) or folders (searched with their subfolders for files
    /// named *.fit or *.tcx, in any case).
    #[arg(required = true, value_name = "FILE|DIR")]
    pub paths: Vec<PathBuf>,
    /// Print a JSON array with one result per file instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// A session id (see `talkzone sessions`), or `last`.
    #[arg(default_value = "last", value_name = "ID|last")]
    pub session: String,
    /// The file format.
    #[arg(long, value_enum)]
    pub format: ExportFormat,
    /// Write to FILE (readable by you only) instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// What `export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// Garmin Training Center XML: heart rate and laps, for Strava, GoldenCheetah, Runalyze.
    Tcx,
    /// `time,hr,rr_ms`, one row per reading.
    Csv,
    /// The session's start, sport, laps and every reading with its RR intervals.
    Json,
}

#[derive(Debug, Args)]
pub struct MorningArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// How you lie or sit: always the same one (else [morning] posture, default supine).
    #[arg(long, value_parser = Posture::IDS)]
    pub posture: Option<String>,
    /// Seconds to record, 60 to 600 (else [morning] duration_seconds, default 180).
    #[arg(long, value_name = "S", value_parser = seconds_in(&DURATION_SECONDS))]
    pub duration: Option<Duration>,
    /// The first seconds, 0 to 300, recorded but not used while the heart settles (else
    /// [morning] settle_seconds, default 60).
    #[arg(long, value_name = "S", value_parser = seconds_in(&SETTLE_SECONDS))]
    pub settle: Option<Duration>,
    /// Simulator: resting heart rate to simulate, bpm.
    #[arg(
        long,
        default_value_t = 56.0,
        value_name = "BPM",
        requires = "simulate"
    )]
    pub sim_rest_hr: f64,
    /// How you slept, 1 (very poorly) to 5 (very well).
    #[arg(long, value_name = "1-5", value_parser = clap::value_parser!(u8).range(1..=5))]
    pub sleep: Option<u8>,
    /// Muscle soreness, 1 (none) to 5 (very sore).
    #[arg(long, value_name = "1-5", value_parser = clap::value_parser!(u8).range(1..=5))]
    pub soreness: Option<u8>,
    /// You feel ill (a cold, a fever...).
    #[arg(long)]
    pub ill: bool,
    /// Yesterday's workout felt harder than usual at the same pace or power.
    #[arg(long)]
    pub harder: bool,
    /// Do not ask how you feel (the questions are only asked on a terminal anyway).
    #[arg(long)]
    pub no_questions: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `--stage-seconds`: at least two minutes (docs/science.md §3), at most half an hour.
pub const STAGE_SECONDS: RangeInclusive<f64> = 120.0..=1800.0;
/// `--warmup-seconds`: none to half an hour.
pub const WARMUP_SECONDS: RangeInclusive<f64> = 0.0..=1800.0;

#[derive(Debug, Args)]
pub struct CalibrateArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// What you do the test on: a treadmill walk (the grade rises), a run (a little faster each
    /// stage), a bike (+25 W) or anything else.
    #[arg(long, default_value = "walk", value_parser = Modality::IDS)]
    pub modality: String,
    /// Seconds per stage, at least 120.
    #[arg(long, default_value = "120", value_name = "S", value_parser = seconds_in(&STAGE_SECONDS))]
    pub stage_seconds: Duration,
    /// Seconds of warm-up before the first stage (no questions).
    #[arg(long, default_value = "180", value_name = "S", value_parser = seconds_in(&WARMUP_SECONDS))]
    pub warmup_seconds: Duration,
    /// Questions as JSON lines on standard output, answers read from standard input (also
    /// whenever standard input or output is not a terminal).
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct TrendArgs {
    /// Days to show, ending on --date.
    #[arg(long, default_value_t = 28, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=3660))]
    pub days: u32,
    /// The last day to show (YYYY-MM-DD, local); default today.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub date: Option<chrono::NaiveDate>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Also draw resting HR and lnRMSSD with their normal bands to FILE.svg.
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ReadinessArgs {
    /// The day to judge (YYYY-MM-DD, local); default today.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub date: Option<chrono::NaiveDate>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct JsonArgs {
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct SessionsArgs {
    /// List every session, not only the latest 50.
    #[arg(long, conflicts_with = "since")]
    pub all: bool,
    /// List every session that started on or after this day (YYYY-MM-DD, local).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub since: Option<chrono::NaiveDate>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct SummaryArgs {
    /// A session id (see `talkzone sessions`), or `last`.
    #[arg(default_value = "last", value_name = "ID|last")]
    pub session: String,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Also draw heart rate over time with the zone bands to FILE.svg.
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ThresholdsArgs {
    /// A session id (see `talkzone sessions`), or `last`.
    #[arg(default_value = "last", value_name = "ID|last")]
    pub session: String,
    /// Print JSON (every window, the fit, the thresholds) instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct WeekArgs {
    /// Any day of the week to show (YYYY-MM-DD, local); default today.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub date: Option<chrono::NaiveDate>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Also draw the daily minutes per zone to FILE.svg.
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum LogCommand {
    /// A day of muscle-strengthening exercise (WHO: at least 2 a week).
    Strength(LogStrengthArgs),
}

#[derive(Debug, Args)]
pub struct LogStrengthArgs {
    /// The day (YYYY-MM-DD, local); default today.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub date: Option<chrono::NaiveDate>,
}

#[derive(Debug, Args)]
pub struct DeleteArgs {
    /// The session id (see `talkzone sessions`).
    #[arg(value_name = "ID")]
    pub id: i64,
    /// Delete without asking.
    #[arg(long)]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// How long to listen, in seconds.
    #[arg(long, default_value = "10", value_name = "S", value_parser = positive_seconds)]
    pub timeout: Duration,
    /// Bluetooth adapter to use, e.g. hci0 (else [device] adapter, else the first).
    #[arg(long, value_name = "NAME")]
    pub adapter: Option<String>,
    /// Print a JSON array instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct LiveArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// Stop after S seconds (else at the end of a replay or simulation, or on Ctrl-C).
    #[arg(long, value_name = "S", value_parser = positive_seconds)]
    pub duration: Option<Duration>,
    /// One readable line per reading (the default when stdout is not a terminal).
    #[arg(long, conflicts_with = "json")]
    pub plain: bool,
    /// One JSON object per reading or event.
    #[arg(long)]
    pub json: bool,
    /// Do not store the session (it is shown, and captured with --capture, but not recorded).
    #[arg(long)]
    pub no_record: bool,
}

/// Where the heart beats come from: shared by `live`, `morning` and `calibrate`.
#[derive(Debug, Args)]
pub struct SourceArgs {
    /// Strap to use: an address (AA:BB:CC:DD:EE:FF) or part of its name. Else [device] in the
    /// config, else the strap used last time, else the strongest one found.
    #[arg(long, value_name = "ADDR|NAME")]
    pub device: Option<String>,
    /// Bluetooth adapter to use, e.g. hci0.
    #[arg(long, value_name = "NAME")]
    pub adapter: Option<String>,
    /// No strap: use the built-in simulator (for `live` a 40-minute workout: warm-up,
    /// moderate, a vigorous interval, cool-down; for `morning` a resting check).
    #[arg(long, conflicts_with_all = ["replay", "device", "adapter"])]
    pub simulate: bool,
    /// Play back a raw capture file written by --capture (its times are kept).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["device", "adapter"])]
    pub replay: Option<PathBuf>,
    /// With --replay or --simulate: as fast as possible instead of real time.
    #[arg(long)]
    pub fast: bool,
    /// Simulator seed (the same seed gives the same data).
    #[arg(long, default_value_t = 1, value_name = "N", requires = "simulate")]
    pub seed: u64,
    /// Also write every received packet and link change to FILE (JSON Lines), e.g. for a bug
    /// report.
    #[arg(long, value_name = "FILE")]
    pub capture: Option<PathBuf>,
    /// Seconds without a packet before the strap counts as lost (else [device]
    /// watchdog_seconds, default 5), 1 to 120.
    #[arg(long, value_name = "S", value_parser = seconds_in(&WATCHDOG_SECONDS))]
    pub watchdog: Option<Duration>,
    /// How long to look for the strap before giving up, in seconds.
    #[arg(long, default_value = "20", value_name = "S", value_parser = positive_seconds)]
    pub scan_timeout: Duration,
}
