//! `talkzone live`: stream a workout from a strap, a capture replay or the simulator through the
//! one pipeline, show it (the full-screen dashboard on a terminal, else one line or one JSON
//! object per reading), record it (unless `--no-record`), optionally capture the raw packets,
//! end cleanly on `q`/Ctrl-C, SIGTERM, `--duration` or the end of the source, and print the
//! session's summary.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::{DateTime, Local, Utc};
use tokio::sync::{mpsc, watch};

use crate::cli::{Cli, LiveArgs};
use crate::config::Settings;
use crate::error::AppError;
use crate::event::{LinkEvent, SourceEvent};
use crate::physiology::summary::SummaryOptions;
use crate::physiology::week::{summarise_week, week_of, SessionDigest};
use crate::physiology::zones::{TalkZone, ZoneTable};
use crate::pipeline::{self, Output};
use crate::protocol::capture;
use crate::session::{self, Recording};
use crate::source::start::{self, SourceInputs};
use crate::source::SourceKind;
use crate::store::db::Db;
use crate::store::strap;
use crate::ui;
use crate::ui::dashboard::{self, App, DashboardSettings, Event as ScreenEvent};

/// How the session is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Screen {
    /// One readable line per reading (`--plain`, or stdout is not a terminal).
    Plain,
    /// One JSON object per reading or event (`--json`).
    Json,
    /// The full-screen dashboard (a terminal, neither flag).
    Dashboard,
}

/// Validated settings for one live session.
struct LivePlan {
    source: super::SourcePlan,
    screen: Screen,
    duration: Option<Duration>,
    data_dir: PathBuf,
    zones: ZoneTable,
    target: TalkZone,
    summary: SummaryOptions,
}

fn plan(settings: &Settings, args: &LiveArgs, zones: ZoneTable) -> Result<LivePlan, AppError> {
    let screen = if args.json {
        Screen::Json
    } else if args.plain || !std::io::stdout().is_terminal() {
        Screen::Plain
    } else {
        Screen::Dashboard
    };
    Ok(LivePlan {
        source: super::source_plan(settings, &args.source)?,
        screen,
        duration: args.duration,
        data_dir: settings.storage.data_dir.clone(),
        zones,
        target: settings.zones.target,
        summary: session::summary_options(settings),
    })
}

/// Moderate-equivalent minutes already done this week (local Monday to now), for the
/// dashboard's weekly total.
fn week_minutes_so_far(db: Option<&Db>) -> Result<f64, AppError> {
    let Some(db) = db else {
        return Ok(0.0);
    };
    let monday = week_of(Local::now().date_naive());
    let (from, _) = session::local_day_bounds(monday);
    let digests: Vec<SessionDigest> = db
        .sessions_between(from, Utc::now() + chrono::Duration::days(1))?
        .iter()
        .filter_map(session::digest_of)
        .collect();
    Ok(summarise_week(monday, &digests, &[]).moderate_equivalent_min)
}

/// Run a live session.
pub fn run(cli: &Cli, args: &LiveArgs) -> Result<(), AppError> {
    let settings = super::settings(cli)?;
    let db = if args.no_record {
        None
    } else {
        Some(super::open_db(&settings)?)
    };
    let baseline = match &db {
        Some(db) => crate::recovery::resting_baseline(db, &settings)?,
        None => None,
    };
    let zones = session::zones_in_force(&settings, baseline)?;
    for note in &zones.notes {
        eprintln!("talkzone: {note}");
    }
    let plan = plan(&settings, args, zones.table)?;
    let week_before = week_minutes_so_far(db.as_ref())?;
    super::runtime()?.block_on(stream(plan, db, week_before))
}

/// Counts for the closing line.
#[derive(Debug, Default)]
struct Tally {
    readings: u64,
    bad_packets: u64,
    gaps: u64,
    gap_time: Duration,
}

impl Tally {
    fn count(&mut self, out: &Output) {
        match out {
            Output::Reading(_) => self.readings += 1,
            Output::BadPacket { .. } => self.bad_packets += 1,
            Output::Link {
                event: LinkEvent::Reconnected { gap },
                ..
            } => {
                self.gaps += 1;
                self.gap_time += *gap;
            }
            Output::Link { .. } => {}
        }
    }

    fn closing_line(&self) -> String {
        format!(
            "session ended: {} readings, {} malformed packets skipped, {} gaps{}",
            self.readings,
            self.bad_packets,
            self.gaps,
            if self.gaps > 0 {
                format!(
                    " ({} without data)",
                    ui::lines::human_duration(self.gap_time)
                )
            } else {
                String::new()
            }
        )
    }
}

/// The dashboard while it is on screen: its state, the terminal (restored when dropped), and
/// what has been passed on to the recording so far.
struct Dashboard {
    app: App,
    terminal: ratatui::Terminal<ratatui::backend::CrosstermBackend<std::io::Stdout>>,
    _guard: dashboard::TerminalGuard,
    origin: Instant,
    laps_recorded: usize,
    paused: bool,
}

impl Dashboard {
    fn enter(settings: DashboardSettings) -> Result<Self, AppError> {
        dashboard::install_panic_hook();
        let (guard, terminal) =
            dashboard::TerminalGuard::enter().map_err(|source| AppError::Terminal {
                doing: "open the live screen",
                source,
            })?;
        Ok(Dashboard {
            app: App::new(settings),
            terminal,
            _guard: guard,
            origin: Instant::now(),
            laps_recorded: 0,
            paused: false,
        })
    }

    /// Apply an event, then pass new laps and pause changes to the recording (at `t`, the
    /// readings' timeline).
    fn apply(
        &mut self,
        event: ScreenEvent,
        recording: Option<&mut Recording>,
        t: DateTime<Utc>,
    ) -> Result<(), AppError> {
        dashboard::update(&mut self.app, event);
        let Some(rec) = recording else {
            return Ok(());
        };
        for lap in &self.app.laps()[self.laps_recorded..] {
            rec.lap(lap.reading_t.unwrap_or(t))?;
        }
        self.laps_recorded = self.app.laps().len();
        if self.app.paused() != self.paused {
            self.paused = self.app.paused();
            if self.paused {
                rec.pause(t)?;
            } else {
                rec.resume(t)?;
            }
        }
        Ok(())
    }

    fn draw(&mut self) -> Result<(), AppError> {
        if self.app.needs_redraw() {
            let app = &self.app;
            self.terminal
                .draw(|f| dashboard::render(app, f))
                .map_err(|source| AppError::Terminal {
                    doing: "draw the live screen",
                    source,
                })?;
            self.app.mark_drawn();
        }
        Ok(())
    }
}

async fn stream(plan: LivePlan, mut db: Option<Db>, week_before: f64) -> Result<(), AppError> {
    let super::SourcePlan {
        kind,
        ble,
        replayed,
        capture: capture_file,
    } = plan.source;
    let (tx, mut rx) = mpsc::channel::<SourceEvent>(256);
    let (quit_tx, quit_rx) = watch::channel(false);
    let tag = kind.tag();
    let source_label = match &kind {
        SourceKind::Ble => "strap".to_owned(),
        SourceKind::Simulator { .. } => "simulator".to_owned(),
        SourceKind::Replay { path, .. } => path.display().to_string(),
    };

    if plan.screen == Screen::Plain && kind == SourceKind::Ble {
        eprintln!("Looking for your strap{}...", ble.wanted.describe());
    }
    let source = start::start(
        &kind,
        SourceInputs {
            ble: ble.clone(),
            replayed,
            workout: None,
        },
        tx,
        quit_rx,
    );

    // Keys and resizes from the terminal, when the dashboard is on.
    let (keys_tx, mut keys_rx) = mpsc::channel::<ScreenEvent>(64);
    let mut screen = match plan.screen {
        Screen::Dashboard => {
            let dash = Dashboard::enter(DashboardSettings {
                zones: plan.zones.clone(),
                target: plan.target,
                week_minutes_before: week_before,
                max_gap: plan.summary.max_gap,
                source_label,
            })?;
            dashboard::spawn_input_reader(keys_tx).map_err(|source| AppError::Terminal {
                doing: "read the keyboard",
                source,
            })?;
            Some(dash)
        }
        _ => {
            drop(keys_tx);
            None
        }
    };
    let dashboard_on = screen.is_some();

    let stop = stop_signal(plan.duration);
    tokio::pin!(stop);
    let mut capture = capture_file.map(std::io::BufWriter::new);
    let mut tally = Tally::default();
    let mut stdout = std::io::stdout();
    let mut stopping = false;
    let mut recording: Option<Recording> = None;
    let mut last_t = Utc::now();
    // Commits recorded readings even when the strap goes quiet (at least once a second).
    let mut commit_tick = tokio::time::interval(Duration::from_millis(500));
    commit_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // The dashboard's clock: it redraws at most 4 times a second.
    let mut screen_tick = tokio::time::interval(Duration::from_millis(250));
    screen_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);

    loop {
        if let Some(dash) = screen.as_mut() {
            if dash.app.quit_requested() && !stopping {
                stopping = true;
                let _ = quit_tx.send(true);
            }
        }
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
            Some(key) = keys_rx.recv(), if dashboard_on => {
                if let Some(dash) = screen.as_mut() {
                    dash.apply(key, recording.as_mut(), last_t)?;
                    dash.draw()?;
                }
                continue;
            }
            _ = screen_tick.tick(), if dashboard_on => {
                if let Some(dash) = screen.as_mut() {
                    let now = dash.origin.elapsed();
                    dash.apply(ScreenEvent::Tick { now, wall: Utc::now() }, recording.as_mut(), last_t)?;
                    dash.draw()?;
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
        last_t = match &out {
            Output::Reading(r) => r.t,
            Output::Link { t, .. } | Output::BadPacket { t, .. } => *t,
        };
        if let Some(db) = db.take() {
            recording = Some(Recording::start(
                db,
                last_t,
                tag,
                None,
                &plan.zones,
                plan.summary,
            )?);
        }
        if let Some(r) = recording.as_mut() {
            r.record(&out, Instant::now())?;
        }
        tally.count(&out);
        if let Output::Link {
            event: LinkEvent::Connected(info),
            ..
        } = &out
        {
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
        let line = match plan.screen {
            Screen::Json => ui::json::output(&out, Some(&plan.zones)).to_string(),
            Screen::Plain => ui::lines::output(&out, Some(&plan.zones)),
            Screen::Dashboard => {
                if let Some(dash) = screen.as_mut() {
                    // Drawn at the next tick: a fast replay cannot redraw more than 4 times a second.
                    dash.apply(ScreenEvent::Output(out), recording.as_mut(), last_t)?;
                }
                continue;
            }
        };
        if let Err(e) = writeln!(stdout, "{line}") {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                let _ = quit_tx.send(true);
                stopping = true;
                continue;
            }
            return Err(AppError::Output(e));
        }
    }
    // Leave the full screen before anything else is printed.
    drop(screen);

    let result = source.await;
    // Whatever happened to the source, what was recorded is kept and summarised.
    let finished = match recording {
        Some(r) => r.finish()?,
        None => None,
    };
    result??;
    let closing = tally.closing_line();
    match plan.screen {
        Screen::Json => {
            eprintln!("{closing}");
            if let Some((id, summary)) = &finished {
                let mut v = ui::report::summary_json(*id, summary);
                v["event"] = serde_json::json!("summary");
                let _ = writeln!(stdout, "{v}");
            }
        }
        Screen::Plain | Screen::Dashboard => {
            let _ = writeln!(stdout, "{closing}");
            if let Some((id, summary)) = &finished {
                let _ = write!(stdout, "\n{}", ui::report::summary(*id, summary));
            }
        }
    }
    Ok(())
}

/// Resolves on Ctrl-C, SIGTERM or after `duration`. (On the dashboard, Ctrl-C arrives as a key
/// in raw mode and ends the session through the screen's quit.)
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
