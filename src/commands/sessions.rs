//! `talkzone sessions [--all | --since DATE]`: the recorded sessions, newest first: the latest
//! [`LATEST`] unless `--all` or `--since`, reading only the rows it shows (a ten-year history
//! is not loaded to show its last weeks).
//!
//! A session's start and length follow the one rule of [`crate::timeline`] (start = first
//! reading, duration = last - first), as `summary` shows them: both come from the stored
//! summary ([`span`]). The row's own `start` (when recording began: a strap connecting, a
//! file's own start field) is only the fallback for a session without a summary yet (being
//! recorded).

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::cli::{Cli, SessionsArgs};
use crate::error::AppError;
use crate::protocol::capture::format_time;
use crate::session;
use crate::store::db::SessionRow;
use crate::ui::report::{local_when, minutes};

/// A session's start, end and duration in seconds, as `summary` gives them: its first and
/// last reading (the stored summary's), else the row's start and end for a session that has
/// no summary yet.
pub fn span(row: &SessionRow) -> (DateTime<Utc>, Option<DateTime<Utc>>, Option<f64>) {
    if let Some(s) = session::stored_summary(row) {
        if let (Some(start), Some(end)) = (s.start, s.end) {
            return (start, Some(end), Some(s.duration_s));
        }
    }
    let duration = row
        .end
        .map(|end| (end - row.start).num_milliseconds() as f64 / 1000.0);
    (row.start, row.end, duration)
}

/// One session as a JSON object.
pub fn row_json(row: &SessionRow) -> serde_json::Value {
    let (start, end, duration_s) = span(row);
    json!({
        "id": row.id,
        "start": format_time(start),
        "end": end.map(format_time),
        "duration_s": duration_s,
        "status": row.status.as_str(),
        "source": row.source,
        "device": row.device_name.clone().or(row.device_address.clone()),
        "class": row.class,
        "avg_hr": row.avg_hr,
        "max_hr": row.max_hr,
        "active_s": row.active_s,
        "moderate_equivalent_min": row.moderate_equivalent_min,
        "trimp": row.trimp,
    })
}

/// How many sessions are listed without `--all` or `--since`.
pub const LATEST: usize = 50;

/// List the sessions.
pub fn run(cli: &Cli, args: &SessionsArgs) -> Result<(), AppError> {
    let settings = super::settings(cli)?;
    let db = super::open_db_to_read(&settings)?;
    let (rows, more) = if args.all {
        (db.sessions()?, 0)
    } else if let Some(day) = args.since {
        (db.sessions_since(session::local_day_bounds(day).0)?, 0)
    } else {
        let rows = db.latest_sessions(LATEST)?;
        let more = if rows.len() == LATEST {
            db.session_count()?.saturating_sub(LATEST as u64)
        } else {
            0
        };
        (rows, more)
    };
    if args.json {
        if more > 0 {
            eprintln!(
                "talkzone: the latest {LATEST} sessions; {more} older not shown (--all, --since)"
            );
        }
        return super::print_json(&json!(rows.iter().map(row_json).collect::<Vec<_>>()));
    }
    if rows.is_empty() {
        return super::print(
            "No sessions yet. Record one with `talkzone live` (or try `talkzone live --simulate`).\n",
        );
    }
    let mut out = format!(
        "{:>4}  {:<22} {:>10}  {:<9} {:>6}  {:>6}  {:>6}\n",
        "ID", "DATE", "DURATION", "CLASS", "AVG HR", "MOD-EQ", "LOAD"
    );
    for r in &rows {
        let (start, _, duration_s) = span(r);
        let class = match r.status.as_str() {
            "recording" => "recording".to_owned(),
            _ => r.class.clone().unwrap_or_else(|| "-".into()),
        };
        out.push_str(&format!(
            "{:>4}  {:<22} {:>10}  {:<9} {:>6}  {:>6}  {:>6}{}\n",
            r.id,
            local_when(start),
            duration_s.map(minutes).unwrap_or_else(|| "-".into()),
            class,
            r.avg_hr
                .map(|h| format!("{h:.0}"))
                .unwrap_or_else(|| "-".into()),
            r.moderate_equivalent_min
                .map(|m| format!("{m:.0}"))
                .unwrap_or_else(|| "-".into()),
            r.trimp
                .map(|t| format!("{t:.0}"))
                .unwrap_or_else(|| "-".into()),
            if r.status.as_str() == "recovered" {
                "  (recovered)"
            } else {
                ""
            },
        ));
    }
    if more > 0 {
        out.push_str(&format!(
            "(the latest {LATEST}; {more} older not shown: --all lists every session, --since \
             YYYY-MM-DD those since a day)\n"
        ));
    }
    super::print(&out)
}
