//! `talkzone live`: stream a workout from a strap, a capture replay or the simulator through the
//! session runner, show it (the full-screen dashboard on a terminal, else one line or one JSON
//! object per reading), record it (unless `--no-record`), optionally capture the raw packets,
//! end on `q`/Ctrl-C, SIGTERM, `--duration` or the end of the source, and print the session's
//! summary.

use std::io::{IsTerminal, Write};

use chrono::{Local, Utc};

use crate::cli::{Cli, LiveArgs};
use crate::error::AppError;
use crate::physiology::live::LiveSettings;
use crate::physiology::week::{summarise_week, week_of, SessionDigest};
use crate::runner::{self, RecordingPlan, SessionPlan};
use crate::session;
use crate::source::SourceKind;
use crate::store::db::Db;
use crate::ui;
use crate::ui::dashboard::{DashboardSettings, DashboardView};
use crate::ui::session_view::View;
use crate::ui::stream::{LineFormat, LinesView};

/// How the session is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Screen {
    /// One line per reading: readable (`--plain`, or stdout is not a terminal) or JSON.
    Lines(LineFormat),
    /// The full-screen dashboard (a terminal, neither flag).
    Dashboard,
}

fn screen(args: &LiveArgs) -> Screen {
    if args.json {
        Screen::Lines(LineFormat::Json)
    } else if args.plain || !std::io::stdout().is_terminal() {
        Screen::Lines(LineFormat::Plain)
    } else {
        Screen::Dashboard
    }
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
    let zones = match &db {
        Some(db) => crate::history::zones_in_force(&settings, db)?,
        None => session::zones_in_force(&settings, None, None)?,
    };
    for note in &zones.notes {
        eprintln!("talkzone: {note}");
    }
    let zones_from = zones.cue_source.clone();
    let zones = zones.table;
    let source = super::source_plan(&settings, &args.source)?;
    let screen = screen(args);
    let source_label = match &source.kind {
        SourceKind::Ble => "strap".to_owned(),
        SourceKind::Simulator { .. } => "simulator".to_owned(),
        SourceKind::Replay { path, .. } => path.display().to_string(),
    };
    if screen == Screen::Lines(LineFormat::Plain) && source.kind == SourceKind::Ble {
        eprintln!("Looking for your strap{}...", source.ble.wanted.describe());
    }
    let summary = session::summary_options(&settings);
    let plan = SessionPlan {
        source,
        live: LiveSettings {
            zones: Some(zones.clone()),
            max_gap: summary.max_gap,
            week_minutes_before: week_minutes_so_far(db.as_ref())?,
            plausible: summary.plausible,
            alpha1_step: settings.live.alpha1_step,
        },
        recording: db.map(|db| RecordingPlan {
            db,
            zones: zones.clone(),
            summary,
        }),
        keep_readings: false,
        stop_after: args.duration,
        reading_time: None,
        data_dir: settings.storage.data_dir.clone(),
    };
    let mut view: Box<dyn View> = match screen {
        Screen::Dashboard => Box::new(DashboardView::new(DashboardSettings {
            zones: zones.clone(),
            target: settings.zones.target,
            source_label,
            zones_from,
        })),
        Screen::Lines(format) => Box::new(LinesView::new(format, zones)),
    };
    let outcome = super::block_on(runner::run(plan, view.as_mut()))??;

    let closing = outcome.tally.closing_line();
    let mut stdout = std::io::stdout();
    match screen {
        Screen::Lines(LineFormat::Json) => {
            eprintln!("{closing}");
            if let Some((id, summary)) = &outcome.finished {
                let mut v = ui::report::summary_json(*id, summary);
                v["event"] = serde_json::json!("summary");
                let _ = writeln!(stdout, "{v}");
            }
        }
        Screen::Lines(LineFormat::Plain) | Screen::Dashboard => {
            let _ = writeln!(stdout, "{closing}");
            if let Some((id, summary)) = &outcome.finished {
                let _ = write!(stdout, "\n{}", ui::report::summary(*id, summary));
            }
        }
    }
    Ok(())
}
