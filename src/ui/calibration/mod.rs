//! The talk-test calibration's screens: the [`words`] it says, the [`Guide`] both screens share
//! (the protocol fed from the session's readings, and what its steps ask of the session runner),
//! the JSON question lines of scripts and pipes ([`json::QuestionLines`]), the full-screen
//! terminal view ([`screen::CalibrationScreen`] drawing a [`panel::Panel`]), the result and
//! the history in words and JSON ([`report`]).

pub mod json;
pub mod panel;
pub mod report;
pub mod screen;
pub mod words;

use serde_json::json;

use crate::physiology::summary::{has_signal, PlausibleHr};
use crate::physiology::talk_test::{Question, Step, TalkTest};
use crate::pipeline::Output;
use crate::ui::session_view::{Effect, View};
use words::Modality;

/// The protocol as the views drive it.
pub struct Guide {
    pub test: TalkTest,
    pub modality: Modality,
    /// The source runs faster than real time (`--fast`): it is held while a question waits, so
    /// that the answer belongs to the stage it is about.
    fast: bool,
    plausible: PlausibleHr,
}

impl Guide {
    /// `fast`: the source runs faster than real time.
    pub fn new(test: TalkTest, modality: Modality, fast: bool, plausible: PlausibleHr) -> Self {
        Guide {
            test,
            modality,
            fast,
            plausible,
        }
    }

    /// A pipeline output: readings go to the protocol (a reading without a signal with no
    /// heart rate).
    pub fn output(&mut self, out: &Output) -> Vec<Step> {
        match out {
            Output::Reading(r) => {
                let hr = has_signal(r, self.plausible).then_some(f64::from(r.hr));
                self.test.reading(r.t, hr)
            }
            _ => Vec::new(),
        }
    }

    /// Whether the source should wait: a question is waiting and the source is fast.
    pub fn holds_source(&self) -> bool {
        self.fast && self.test.question().is_some() && self.test.stopped().is_none()
    }
}

/// A calibration screen: a session view that hands its test back when the session is over.
pub trait GuidedView: View {
    fn into_test(self: Box<Self>) -> TalkTest;
}

/// What steps ask of the session: a lap at each stage boundary, the end when the test is over.
pub fn effects(steps: &[Step]) -> Vec<Effect> {
    steps
        .iter()
        .filter_map(|s| match s {
            Step::Lap(t) => Some(Effect::Lap { t: Some(*t) }),
            Step::Finished(_) => Some(Effect::Quit),
            _ => None,
        })
        .collect()
}

/// The JSON question line: `{"ask": "speak"|"sing", "stage": N, "hr": ..., "passage": "..."}`.
pub fn question_json(q: &Question) -> serde_json::Value {
    json!({
        "ask": q.ask.id(),
        "stage": q.stage,
        "hr": q.hr,
        "passage": words::passage(q.stage),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::physiology::talk_test::{Ask, Stop};
    use chrono::{TimeZone, Utc};

    #[test]
    fn laps_and_the_end_become_effects() {
        let t = Utc.with_ymd_and_hms(2026, 11, 12, 18, 0, 0).unwrap();
        let steps = [
            Step::Lap(t),
            Step::ReadAloud { stage: 1 },
            Step::Finished(Stop::User),
        ];
        assert_eq!(
            effects(&steps),
            vec![Effect::Lap { t: Some(t) }, Effect::Quit]
        );
    }

    #[test]
    fn the_question_line_has_the_interface_keys() {
        let v = question_json(&Question {
            ask: Ask::Sing,
            stage: 2,
            hr: Some(131.5),
        });
        assert_eq!(v["ask"], "sing");
        assert_eq!(v["stage"], 2);
        assert_eq!(v["hr"], 131.5);
        assert_eq!(v["passage"], words::passage(2));
        assert_eq!(v.as_object().map(|o| o.len()), Some(4));
    }
}
