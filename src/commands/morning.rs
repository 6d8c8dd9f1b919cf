//! `talkzone morning`: the guided morning resting check. Lie still (or sit, always the same way),
//! a countdown runs while the strap records (the session runner with the [`Countdown`] view,
//! ending on the readings' own clock); the first `--settle` seconds are kept but not used.
//! Then resting HR and HRV from the RR intervals (refused, with the reason, on poor contact or
//! too little clean data), optional how-you-feel answers, the check stored with its raw RR, and
//! today's readiness.

use std::io::{BufRead, IsTerminal, Write};
use std::time::Duration;

use chrono::Local;
use serde_json::json;

use crate::cli::{Cli, MorningArgs};
use crate::config::Settings;
use crate::error::AppError;
use crate::history;
use crate::physiology::hrv::morning_metrics;
use crate::physiology::live::LiveSettings;
use crate::physiology::person::Posture;
use crate::physiology::rr_correction::ArtifactCounts;
use crate::protocol::capture;
use crate::reading::RrInterval;
use crate::runner::{self, Ended, SessionPlan};
use crate::session::local_date;
use crate::source::{simulator, SourceKind};
use crate::store::db::{MorningMetricsRow, NewMorningCheck, WellnessRow};
use crate::ui;
use crate::ui::countdown::Countdown;

struct Check {
    duration: Duration,
    settle: Duration,
    posture: Posture,
    json: bool,
}

fn plan(settings: &Settings, args: &MorningArgs) -> Result<Check, AppError> {
    let duration = args.duration.unwrap_or(settings.morning.duration);
    let settle = args.settle.unwrap_or(settings.morning.settle);
    if settle >= duration {
        // The config checks its own pair at load, so a flag is part of this one.
        let named = |flag: &str, key: &str, given: bool| {
            if given {
                flag.to_owned()
            } else {
                format!("[morning] {key} in the config")
            }
        };
        return Err(AppError::Usage(format!(
            "the settling time ({} s, {}) must be shorter than the check ({} s, {})",
            settle.as_secs_f64(),
            named("--settle", "settle_seconds", args.settle.is_some()),
            duration.as_secs_f64(),
            named("--duration", "duration_seconds", args.duration.is_some()),
        )));
    }
    let posture = args
        .posture
        .as_deref()
        .and_then(Posture::parse)
        .unwrap_or(settings.morning.posture);
    Ok(Check {
        duration,
        settle,
        posture,
        json: args.json,
    })
}

/// Run the morning check.
pub fn run(cli: &Cli, args: &MorningArgs) -> Result<(), AppError> {
    let settings = super::settings(cli)?;
    let mut db = super::open_db(&settings)?;
    let check = plan(&settings, args)?;
    let mut source = super::source_plan(&settings, &args.source)?;
    if let SourceKind::Simulator { seed, .. } = source.kind {
        // One minute more than asked, so the check ends on its own clock, not the source's.
        let minutes = check.duration.as_secs().div_ceil(60) + 1;
        source.workout = Some(simulator::Workout::new(
            simulator::resting_plan(minutes, args.sim_rest_hr),
            seed,
        ));
    }
    let tag = source.kind.tag();
    let posture_words = check.posture.instruction();
    eprintln!(
        "{posture_words}, breathe normally, don't talk. {} s; the first {} s let your heart \
         settle and are not used.",
        check.duration.as_secs_f64().round(),
        check.settle.as_secs_f64().round()
    );
    let plan = SessionPlan {
        source,
        live: LiveSettings {
            zones: None,
            max_gap: settings.summary.max_gap,
            week_minutes_before: 0.0,
            plausible: settings.summary.plausible,
            alpha1_step: settings.live.alpha1_step,
        },
        recording: None,
        keep_readings: true,
        stop_after: None,
        reading_time: Some(check.duration),
        data_dir: settings.storage.data_dir.clone(),
    };
    let mut view = Countdown::new(
        check.duration,
        check.settle,
        std::io::stderr().is_terminal(),
    );
    let recorded = super::block_on(runner::run(plan, &mut view))??;
    if recorded.ended == Ended::Signal {
        eprintln!("talkzone: stopped early; using what was recorded");
    }
    let Some(first) = recorded.readings.first() else {
        return Err(AppError::NoData(
            "no heart-rate data was received: the check did not start. Put the strap on and \
             try again."
                .into(),
        ));
    };
    let t = first.t;
    let date = local_date(t);
    let rr: Vec<RrInterval> = recorded
        .readings
        .iter()
        .flat_map(|r| r.rr.iter().copied())
        .collect();
    let rr_ms: Vec<f64> = rr.iter().map(|r| r.ms()).collect();
    let result = if rr.is_empty() {
        Err(
            "this strap sends no RR intervals, which HRV needs; a chest strap such as a Polar H10 \
             or Garmin HRM does"
                .to_owned(),
        )
    } else {
        morning_metrics(&rr_ms, check.settle.as_secs_f64()).map_err(|e| e.to_string())
    };
    let wellness = ask_wellness(args);
    let (metrics_row, metrics_json, refused) = match &result {
        Ok(m) => {
            // The metrics and what the correction did, kept whole with the check.
            let mut stored = serde_json::to_value(m.metrics).unwrap_or_default();
            stored["artifacts"] = json!(m.artifacts);
            stored["out_of_range"] = json!(m.out_of_range);
            (
                Some(MorningMetricsRow::from(&m.metrics)),
                Some(stored.to_string()),
                None,
            )
        }
        Err(why) => (None, None, Some(why.clone())),
    };
    db.add_morning_check(&NewMorningCheck {
        t,
        date,
        source: tag,
        posture: check.posture,
        duration_s: recorded
            .readings
            .last()
            .map(|l| (l.t - t).num_milliseconds() as f64 / 1000.0)
            .unwrap_or(0.0),
        settle_s: check.settle.as_secs_f64(),
        rr,
        metrics: metrics_row,
        metrics_json,
        wellness,
        refused,
    })?;
    let m = result.map_err(|why| {
        AppError::CheckRefused(format!(
            "morning check refused: {why}. The raw data was kept."
        ))
    })?;
    let (trend, readiness) = history::readiness_as_of(&db, date, &settings)?;
    if check.json {
        let mut v = json!({
            "date": date.to_string(),
            "t": capture::format_time(t),
            "posture": check.posture.as_str(),
            "resting_hr": m.metrics.resting_hr_lowest_30_beats,
            "resting_hr_statistic": "lowest mean over 30 consecutive clean beats",
            "mean_hr": m.metrics.mean_hr_bpm,
            "rmssd_ms": m.metrics.rmssd_ms,
            "ln_rmssd": m.metrics.ln_rmssd,
            "sdnn_ms": m.metrics.sdnn_ms,
            "pnn50": m.metrics.pnn50,
            "mean_nn_ms": m.metrics.mean_nn_ms,
            "rr_used": m.metrics.nn_count,
            "rr_total": m.metrics.rr_count,
            "artifact_share": m.metrics.artifact_share,
            "artifacts": m.artifacts,
            "out_of_range": m.out_of_range,
            "settle_s": m.settle_s,
            "clean_s": m.clean_s,
            "dropouts": recorded.tally.dropouts,
            "bad_packets": recorded.tally.bad_packets,
            "baseline": super::readiness::baseline_json(&trend.today),
        });
        v["readiness"] = serde_json::to_value(&readiness).unwrap_or_default();
        super::print_json(&v)
    } else {
        let mut out = format!(
            "Morning check {} ({}):\n  resting HR {:.0} bpm (lowest 30-beat average; mean {:.0})\n  \
             HRV: RMSSD {:.0} ms (lnRMSSD {:.2}), SDNN {:.0} ms, pNN50 {:.0} %\n  \
             {} beats used, {:.0} % artifacts{}\n",
            date.format("%a %d %b %Y"),
            check.posture.as_str(),
            m.metrics.resting_hr_lowest_30_beats,
            m.metrics.mean_hr_bpm,
            m.metrics.rmssd_ms,
            m.metrics.ln_rmssd,
            m.metrics.sdnn_ms,
            m.metrics.pnn50 * 100.0,
            m.metrics.nn_count,
            m.metrics.artifact_share * 100.0,
            artifact_words(&m.artifacts, m.out_of_range),
        );
        if let Some(status) = &trend.today.baseline_status {
            out.push_str(&format!("  {status}\n"));
        }
        out.push('\n');
        out.push_str(&ui::readiness::readiness(&readiness, &trend.today));
        super::print(&out)
    }
}

/// " (corrected: 2 missed, 1 ectopic; 1 removed)", or nothing when nothing was touched.
fn artifact_words(a: &ArtifactCounts, removed: usize) -> String {
    let corrected: Vec<String> = [
        (a.missed, "missed"),
        (a.extra, "extra"),
        (a.ectopic, "ectopic"),
        (a.long_short, "long or short"),
    ]
    .into_iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, what)| format!("{n} {what}"))
    .collect();
    let mut parts = Vec::new();
    if !corrected.is_empty() {
        parts.push(format!("corrected: {}", corrected.join(", ")));
    }
    if removed > 0 {
        parts.push(format!("{removed} removed"));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join("; "))
    }
}

/// The how-you-feel answers: from the flags, else (on a terminal, unless `--no-questions`)
/// asked one by one; Enter skips a question.
fn ask_wellness(args: &MorningArgs) -> WellnessRow {
    let mut w = WellnessRow {
        sleep_quality: args.sleep,
        soreness: args.soreness,
        ill: args.ill.then_some(true),
        workout_felt_harder: args.harder.then_some(true),
    };
    let any_flag = args.sleep.is_some() || args.soreness.is_some() || args.ill || args.harder;
    if any_flag || args.no_questions || args.json || !std::io::stdin().is_terminal() {
        return w;
    }
    eprintln!("How do you feel? (Enter skips a question)");
    let ask = |q: &str| -> String {
        eprint!("  {q} ");
        let _ = std::io::stderr().flush();
        let mut line = String::new();
        let _ = std::io::stdin().lock().read_line(&mut line);
        line.trim().to_lowercase()
    };
    let scale = |s: String| s.parse::<u8>().ok().filter(|n| (1..=5).contains(n));
    w.sleep_quality = scale(ask("Sleep quality, 1 (very poor) to 5 (very good):"));
    w.soreness = scale(ask("Muscle soreness, 1 (none) to 5 (very sore):"));
    let yes = |s: String| match s.as_str() {
        "y" | "yes" => Some(true),
        "n" | "no" => Some(false),
        _ => None,
    };
    w.ill = yes(ask("Feeling ill? [y/n]"));
    w.workout_felt_harder = yes(ask("Did yesterday's workout feel harder than usual? [y/n]"));
    w
}

/// Today's local date, for commands that default to it.
pub fn today() -> chrono::NaiveDate {
    Local::now().date_naive()
}
