//! `talkzone sessions`: the recorded sessions, newest first.

use serde_json::json;

use crate::cli::{Cli, JsonArgs};
use crate::error::AppError;
use crate::protocol::capture::format_time;
use crate::store::db::SessionRow;
use crate::ui::report::{local_when, minutes};

fn duration_s(row: &SessionRow) -> Option<f64> {
    row.end
        .map(|end| (end - row.start).num_milliseconds() as f64 / 1000.0)
}

/// One session as a JSON object.
pub fn row_json(row: &SessionRow) -> serde_json::Value {
    json!({
        "id": row.id,
        "start": format_time(row.start),
        "end": row.end.map(format_time),
        "duration_s": duration_s(row),
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

/// List the sessions.
pub fn run(cli: &Cli, args: &JsonArgs) -> Result<(), AppError> {
    let settings = super::settings(cli)?;
    let db = super::open_db(&settings)?;
    let rows = db.sessions()?;
    if args.json {
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
        let class = match r.status.as_str() {
            "recording" => "recording".to_owned(),
            _ => r.class.clone().unwrap_or_else(|| "-".into()),
        };
        out.push_str(&format!(
            "{:>4}  {:<22} {:>10}  {:<9} {:>6}  {:>6}  {:>6}{}\n",
            r.id,
            local_when(r.start),
            duration_s(r).map(minutes).unwrap_or_else(|| "-".into()),
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
    super::print(&out)
}
