//! `talkzone calibrate`: the guided talk-test calibration (docs/science.md §3, §20) as one more
//! session on the session runner: the strap (or a replay, or the simulated person of
//! [`crate::source::simulated_heart`] on a stage-by-stage ramp) through the pipeline into a
//! recorded session whose laps are the stages; the protocol ([`crate::physiology::talk_test`])
//! driven by the view (JSON question lines, or the full-screen terminal view); then the
//! calibration stored with its session and reported, with DFA alpha1's thresholds over the
//! same test beside the talk test's.

use std::io::IsTerminal;

use crate::cli::{CalibrateArgs, Cli};
use crate::error::AppError;
use crate::physiology::live::LiveSettings;
use crate::physiology::talk_test::{TalkTest, TestPlan, MAX_STAGES};
use crate::physiology::zones::PersonInputs;
use crate::runner::{self, RecordingPlan, SessionPlan};
use crate::session;
use crate::source::simulated_heart::SimulatedPerson;
use crate::source::{simulator, SourceKind};
use crate::store::db::{CalibrationRow, Db};
use crate::ui::calibration::json::QuestionLines;
use crate::ui::calibration::report::{self, TestReport};
use crate::ui::calibration::screen::CalibrationScreen;
use crate::ui::calibration::words::{self, Modality};
use crate::ui::calibration::{Guide, GuidedView};

/// Run the test.
pub fn run(cli: &Cli, args: &CalibrateArgs) -> Result<(), AppError> {
    let settings = super::settings(cli)?;
    let db = super::open_db(&settings)?;
    let zones = crate::history::zones_in_force(&settings, &db)?;
    for note in &zones.notes {
        eprintln!("talkzone: {note}");
    }
    let zones = zones.table;
    let modality = Modality::from_id(&args.modality).unwrap_or(Modality::Walk);
    // HRmax is "known" when the profile gives it or an age, not when age 40 is assumed.
    let max_hr = PersonInputs::from_profile(&settings.profile, None)
        .max_hr(settings.zones.config.hrmax_formula)
        .ok()
        .map(|(hr, _)| hr);
    let test = TalkTest::new(TestPlan {
        warmup: args.warmup_seconds,
        stage: args.stage_seconds,
        max_hr,
        max_stages: MAX_STAGES,
    });
    let mut source = super::source_plan(&settings, &args.source)?;
    let fast = match &source.kind {
        SourceKind::Simulator { fast, seed } => {
            source.workout = Some(simulator::Workout::new(
                simulator::talk_test_plan(
                    &SimulatedPerson::default(),
                    test.plan().warmup,
                    test.plan().stage,
                    MAX_STAGES,
                ),
                *seed,
            ));
            *fast
        }
        SourceKind::Replay { fast, .. } => *fast,
        SourceKind::Ble => false,
    };
    let json = args.json || !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal();
    let summary = session::summary_options(&settings);
    let plan = SessionPlan {
        source,
        live: LiveSettings {
            zones: Some(zones.clone()),
            max_gap: summary.max_gap,
            week_minutes_before: 0.0,
            plausible: summary.plausible,
            alpha1_step: settings.live.alpha1_step,
        },
        recording: Some(RecordingPlan {
            db,
            zones: zones.clone(),
            summary,
        }),
        keep_readings: false,
        stop_after: None,
        reading_time: None,
        data_dir: settings.storage.data_dir.clone(),
    };
    let guide = Guide::new(test, modality, fast, summary.plausible);
    let mut view: Box<dyn GuidedView> = if json {
        Box::new(QuestionLines::new(guide))
    } else {
        Box::new(CalibrationScreen::new(guide))
    };
    let outcome = super::block_on(runner::run(plan, view.as_mut()))??;
    let mut test = view.into_test();
    // The source ended, or a signal: a user stop.
    test.stop();
    let stopped = test
        .stopped()
        .unwrap_or(crate::physiology::talk_test::Stop::User);
    let Some((session_id, summary)) = outcome.finished else {
        return Err(AppError::NoData(
            "no heart-rate data was received: the test did not start. Put the strap on and try \
             again."
                .into(),
        ));
    };
    let (alpha_075, alpha_050) = summary
        .alpha1
        .map_or((None, None), |a| (a.hr_at_alpha1_075, a.hr_at_alpha1_050));
    let results = test.results();
    let stages = test.stages();
    let start = summary.start.unwrap_or_else(chrono::Utc::now);
    let mut row = CalibrationRow {
        id: 0,
        session_id,
        t: start,
        modality: modality.id().to_owned(),
        warmup_s: test.plan().warmup.as_secs_f64(),
        stage_s: test.plan().stage.as_secs_f64(),
        stopped: stopped.id().to_owned(),
        talk_ok_max_hr: results.talk_ok_max_hr,
        cannot_talk_hr: results.cannot_talk_hr,
        sing_ok_max_hr: results.sing_ok_max_hr,
        hr_at_alpha1_075: alpha_075,
        hr_at_alpha1_050: alpha_050,
        stages_json: serde_json::Value::Array(stages.iter().map(report::stage_json).collect())
            .to_string(),
    };
    let mut db = Db::open(&settings.storage.data_dir)?;
    row.id = db.add_calibration(&row)?;
    let r = TestReport {
        calibration: row.id,
        session: session_id,
        modality: modality.id(),
        stages,
        results,
        hr_at_alpha1_075: alpha_075,
        hr_at_alpha1_050: alpha_050,
        stopped,
    };
    if json {
        eprintln!("{}", outcome.tally.closing_line());
        super::print_json(&report::result_json(&r))
    } else {
        super::print(&format!(
            "{}\n\n{}\n{}\n",
            outcome.tally.closing_line(),
            report::result_text(&r),
            words::COOL_DOWN
        ))
    }
}
