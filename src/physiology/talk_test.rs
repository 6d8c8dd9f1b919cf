//! The guided talk-test calibration as a pure state machine (docs/science.md §3, §20): a
//! warm-up, then stages of rising effort; in the last 30 s of each stage the person reads a
//! passage aloud; at the stage's end they are asked whether they could speak comfortably (and,
//! while every answer has been yes, whether they could have sung it). The test stops at the first
//! "no", at 95 % of HRmax, on the user's word or after 15 stages; the results are the heart rates
//! of the last "yes", the first "no" and the last stage that could have been sung.
//!
//! Owns the stages, their timing on the readings' own clock, the stage heart rate (the mean of
//! the readings in the stage's last 30 s), the order of the questions, the stop rules and the
//! results. It knows nothing of screens, words, passages or storage: readings, answers and a
//! stop come in; [`Step`]s (a stage starts, read now, ask this, mark a lap, the test is over)
//! go out, the way the connection supervisor returns actions.

use std::collections::VecDeque;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;

/// The reading-aloud window at the end of each stage, whose readings make the stage's heart
/// rate: a passage of 90-100 words takes about 30 s to read (docs/science.md §3).
pub const READING_WINDOW: Duration = Duration::from_secs(30);
/// The shortest stage: the switch to "negative" above VT1 took more than 2 minutes on average
/// (Foster 2008, docs/science.md §3).
pub const MIN_STAGE: Duration = Duration::from_secs(120);
/// The default stage length.
pub const DEFAULT_STAGE: Duration = Duration::from_secs(120);
/// The default warm-up, without questions (docs/science.md §20).
pub const DEFAULT_WARMUP: Duration = Duration::from_secs(180);
/// The test ends after this many stages (docs/science.md §20).
pub const MAX_STAGES: u32 = 15;
/// The test ends at a stage whose heart rate reached this fraction of HRmax, when HRmax is
/// known (docs/science.md §20).
pub const HR_LIMIT_FRACTION: f64 = 0.95;
/// A silence longer than this in a stage's reading window counts as a gap (a strap sends a
/// packet a second).
pub const GAP_AFTER: Duration = Duration::from_secs(2);

/// How the test runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TestPlan {
    /// The warm-up before stage 1, counted from the first reading.
    pub warmup: Duration,
    /// The length of every stage (at least [`MIN_STAGE`]; shorter is raised to it).
    pub stage: Duration,
    /// HRmax, bpm, when known: a stage at [`HR_LIMIT_FRACTION`] of it is the last.
    pub max_hr: Option<f64>,
    /// The most stages (at most [`MAX_STAGES`]).
    pub max_stages: u32,
}

impl Default for TestPlan {
    fn default() -> Self {
        TestPlan {
            warmup: DEFAULT_WARMUP,
            stage: DEFAULT_STAGE,
            max_hr: None,
            max_stages: MAX_STAGES,
        }
    }
}

/// "Could you speak comfortably?" (docs/science.md §3: positive, equivocal, negative).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Speak {
    Yes,
    Equivocal,
    No,
}

impl Speak {
    /// The id in JSON and in the store: `yes`, `equivocal`, `no`.
    pub fn id(self) -> &'static str {
        match self {
            Speak::Yes => "yes",
            Speak::Equivocal => "equivocal",
            Speak::No => "no",
        }
    }

    /// The answer for an id from [`Speak::id`].
    pub fn from_id(id: &str) -> Option<Speak> {
        [Speak::Yes, Speak::Equivocal, Speak::No]
            .into_iter()
            .find(|s| s.id() == id)
    }
}

/// Which question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Ask {
    /// "Could you speak comfortably?"
    Speak,
    /// "Could you have sung it?"
    Sing,
}

impl Ask {
    /// The id in the JSON question: `speak`, `sing`.
    pub fn id(self) -> &'static str {
        match self {
            Ask::Speak => "speak",
            Ask::Sing => "sing",
        }
    }
}

/// One answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Speak(Speak),
    /// Could have sung it: yes or no.
    Sing(bool),
}

/// An answer typed for question `ask`: speak `1`|`yes`, `2`|`equivocal`|`eq`, `3`|`no`; sing
/// `y`|`yes`, `n`|`no` (any case, surrounding spaces ignored). Anything else is `None`: the
/// question is asked again.
pub fn parse_answer(ask: Ask, text: &str) -> Option<Answer> {
    let t = text.trim().to_ascii_lowercase();
    match ask {
        Ask::Speak => match t.as_str() {
            "1" | "yes" => Some(Answer::Speak(Speak::Yes)),
            "2" | "equivocal" | "eq" => Some(Answer::Speak(Speak::Equivocal)),
            "3" | "no" => Some(Answer::Speak(Speak::No)),
            _ => None,
        },
        Ask::Sing => match t.as_str() {
            "y" | "yes" => Some(Answer::Sing(true)),
            "n" | "no" => Some(Answer::Sing(false)),
            _ => None,
        },
    }
}

/// A question waiting for its answer.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Question {
    pub ask: Ask,
    pub stage: u32,
    /// The stage's heart rate, bpm (`None`: no reading in its last 30 s).
    pub hr: Option<f64>,
}

/// Why the test ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stop {
    /// The first "no" to speaking.
    Negative,
    /// A stage reached 95 % of HRmax.
    HrLimit,
    /// The user stopped (a key, standard input closed, the source ended).
    User,
    /// After the last stage.
    MaxStages,
}

impl Stop {
    /// The id in JSON and in the store: `negative`, `hr_limit`, `user`, `max_stages`.
    pub fn id(self) -> &'static str {
        match self {
            Stop::Negative => "negative",
            Stop::HrLimit => "hr_limit",
            Stop::User => "user",
            Stop::MaxStages => "max_stages",
        }
    }

    /// The reason for an id from [`Stop::id`].
    pub fn from_id(id: &str) -> Option<Stop> {
        [Stop::Negative, Stop::HrLimit, Stop::User, Stop::MaxStages]
            .into_iter()
            .find(|s| s.id() == id)
    }
}

/// One finished stage.
#[derive(Debug, Clone, PartialEq)]
pub struct StageResult {
    /// 1, 2, ...
    pub stage: u32,
    /// Start and end on the readings' clock.
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// The mean heart rate of the readings in the stage's last 30 s, bpm.
    pub hr: Option<f64>,
    /// Readings behind `hr`.
    pub readings: usize,
    /// Silences longer than [`GAP_AFTER`] in the last 30 s, seconds in all.
    pub gap_s: f64,
    pub speak: Option<Speak>,
    pub sing: Option<bool>,
    /// What the user typed as the stage's workload ("6 km/h, 4 %", "150 W").
    pub workload: Option<String>,
}

/// What the test found (each `None` when the test did not reach it).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct TalkResults {
    /// HR of the last stage answered "yes" to speaking.
    pub talk_ok_max_hr: Option<f64>,
    /// HR of the first stage answered "no".
    pub cannot_talk_hr: Option<f64>,
    /// HR of the last stage where singing was "yes".
    pub sing_ok_max_hr: Option<f64>,
}

/// Which stages the results come from (indices into the stages; each `None` when not reached).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ThresholdStages {
    /// The last stage answered "yes" that has a heart rate.
    pub talk_ok: Option<usize>,
    /// The first stage answered "no".
    pub cannot_talk: Option<usize>,
    /// The last stage where singing was "yes" that has a heart rate.
    pub sing_ok: Option<usize>,
}

/// The stages behind the results (docs/science.md §20): only stages up to the first "no"
/// count; equivocal stages count for neither threshold.
pub fn threshold_stages(stages: &[StageResult]) -> ThresholdStages {
    let mut r = ThresholdStages::default();
    for (i, s) in stages.iter().enumerate() {
        match s.speak {
            Some(Speak::Yes) if s.hr.is_some() => r.talk_ok = Some(i),
            Some(Speak::No) => {
                r.cannot_talk = Some(i);
                break;
            }
            _ => {}
        }
        if s.sing == Some(true) && s.hr.is_some() {
            r.sing_ok = Some(i);
        }
    }
    r
}

/// The results of `stages`: the heart rates of [`threshold_stages`].
pub fn results(stages: &[StageResult]) -> TalkResults {
    let at = threshold_stages(stages);
    let hr = |i: Option<usize>| i.and_then(|i| stages.get(i)).and_then(|s| s.hr);
    TalkResults {
        talk_ok_max_hr: hr(at.talk_ok),
        cannot_talk_hr: hr(at.cannot_talk),
        sing_ok_max_hr: hr(at.sing_ok),
    }
}

/// What the test asks of its shell.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// The warm-up began (at the first reading) and ends at `end`.
    WarmUp {
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    },
    /// Stage `stage` began: say what to do.
    StageStarted {
        stage: u32,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    },
    /// The stage's last 30 s began: show the passage to read aloud.
    ReadAloud { stage: u32 },
    /// Mark a lap at `t` (the end of the warm-up, the end of each stage).
    Lap(DateTime<Utc>),
    /// Ask this (the passage stays on screen until it is answered).
    Ask(Question),
    /// The test is over: show the cool-down prompt.
    Finished(Stop),
}

/// The stage in progress.
#[derive(Debug, Clone)]
struct Running {
    stage: u32,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    /// (time, HR) of the readings with a signal in the last 30 s.
    window: Vec<(DateTime<Utc>, f64)>,
    read_aloud: bool,
    workload: Option<String>,
}

/// The test, fed one reading, answer or stop at a time.
#[derive(Debug, Clone)]
pub struct TalkTest {
    plan: TestPlan,
    started: Option<DateTime<Utc>>,
    warmup_end: Option<DateTime<Utc>>,
    running: Option<Running>,
    /// A workload typed during the warm-up, for stage 1.
    next_workload: Option<String>,
    stages: Vec<StageResult>,
    /// Questions in the order they are asked; the front one is on screen.
    questions: VecDeque<Question>,
    /// No more stages start (the last stage ended; HRmax reached): the reason, once its
    /// questions are answered.
    closing: Option<Stop>,
    /// A "no" to singing was given: singing is not asked again.
    sing_over: bool,
    stopped: Option<Stop>,
}

fn delta(d: Duration) -> TimeDelta {
    TimeDelta::from_std(d).unwrap_or(TimeDelta::MAX)
}

/// `t + d`, held at the end of time rather than overflowing (no reading gets there).
fn after(t: DateTime<Utc>, d: Duration) -> DateTime<Utc> {
    t.checked_add_signed(delta(d))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// `t - d`, held at the start of time.
fn before(t: DateTime<Utc>, d: Duration) -> DateTime<Utc> {
    t.checked_sub_signed(delta(d))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

impl TalkTest {
    /// A test run by `plan` (a stage shorter than [`MIN_STAGE`] is raised to it; at most
    /// [`MAX_STAGES`] stages).
    pub fn new(plan: TestPlan) -> Self {
        TalkTest {
            plan: TestPlan {
                stage: plan.stage.max(MIN_STAGE),
                max_stages: plan.max_stages.clamp(1, MAX_STAGES),
                ..plan
            },
            started: None,
            warmup_end: None,
            running: None,
            next_workload: None,
            stages: Vec::new(),
            questions: VecDeque::new(),
            closing: None,
            sing_over: false,
            stopped: None,
        }
    }

    /// The plan in force.
    pub fn plan(&self) -> &TestPlan {
        &self.plan
    }

    /// A reading at `t`; `hr` is `None` for a reading without a signal (no contact, HR 0).
    pub fn reading(&mut self, t: DateTime<Utc>, hr: Option<f64>) -> Vec<Step> {
        let mut steps = Vec::new();
        if self.stopped.is_some() {
            return steps;
        }
        let warmup_end = match self.warmup_end {
            Some(end) => end,
            None => {
                let end = after(t, self.plan.warmup);
                self.started = Some(t);
                self.warmup_end = Some(end);
                steps.push(Step::WarmUp { start: t, end });
                end
            }
        };
        if self.running.is_none() && self.stages.is_empty() && t >= warmup_end {
            steps.push(Step::Lap(warmup_end));
            self.start_stage(1, warmup_end, &mut steps);
        }
        // A long dropout can pass several stage ends at once.
        while let Some(end) = self.running.as_ref().map(|r| r.end).filter(|end| t >= *end) {
            self.end_stage(end, &mut steps);
        }
        if let Some(r) = self.running.as_mut() {
            if t >= before(r.end, READING_WINDOW) {
                if let Some(hr) = hr {
                    r.window.push((t, hr));
                }
                if !r.read_aloud {
                    r.read_aloud = true;
                    steps.push(Step::ReadAloud { stage: r.stage });
                }
            }
        }
        steps
    }

    fn start_stage(&mut self, stage: u32, start: DateTime<Utc>, steps: &mut Vec<Step>) {
        let end = after(start, self.plan.stage);
        self.running = Some(Running {
            stage,
            start,
            end,
            window: Vec::new(),
            read_aloud: false,
            workload: if stage == 1 {
                self.next_workload.take()
            } else {
                None
            },
        });
        steps.push(Step::StageStarted { stage, start, end });
    }

    fn end_stage(&mut self, end: DateTime<Utc>, steps: &mut Vec<Step>) {
        let Some(r) = self.running.take() else {
            return;
        };
        let hr = (!r.window.is_empty())
            .then(|| r.window.iter().map(|(_, hr)| hr).sum::<f64>() / r.window.len() as f64);
        let gap_s = gap_seconds(before(end, READING_WINDOW), end, &r.window);
        self.stages.push(StageResult {
            stage: r.stage,
            start: r.start,
            end,
            hr,
            readings: r.window.len(),
            gap_s,
            speak: None,
            sing: None,
            workload: r.workload,
        });
        steps.push(Step::Lap(end));
        let q = Question {
            ask: Ask::Speak,
            stage: r.stage,
            hr,
        };
        self.questions.push_back(q);
        if self.questions.len() == 1 {
            steps.push(Step::Ask(q));
        }
        let at_limit = matches!((hr, self.plan.max_hr), (Some(hr), Some(max)) if hr >= HR_LIMIT_FRACTION * max);
        if at_limit {
            self.closing = Some(Stop::HrLimit);
        } else if r.stage >= self.plan.max_stages {
            self.closing = Some(Stop::MaxStages);
        } else {
            self.start_stage(r.stage + 1, end, steps);
        }
    }

    /// The question on screen, if any.
    pub fn question(&self) -> Option<Question> {
        self.questions.front().copied()
    }

    /// The answer to [`TalkTest::question`] (an answer of the other kind is ignored).
    pub fn answer(&mut self, answer: Answer) -> Vec<Step> {
        let mut steps = Vec::new();
        let Some(q) = self.question() else {
            return steps;
        };
        if self.stopped.is_some() {
            return steps;
        }
        let Some(stage) = self.stages.iter_mut().find(|s| s.stage == q.stage) else {
            return steps;
        };
        match (q.ask, answer) {
            (Ask::Speak, Answer::Speak(speak)) => {
                stage.speak = Some(speak);
                self.questions.pop_front();
                if speak == Speak::No {
                    return self.finish(Stop::Negative);
                }
                let all_yes = self
                    .stages
                    .iter()
                    .filter_map(|s| s.speak)
                    .all(|s| s == Speak::Yes);
                if all_yes && !self.sing_over {
                    self.questions.push_front(Question {
                        ask: Ask::Sing,
                        ..q
                    });
                }
            }
            (Ask::Sing, Answer::Sing(sing)) => {
                stage.sing = Some(sing);
                self.sing_over |= !sing;
                self.questions.pop_front();
            }
            _ => return steps,
        }
        match (self.question(), self.closing) {
            (Some(next), _) => steps.push(Step::Ask(next)),
            (None, Some(stop)) => steps.extend(self.finish(stop)),
            (None, None) => {}
        }
        steps
    }

    /// The user stopped the test (or its source ended).
    pub fn stop(&mut self) -> Vec<Step> {
        if self.stopped.is_some() {
            return Vec::new();
        }
        self.finish(Stop::User)
    }

    fn finish(&mut self, stop: Stop) -> Vec<Step> {
        self.stopped = Some(stop);
        self.running = None;
        self.questions.clear();
        vec![Step::Finished(stop)]
    }

    /// A workload the user typed: for the stage a question is about, else the stage in
    /// progress, else (in the warm-up) stage 1. Empty text is ignored.
    pub fn workload(&mut self, text: &str) {
        let text = text.trim();
        if text.is_empty() || self.stopped.is_some() {
            return;
        }
        let text = Some(text.to_owned());
        if let Some(q) = self.question() {
            if let Some(s) = self.stages.iter_mut().find(|s| s.stage == q.stage) {
                s.workload = text;
            }
        } else if let Some(r) = self.running.as_mut() {
            r.workload = text;
        } else if self.stages.is_empty() {
            self.next_workload = text;
        }
    }

    /// The finished stages so far.
    pub fn stages(&self) -> &[StageResult] {
        &self.stages
    }

    /// The stage in progress: number, start, end.
    pub fn current_stage(&self) -> Option<(u32, DateTime<Utc>, DateTime<Utc>)> {
        self.running.as_ref().map(|r| (r.stage, r.start, r.end))
    }

    /// When the warm-up ends (after the first reading).
    pub fn warmup_end(&self) -> Option<DateTime<Utc>> {
        self.warmup_end
    }

    /// Why the test ended, once it has.
    pub fn stopped(&self) -> Option<Stop> {
        self.stopped
    }

    /// The results of the stages so far.
    pub fn results(&self) -> TalkResults {
        results(&self.stages)
    }
}

/// Seconds of silence longer than [`GAP_AFTER`] between `from`, the readings' times and `to`.
fn gap_seconds(from: DateTime<Utc>, to: DateTime<Utc>, window: &[(DateTime<Utc>, f64)]) -> f64 {
    let limit = delta(GAP_AFTER);
    let times: Vec<DateTime<Utc>> = std::iter::once(from)
        .chain(window.iter().map(|(t, _)| *t))
        .chain(std::iter::once(to))
        .collect();
    times
        .windows(2)
        .map(|w| w[1] - w[0])
        .filter(|d| *d > limit)
        .map(|d| d.num_milliseconds() as f64 / 1000.0)
        .fold(0.0, |a, b| a + b)
}

#[cfg(test)]
mod tests;
