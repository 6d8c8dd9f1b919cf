//! `talkzone readiness`: today's verdict (`ready`, `take_it_easy`, `scale_back`) from the
//! resting-HR and HRV trends, training load and how you feel, with reasons and advice.

use crate::cli::{Cli, ReadinessArgs};
use crate::error::AppError;
use crate::history;
use crate::physiology::baseline::TrendToday;
use crate::ui;

/// Show the verdict.
pub fn run(cli: &Cli, args: &ReadinessArgs) -> Result<(), AppError> {
    let settings = super::settings(cli)?;
    let db = super::open_db_to_read(&settings)?;
    let today = args.date.unwrap_or_else(super::morning::today);
    let (trend, readiness) = history::readiness_as_of(&db, today, &settings)?;
    if args.json {
        let mut v = serde_json::to_value(&readiness).map_err(|source| AppError::Encode {
            what: "verdict",
            source,
        })?;
        v["date"] = serde_json::json!(today.to_string());
        v["baseline"] = baseline_json(&trend.today);
        super::print_json(&v)
    } else {
        let mut out = format!("Readiness for {}\n", today.format("%a %d %b %Y"));
        out.push_str(&ui::readiness::readiness(&readiness, &trend.today));
        super::print(&out)
    }
}

/// Today's baseline state as `readiness --json` and `morning --json` carry it: every field of
/// [`TrendToday`], and `days` (checks in the range's 60 days), `needed` (14) and `ready` (a
/// normal range exists).
pub(crate) fn baseline_json(today: &TrendToday) -> serde_json::Value {
    let mut v = serde_json::to_value(today).unwrap_or_default();
    v["days"] = serde_json::json!(today.baseline_days);
    v["needed"] = serde_json::json!(today.baseline_needed);
    v["ready"] = serde_json::json!(today.baseline_days >= today.baseline_needed);
    v
}
