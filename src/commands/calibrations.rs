//! `talkzone calibrations [--json]`: every talk-test calibration, newest first: date, modality,
//! stages, the three thresholds, the workload at them, the alpha1 cross-check and the change
//! since the test before (the talk test tracks fitness, docs/science.md §3, §20).

use crate::cli::{Cli, JsonArgs};
use crate::error::AppError;
use crate::physiology::talk_test::{Stop, TalkResults};
use crate::store::db::CalibrationRow;
use crate::ui::calibration::report::{self, HistoryEntry};

/// A stored calibration as the history reads it: its stages from their JSON.
pub fn entry(row: &CalibrationRow) -> HistoryEntry {
    let stages = report::stages_from_text(&row.stages_json);
    let results = TalkResults {
        talk_ok_max_hr: row.talk_ok_max_hr,
        cannot_talk_hr: row.cannot_talk_hr,
        sing_ok_max_hr: row.sing_ok_max_hr,
    };
    HistoryEntry {
        calibration: row.id,
        session: row.session_id,
        t: row.t,
        modality: row.modality.clone(),
        stopped: Stop::from_id(&row.stopped)
            .map_or_else(|| row.stopped.clone(), |s| s.id().to_owned()),
        stages,
        results,
        hr_at_alpha1_075: row.hr_at_alpha1_075,
        hr_at_alpha1_050: row.hr_at_alpha1_050,
    }
}

/// List the calibrations.
pub fn run(cli: &Cli, args: &JsonArgs) -> Result<(), AppError> {
    let settings = super::settings(cli)?;
    let db = super::open_db_to_read(&settings)?;
    let entries: Vec<HistoryEntry> = db.calibrations()?.iter().map(entry).collect();
    if args.json {
        super::print_json(&report::history_json(&entries))
    } else {
        super::print(&report::history_text(&entries))
    }
}
