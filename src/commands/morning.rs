//! `talkzone morning`: the guided morning resting check. Lie still (or sit, always the same way),
//! a countdown runs while the strap records; the first `--settle` seconds are kept but not used.
//! Then resting HR and HRV from the RR intervals (refused, with the reason, on poor contact or
//! too little clean data), optional how-you-feel answers, the check stored with its raw RR, and
//! today's readiness.

use std::io::{BufRead, IsTerminal, Write};
use std::time::Duration;

use chrono::{DateTime, Local, Utc};
use serde_json::json;
use tokio::sync::{mpsc, watch};

use crate::cli::{Cli, MorningArgs};
use crate::config::Settings;
use crate::error::AppError;
use crate::event::{LinkEvent, SourceEvent};
use crate::physiology::hrv::morning_metrics;
use crate::physiology::person::Posture;
use crate::physiology::summary::has_signal;
use crate::pipeline::{self, Output};
use crate::protocol::capture;
use crate::reading::{Contact, Reading, RrInterval};
use crate::recovery;
use crate::session::local_date;
use crate::source::start::{self, SourceInputs};
use crate::source::{simulator, SourceKind};
use crate::store::db::{MorningMetricsRow, NewMorningCheck, WellnessRow};
use crate::ui;

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

/// What the recording produced.
struct Recorded {
    readings: Vec<Reading>,
    bad_packets: usize,
    dropouts: usize,
}

/// Run the morning check.
pub fn run(cli: &Cli, args: &MorningArgs) -> Result<(), AppError> {
    let settings = super::settings(cli)?;
    let mut db = super::open_db(&settings)?;
    let check = plan(&settings, args)?;
    let source = super::source_plan(&settings, &args.source)?;
    let kind = source.kind.clone();
    let workout = match kind {
        SourceKind::Simulator { seed, .. } => {
            // One minute more than asked, so the check ends on its own clock, not the source's.
            let minutes = check.duration.as_secs().div_ceil(60) + 1;
            Some(simulator::Workout::new(
                simulator::resting_plan(minutes, args.sim_rest_hr),
                seed,
            ))
        }
        _ => None,
    };
    let posture_words = check.posture.instruction();
    eprintln!(
        "{posture_words}, breathe normally, don't talk. {} s; the first {} s let your heart \
         settle and are not used.",
        check.duration.as_secs_f64().round(),
        check.settle.as_secs_f64().round()
    );
    let recorded = super::runtime()?.block_on(record(
        &check,
        &kind,
        SourceInputs {
            ble: source.ble,
            replayed: source.replayed,
            workout,
        },
        source.capture,
    ))?;
    let Some(first) = recorded.readings.first() else {
        return Err(AppError::NoData(
            "no heart-rate data was received: the check did not start. Put the strap on and \
             try again.",
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
    let tag = kind.tag();
    let (metrics_row, metrics_json, refused) = match &result {
        Ok(m) => (
            Some(MorningMetricsRow::from(&m.metrics)),
            Some(serde_json::to_string(&m.metrics).unwrap_or_default()),
            None,
        ),
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
    let (trend, readiness) = recovery::readiness_as_of(&db, date, &settings)?;
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
            "settle_s": m.settle_s,
            "clean_s": m.clean_s,
            "dropouts": recorded.dropouts,
            "bad_packets": recorded.bad_packets,
            "baseline": trend.today,
        });
        v["readiness"] = serde_json::to_value(&readiness).unwrap_or_default();
        super::print_json(&v)
    } else {
        let mut out = format!(
            "Morning check {} ({}):\n  resting HR {:.0} bpm (lowest 30-beat average; mean {:.0})\n  \
             HRV: RMSSD {:.0} ms (lnRMSSD {:.2}), SDNN {:.0} ms, pNN50 {:.0} %\n  \
             {} clean beats used, {:.0} % artifacts\n",
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
        );
        if let Some(status) = &trend.today.baseline_status {
            out.push_str(&format!("  {status}\n"));
        }
        out.push('\n');
        out.push_str(&ui::recovery::readiness(&readiness));
        super::print(&out)
    }
}

/// Record until `duration` has passed on the readings' own clock (so a replayed check takes
/// its capture's length), the source ends, or the user stops it.
async fn record(
    check: &Check,
    kind: &SourceKind,
    inputs: SourceInputs,
    capture_file: Option<std::fs::File>,
) -> Result<Recorded, AppError> {
    let (tx, mut rx) = mpsc::channel::<SourceEvent>(256);
    let (quit_tx, quit_rx) = watch::channel(false);
    let source = start::start(kind, inputs, tx, quit_rx);
    let tag = kind.tag();
    let mut capture = capture_file.map(std::io::BufWriter::new);
    let interactive = std::io::stderr().is_terminal();
    let mut out = Recorded {
        readings: Vec::new(),
        bad_packets: 0,
        dropouts: 0,
    };
    let mut first_t: Option<DateTime<Utc>> = None;
    let mut last_status_s: i64 = -1;
    let mut stopped_by_user = false;
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    loop {
        let event = tokio::select! {
            e = rx.recv() => match e {
                Some(e) => e,
                None => break,
            },
            _ = &mut ctrl_c, if !stopped_by_user => {
                stopped_by_user = true;
                let _ = quit_tx.send(true);
                continue;
            }
        };
        if let Some(w) = capture.as_mut() {
            if writeln!(w, "{}", capture::event_line(&event))
                .and_then(|_| w.flush())
                .is_err()
            {
                eprintln!("talkzone: the capture file could not be written; capturing stops");
                capture = None;
            }
        }
        match pipeline::process(event, tag) {
            Output::Reading(r) => {
                let start = *first_t.get_or_insert(r.t);
                let elapsed = (r.t - start).to_std().unwrap_or_default();
                if r.contact == Contact::NotDetected {
                    eprintln!(
                        "\ntalkzone: no skin contact: wet the electrodes and settle the strap"
                    );
                }
                let left = check.duration.saturating_sub(elapsed).as_secs() as i64;
                let done = elapsed >= check.duration;
                // A status line: rewritten each second on a terminal, every 30 s otherwise.
                if interactive || (left + 29) / 30 != (last_status_s + 29) / 30 || done {
                    let hr = if has_signal(&r) {
                        r.hr.to_string()
                    } else {
                        "--".into()
                    };
                    let phase = if elapsed < check.settle {
                        "settling"
                    } else {
                        "recording"
                    };
                    if interactive {
                        eprint!(
                            "\r  {phase}: {}:{:02} left · {hr} bpm   ",
                            left / 60,
                            left % 60
                        );
                    } else if left != last_status_s {
                        eprintln!("  {phase}: {}:{:02} left · {hr} bpm", left / 60, left % 60);
                    }
                    last_status_s = left;
                }
                out.readings.push(r);
                if done {
                    let _ = quit_tx.send(true);
                    break;
                }
            }
            Output::BadPacket { .. } => out.bad_packets += 1,
            Output::Link { event, .. } => match event {
                LinkEvent::Lost { .. } => {
                    out.dropouts += 1;
                    eprintln!("\ntalkzone: strap lost, reconnecting... (keep still)");
                }
                LinkEvent::Reconnected { gap } => {
                    eprintln!("talkzone: back after {}", ui::lines::human_duration(gap));
                }
                LinkEvent::Connected(info) => {
                    eprintln!(
                        "connected to {}; starting",
                        info.name.clone().unwrap_or(info.address)
                    );
                }
            },
        }
    }
    if interactive {
        eprintln!();
    }
    drop(rx);
    let result = source.await?;
    result?;
    if stopped_by_user {
        eprintln!("talkzone: stopped early; using what was recorded");
    }
    Ok(out)
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
