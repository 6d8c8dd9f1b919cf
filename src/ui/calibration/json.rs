//! The calibration for scripts and pipes (`--json`, or standard input not a terminal): each
//! question is one JSON line on standard output (`{"ask", "stage", "hr", "passage"}`) and one
//! answer line is read from standard input; an answer that is not one of the question's is
//! asked again (the same line). A line `workload TEXT` records the workload (of the stage the
//! question is about, else the stage in progress). Standard input closing is a user stop.
//! Everything else (the safety line, instructions, the passage, the strap's state) goes to
//! standard error as text. The result line is the command's.

use std::io::{BufRead, Write};

use super::words::{self, Modality};
use super::{effects, question_json, Guide, GuidedView};
use crate::event::LinkEvent;
use crate::physiology::live::LiveNumbers;
use crate::physiology::talk_test::{parse_answer, Step, TalkTest};
use crate::pipeline::Output;
use crate::ui::lines::human_duration;
use crate::ui::session_view::{Effect, Input, InputSender, View, ViewError, ViewResult};

/// The question lines on standard output.
pub struct QuestionLines {
    guide: Guide,
    out: std::io::Stdout,
}

/// The workload in a line `workload TEXT`, if it is one.
fn workload_line(text: &str) -> Option<&str> {
    let t = text.trim_start();
    let rest = t.strip_prefix("workload")?;
    (rest.is_empty() || rest.starts_with(char::is_whitespace)).then(|| rest.trim())
}

impl QuestionLines {
    pub fn new(guide: Guide) -> Self {
        QuestionLines {
            guide,
            out: std::io::stdout(),
        }
    }

    fn show(&mut self, steps: Vec<Step>) -> ViewResult {
        let m = self.guide.modality;
        let mut out = effects(&steps);
        for step in &steps {
            match step {
                Step::WarmUp { start, end } => eprintln!(
                    "{}",
                    words::warm_up(m, (*end - *start).num_seconds() as f64 / 60.0)
                ),
                Step::StageStarted { stage, start, end } => eprintln!(
                    "Stage {stage} ({}): {}",
                    human_duration((*end - *start).to_std().unwrap_or_default()),
                    words::stage_instruction(m, *stage)
                ),
                Step::ReadAloud { stage } => {
                    eprintln!("Read this aloud now:\n\n{}\n", words::passage(*stage))
                }
                Step::Ask(q) => {
                    let gap = self
                        .guide
                        .test
                        .stages()
                        .iter()
                        .find(|s| s.stage == q.stage && s.gap_s > 0.0)
                        .map(|s| s.gap_s);
                    if let Some(gap) =
                        gap.filter(|_| q.ask == crate::physiology::talk_test::Ask::Speak)
                    {
                        eprintln!(
                            "talkzone: stage {}: {gap:.0} s without data while reading; its heart \
                             rate is from what arrived",
                            q.stage
                        );
                    }
                    if self.line(&question_json(q).to_string())? {
                        out.extend(effects(&self.guide.test.stop()));
                        out.push(Effect::Quit);
                    }
                }
                Step::Finished(stop) => {
                    eprintln!("Test over ({}). {}", stop.id(), words::COOL_DOWN)
                }
                Step::Lap(_) => {}
            }
        }
        Ok(out)
    }

    /// Writes one line; `true` when standard output is closed (the test ends as a user stop).
    fn line(&mut self, text: &str) -> Result<bool, ViewError> {
        let mut w = self.out.lock();
        match writeln!(w, "{text}").and_then(|()| w.flush()) {
            Ok(()) => Ok(false),
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(true),
            Err(source) => Err(ViewError {
                doing: "write a question",
                source,
            }),
        }
    }
}

impl View for QuestionLines {
    fn start(&mut self, input: InputSender) -> Result<(), ViewError> {
        eprintln!("{}", words::SAFETY);
        eprintln!(
            "Answer each question on its own line. A line `workload TEXT` ({}) notes the \
             stage's workload.",
            Modality::workload_hint(self.guide.modality)
        );
        std::thread::spawn(move || {
            for line in std::io::stdin().lock().lines() {
                let Ok(line) = line else { break };
                if input.blocking_send(Input::Line(line)).is_err() {
                    return;
                }
            }
            let _ = input.blocking_send(Input::EndOfInput);
        });
        Ok(())
    }

    fn output(&mut self, out: &Output, _live: &LiveNumbers) -> ViewResult {
        match out {
            Output::Link { event, .. } => {
                match event {
                    LinkEvent::Lost { .. } => eprintln!("talkzone: strap lost, reconnecting..."),
                    LinkEvent::Reconnected { gap } => {
                        eprintln!("talkzone: back after {}", human_duration(*gap))
                    }
                    LinkEvent::Connected(info) => eprintln!(
                        "connected to {}",
                        info.name.clone().unwrap_or_else(|| info.address.clone())
                    ),
                }
                Ok(Vec::new())
            }
            _ => {
                let steps = self.guide.output(out);
                self.show(steps)
            }
        }
    }

    fn input(&mut self, input: Input, _live: &LiveNumbers) -> ViewResult {
        match input {
            Input::Line(text) => {
                if let Some(w) = workload_line(&text) {
                    self.guide.test.workload(w);
                    return Ok(Vec::new());
                }
                let Some(q) = self.guide.test.question() else {
                    eprintln!("talkzone: no question is waiting; `workload TEXT` notes a workload");
                    return Ok(Vec::new());
                };
                match parse_answer(q.ask, &text) {
                    Some(answer) => {
                        let steps = self.guide.test.answer(answer);
                        self.show(steps)
                    }
                    None => self.show(vec![Step::Ask(q)]),
                }
            }
            Input::EndOfInput => {
                let steps = self.guide.test.stop();
                self.show(steps)
            }
            Input::Key(_) | Input::Char(_) | Input::Resize => Ok(Vec::new()),
        }
    }

    fn holds_source(&self) -> bool {
        self.guide.holds_source()
    }
}

impl GuidedView for QuestionLines {
    fn into_test(self: Box<Self>) -> TalkTest {
        self.guide.test
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_workload_line_is_recognised_and_an_answer_is_not() {
        assert_eq!(workload_line("workload 5 km/h 4 %"), Some("5 km/h 4 %"));
        assert_eq!(workload_line("  workload   150 W "), Some("150 W"));
        assert_eq!(workload_line("workload"), Some(""));
        assert_eq!(workload_line("workloads"), None);
        assert_eq!(workload_line("1"), None);
    }
}
