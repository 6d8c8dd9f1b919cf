//! `talkzone summary [ID|last]`: one session's summary, as text, JSON, and optionally an SVG
//! plot of heart rate over time with the zone bands.

use crate::cli::{Cli, SummaryArgs};
use crate::error::AppError;
use crate::physiology::summary::summarise;
use crate::physiology::zones::ZoneTable;
use crate::session;
use crate::store::db::{Db, SessionRow};
use crate::ui;

/// The session named by `ID|last`.
pub fn find(db: &Db, which: &str) -> Result<SessionRow, AppError> {
    let row = if which.eq_ignore_ascii_case("last") {
        db.last_session()?
    } else {
        let id: i64 = which.parse().map_err(|_| {
            AppError::NotFound(format!(
                "{which:?} is not a session id: give a number from `talkzone sessions`, or `last`"
            ))
        })?;
        db.session(id)?
    };
    row.ok_or_else(|| {
        AppError::NotFound(if which.eq_ignore_ascii_case("last") {
            "no sessions yet: record one with `talkzone live`".into()
        } else {
            format!("there is no session {which} (`talkzone sessions` lists them)")
        })
    })
}

/// Show a session's summary.
pub fn run(cli: &Cli, args: &SummaryArgs) -> Result<(), AppError> {
    let settings = super::settings(cli)?;
    let db = super::open_db_to_read(&settings)?;
    let row = find(&db, &args.session)?;
    // The zones in force when it was recorded; today's settings only if those are unreadable.
    let zones: ZoneTable = match serde_json::from_str(&row.zones_json) {
        Ok(z) => z,
        Err(_) => session::zones_in_force(&settings, None, None)?.table,
    };
    let stored = session::stored_summary(&row);
    let need_readings = stored.is_none() || args.plot.is_some();
    let readings = if need_readings {
        db.readings(row.id)?
    } else {
        Vec::new()
    };
    // A session still being recorded (or with no stored summary) is summarised on the fly.
    let summary = match stored {
        Some(s) => s,
        None => summarise(&readings, &zones, &session::summary_options(&settings)),
    };
    if let Some(path) = &args.plot {
        // Start = first reading (crate::timeline), as the text and `sessions` say.
        let start = summary.start.unwrap_or(row.start);
        let title = format!("Session {} · {}", row.id, ui::report::local_when(start));
        let windows = super::thresholds::alpha1_windows(&db, row.id, &readings, &settings)?;
        let svg = ui::plot::session_svg_with_alpha1(
            &readings,
            &zones,
            &title,
            settings.summary.max_gap,
            settings.summary.plausible,
            &windows,
        );
        ui::plot::write_svg(path, &svg)?;
    }
    if args.json {
        let mut v = ui::report::summary_json(row.id, &summary);
        v["status"] = serde_json::json!(row.status.as_str());
        super::print_json(&v)
    } else {
        super::print(&ui::report::summary(row.id, &summary))
    }
}
