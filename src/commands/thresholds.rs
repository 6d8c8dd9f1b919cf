//! `talkzone thresholds [ID|last] [--json]`: DFA alpha1 of a recorded or imported session, window
//! by window, and the heart rate at alpha1 0.75 (aerobic threshold, ~VT1) and 0.5 (~VT2) from
//! the line of heart rate on alpha1 (docs/science.md §9), with a verdict in plain words.

use serde_json::json;

use crate::cli::{Cli, ThresholdsArgs};
use crate::config::Settings;
use crate::error::AppError;
use crate::physiology::dfa::{self, DfaAnalysis, DfaOptions, DfaWindow};
use crate::physiology::summary::without_paused;
use crate::reading::Reading;
use crate::session;
use crate::store::db::Db;
use crate::ui;

/// Analyse a session's RR intervals.
pub fn run(cli: &Cli, args: &ThresholdsArgs) -> Result<(), AppError> {
    let settings = super::settings(cli)?;
    let db = super::open_db_to_read(&settings)?;
    let row = super::summary::find(&db, &args.session)?;
    let readings = db.readings(row.id)?;
    let analysis = analyse(&db, row.id, &readings, &settings)?;
    if analysis.rr_count == 0 {
        return Err(AppError::NoData(format!(
            "session {} has no RR intervals, and DFA alpha1 is computed from them: record with a \
             chest strap that sends RR (a Polar H10, Garmin HRM, Wahoo TICKR...; most watches' \
             optical sensors do not), or import a FIT file with `hrv` messages",
            row.id
        )));
    }
    let verdict = dfa::verdict(&analysis);
    if args.json {
        let mut v = serde_json::to_value(&analysis).map_err(|source| AppError::Encode {
            what: "thresholds",
            source,
        })?;
        v["session"] = json!(row.id);
        v["ramp"] = json!(dfa::is_ramp(&analysis.thresholds));
        v["verdict"] = json!(verdict);
        super::print_json(&v)?;
    } else {
        super::print(&text(row.id, &analysis, &verdict))?;
    }
    if analysis.thresholds.reliable_windows == 0 {
        return Err(AppError::NoData(format!(
            "session {}: the RR intervals are too disturbed for DFA alpha1 ({:.0} % artifacts \
             over its windows; a window needs at most 5 %)",
            row.id,
            mean_artifact_share(&analysis) * 100.0
        )));
    }
    Ok(())
}

/// DFA alpha1 of a stored session's `readings` (its paused stretches left out), with the
/// summary's `max_gap`.
fn analyse(
    db: &Db,
    id: i64,
    readings: &[Reading],
    settings: &Settings,
) -> Result<DfaAnalysis, AppError> {
    let paused = session::paused_spans(db, id)?;
    let opts = DfaOptions {
        max_gap: settings.summary.max_gap,
        ..DfaOptions::default()
    };
    Ok(if paused.is_empty() {
        dfa::analyse(readings, &opts)
    } else {
        dfa::analyse(&without_paused(readings, &paused), &opts)
    })
}

/// The alpha1 windows of a stored session, for `summary --plot`.
pub fn alpha1_windows(
    db: &Db,
    id: i64,
    readings: &[Reading],
    settings: &Settings,
) -> Result<Vec<DfaWindow>, AppError> {
    Ok(analyse(db, id, readings, settings)?.windows)
}

/// The mean artifact share of the windows, weighted by their beats.
fn mean_artifact_share(a: &DfaAnalysis) -> f64 {
    let (excluded, beats) = a.windows.iter().fold((0usize, 0usize), |(e, b), w| {
        (e + w.excluded.len(), b + w.beats)
    });
    if beats == 0 {
        0.0
    } else {
        excluded as f64 / beats as f64
    }
}

fn text(id: i64, a: &DfaAnalysis, verdict: &str) -> String {
    let t = &a.thresholds;
    let mut out = format!(
        "Session {id}: DFA alpha1 over {} windows of 120 s ({} reliable), {} RR intervals\n",
        a.windows.len(),
        t.reliable_windows,
        a.rr_count
    );
    match t.fit {
        Ok(f) => out.push_str(&format!(
            "  heart rate on alpha1: {:.1} bpm per 0.1 alpha1, r² {:.2}\n",
            -f.slope / 10.0,
            f.r_squared
        )),
        Err(why) => out.push_str(&format!("  no line of heart rate on alpha1: {why}\n")),
    }
    let hr = |r: &Result<f64, dfa::ThresholdMissing>| match r {
        Ok(h) => format!("{h:.0} bpm"),
        Err(why) => format!("none ({why})"),
    };
    out.push_str(&format!(
        "  alpha1 0.75 (aerobic threshold, ~VT1): {}\n  alpha1 0.5 (~VT2): {}\n",
        hr(&t.hr_at_075),
        hr(&t.hr_at_050)
    ));
    out.push_str(&format!(
        "  time: {} above 0.75, {} between, {} below 0.5\n",
        ui::report::minutes(a.alpha1_time.above_075_s),
        ui::report::minutes(a.alpha1_time.between_s),
        ui::report::minutes(a.alpha1_time.below_050_s)
    ));
    out.push_str(&format!("{verdict}\n"));
    out
}
