//! `talkzone live`: stream a workout from a strap, a capture replay or the simulator through the
//! one pipeline, show each reading with its talk-test zone, record it (unless `--no-record`),
//! optionally capture the raw packets, end cleanly on Ctrl-C, SIGTERM, `--duration` or the end
//! of the source, and print the session's summary.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::Utc;
use tokio::sync::{mpsc, watch};

use crate::cli::{Cli, LiveArgs};
use crate::config::Settings;
use crate::error::AppError;
use crate::physiology::summary::SummaryOptions;
use crate::physiology::zones::ZoneTable;
use crate::pipeline::{self, Output};
use crate::protocol::capture;
use crate::session::{self, Recording};
use crate::source::ble::scan::Wanted;
use crate::source::ble::transport::{self, quitting, Quit};
use crate::source::{replay, simulator, LinkEvent, SourceEvent, SourceKind};
use crate::store::db::Db;
use crate::store::{private, strap};
use crate::ui;

/// How the session is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Plain,
    Json,
}

/// Validated settings for one live session.
struct LivePlan {
    kind: SourceKind,
    format: Format,
    duration: Option<Duration>,
    watchdog: Duration,
    find_window: Duration,
    adapter: Option<String>,
    wanted: Wanted,
    capture: Option<PathBuf>,
    data_dir: PathBuf,
    zones: ZoneTable,
    summary: SummaryOptions,
}

fn plan(settings: &Settings, args: &LiveArgs, zones: ZoneTable) -> Result<LivePlan, AppError> {
    let kind = if args.simulate {
        SourceKind::Simulator {
            fast: args.fast,
            seed: args.seed,
        }
    } else if let Some(path) = &args.replay {
        SourceKind::Replay {
            path: path.clone(),
            fast: args.fast,
        }
    } else {
        if args.fast {
            return Err(AppError::Other(
                "--fast only applies to --replay or --simulate".into(),
            ));
        }
        SourceKind::Ble
    };
    let format = if args.json {
        Format::Json
    } else {
        // `--plain`, or stdout is not a terminal, or (until the live screen exists) a terminal.
        let _ = args.plain || !std::io::stdout().is_terminal();
        Format::Plain
    };
    let wanted = match (
        &args.device,
        &settings.device.address,
        &settings.device.name,
    ) {
        (Some(arg), _, _) => Wanted::from_arg(arg),
        (None, Some(addr), _) => Wanted::Address(addr.to_ascii_uppercase()),
        (None, None, Some(name)) => Wanted::Name(name.clone()),
        (None, None, None) => Wanted::Any {
            remembered: strap::load(&settings.storage.data_dir).map(|s| s.address),
        },
    };
    Ok(LivePlan {
        kind,
        format,
        duration: args
            .duration
            .map(|d| super::seconds("--duration", d))
            .transpose()?,
        watchdog: match args.watchdog {
            Some(w) => super::seconds("--watchdog", w)?,
            None => settings.device.watchdog,
        },
        find_window: super::seconds("--scan-timeout", args.scan_timeout)?,
        adapter: args.adapter.clone().or(settings.device.adapter.clone()),
        wanted,
        capture: args.capture.clone(),
        data_dir: settings.storage.data_dir.clone(),
        zones,
        summary: session::summary_options(settings),
    })
}

/// Run a live session.
pub fn run(cli: &Cli, args: &LiveArgs) -> Result<(), AppError> {
    let settings = super::settings(cli)?;
    let db = if args.no_record {
        None
    } else {
        Some(super::open_db(&settings)?)
    };
    let zones = session::zones_in_force(&settings, None)?;
    for note in &zones.notes {
        eprintln!("talkzone: {note}");
    }
    let plan = plan(&settings, args, zones.table)?;
    // Read a replay before anything starts, so a bad file fails at once with its name.
    let replayed = match &plan.kind {
        SourceKind::Replay { path, .. } => {
            let c = replay::load(path)?;
            for bad in &c.bad_lines {
                eprintln!("talkzone: {}: {bad} (skipped)", path.display());
            }
            Some(c.events)
        }
        _ => None,
    };
    let capture_file = match &plan.capture {
        Some(path) => Some(private::create_file(path).map_err(|e| AppError::Input {
            path: path.clone(),
            message: format!("cannot create the capture file: {e}"),
        })?),
        None => None,
    };
    super::runtime()?.block_on(stream(plan, replayed, capture_file, db))
}

/// Counts for the closing line.
#[derive(Debug, Default)]
struct Tally {
    readings: u64,
    bad_packets: u64,
    gaps: u64,
    gap_time: Duration,
}

async fn stream(
    plan: LivePlan,
    replayed: Option<Vec<SourceEvent>>,
    capture_file: Option<std::fs::File>,
    mut db: Option<Db>,
) -> Result<(), AppError> {
    let (tx, mut rx) = mpsc::channel::<SourceEvent>(256);
    let (quit_tx, quit_rx) = watch::channel(false);
    let tag = plan.kind.tag();

    let source = {
        let mut quit: Quit = quit_rx.clone();
        let kind = plan.kind.clone();
        let (adapter, wanted, find_window, watchdog) = (
            plan.adapter.clone(),
            plan.wanted.clone(),
            plan.find_window,
            plan.watchdog,
        );
        if plan.format == Format::Plain && kind == SourceKind::Ble {
            eprintln!("Looking for your strap{}...", wanted.describe());
        }
        tokio::spawn(async move {
            match kind {
                SourceKind::Ble => {
                    transport::run(adapter.as_deref(), &wanted, find_window, watchdog, tx, quit)
                        .await
                        .map(|_| ())
                }
                SourceKind::Replay { fast, .. } => {
                    tokio::select! {
                        _ = quitting(&mut quit) => {}
                        _ = replay::run(replayed.unwrap_or_default(), fast, tx) => {}
                    }
                    Ok(())
                }
                SourceKind::Simulator { fast, seed } => {
                    tokio::select! {
                        _ = quitting(&mut quit) => {}
                        _ = simulator::run(seed, Utc::now(), fast, tx) => {}
                    }
                    Ok(())
                }
            }
        })
    };

    let stop = stop_signal(plan.duration);
    tokio::pin!(stop);
    let mut capture = capture_file.map(std::io::BufWriter::new);
    let mut tally = Tally::default();
    let mut stdout = std::io::stdout();
    let mut stopping = false;
    let mut recording: Option<Recording> = None;
    // Commits recorded readings even when the strap goes quiet (at least once a second).
    let mut commit_tick = tokio::time::interval(Duration::from_millis(500));
    commit_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);

    loop {
        let event = tokio::select! {
            e = rx.recv() => match e {
                Some(e) => e,
                None => break,
            },
            _ = &mut stop, if !stopping => {
                stopping = true;
                let _ = quit_tx.send(true);
                continue;
            }
            _ = commit_tick.tick() => {
                if let Some(r) = recording.as_mut() {
                    r.tick(Instant::now())?;
                }
                continue;
            }
        };
        if let Some(w) = capture.as_mut() {
            let line = capture::event_line(&event);
            if let Err(e) = writeln!(w, "{line}").and_then(|_| w.flush()) {
                eprintln!("talkzone: the capture file could not be written ({e}); capturing stops, the session goes on");
                capture = None;
            }
        }
        let out = pipeline::process(event, tag);
        if let Some(db) = db.take() {
            let start = match &out {
                Output::Reading(r) => r.t,
                Output::Link { t, .. } | Output::BadPacket { t, .. } => *t,
            };
            recording = Some(Recording::start(
                db,
                start,
                tag,
                None,
                &plan.zones,
                plan.summary,
            )?);
        }
        if let Some(r) = recording.as_mut() {
            r.record(&out, Instant::now())?;
        }
        match &out {
            Output::Reading(_) => tally.readings += 1,
            Output::BadPacket { .. } => tally.bad_packets += 1,
            Output::Link {
                event: LinkEvent::Reconnected { gap },
                ..
            } => {
                tally.gaps += 1;
                tally.gap_time += *gap;
            }
            Output::Link {
                event: LinkEvent::Connected(info),
                ..
            } => {
                let remembered = strap::RememberedStrap {
                    address: info.address.clone(),
                    name: info.name.clone(),
                };
                if let Err(e) = strap::save(&plan.data_dir, &remembered) {
                    eprintln!(
                        "talkzone: could not remember the strap in {} ({e})",
                        plan.data_dir.display()
                    );
                }
            }
            Output::Link { .. } => {}
        }
        let line = match plan.format {
            Format::Json => ui::json::output(&out, Some(&plan.zones)).to_string(),
            Format::Plain => ui::lines::output(&out, Some(&plan.zones)),
        };
        if let Err(e) = writeln!(stdout, "{line}") {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                let _ = quit_tx.send(true);
                stopping = true;
                continue;
            }
            return Err(AppError::Other(format!("cannot write output: {e}")));
        }
    }

    let result = source
        .await
        .map_err(|e| AppError::Other(format!("the source task failed: {e}")));
    // Whatever happened to the source, what was recorded is kept and summarised.
    let finished = match recording {
        Some(r) => r.finish()?,
        None => None,
    };
    result??;
    let closing = format!(
        "session ended: {} readings, {} malformed packets skipped, {} gaps{}",
        tally.readings,
        tally.bad_packets,
        tally.gaps,
        if tally.gaps > 0 {
            format!(
                " ({} without data)",
                ui::lines::human_duration(tally.gap_time)
            )
        } else {
            String::new()
        }
    );
    match plan.format {
        Format::Json => {
            eprintln!("{closing}");
            if let Some((id, summary)) = &finished {
                let mut v = ui::report::summary_json(*id, summary);
                v["event"] = serde_json::json!("summary");
                let _ = writeln!(stdout, "{v}");
            }
        }
        Format::Plain => {
            let _ = writeln!(stdout, "{closing}");
            if let Some((id, summary)) = &finished {
                let _ = write!(stdout, "\n{}", ui::report::summary(*id, summary));
            }
        }
    }
    Ok(())
}

/// Resolves on Ctrl-C, SIGTERM or after `duration`.
async fn stop_signal(duration: Option<Duration>) {
    let timer = async {
        match duration {
            Some(d) => tokio::time::sleep(d).await,
            None => std::future::pending().await,
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = timer => {}
        _ = term => {}
        r = tokio::signal::ctrl_c() => if r.is_err() { std::future::pending::<()>().await },
    }
}
