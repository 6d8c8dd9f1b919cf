//! The panel driven by a real protocol, drawn on a `TestBackend` at 80 x 24.

use super::*;
use crate::physiology::talk_test::{Speak, TestPlan};
use chrono::{TimeDelta, TimeZone};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

fn at(s: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 12, 18, 0, 0).unwrap() + TimeDelta::seconds(s)
}

struct Rig {
    test: TalkTest,
    panel: Panel,
}

impl Rig {
    fn new() -> Self {
        Rig {
            test: TalkTest::new(TestPlan::default()),
            panel: Panel::new(Modality::Bike),
        }
    }

    /// Readings at 120 bpm each second from `from` to `to`.
    fn feed(&mut self, from: i64, to: i64) {
        for s in from..=to {
            self.panel.reading(at(s), Some(120));
            let steps = self.test.reading(at(s), Some(120.0));
            self.panel.steps(&steps, &self.test);
        }
    }

    fn key(&mut self, c: char) -> KeyAction {
        let action = self.panel.key(c);
        if let KeyAction::Answer(a) = action {
            let steps = self.test.answer(a);
            self.panel.steps(&steps, &self.test);
        }
        action
    }

    fn screen(&self) -> String {
        let mut t = Terminal::new(TestBackend::new(80, 24)).unwrap();
        t.draw(|f| render(&self.panel, f)).unwrap();
        let buf = t.backend().buffer().clone();
        (0..buf.area.height)
            .map(|y| {
                (0..buf.area.width)
                    .map(|x| buf[(x, y)].symbol().to_owned())
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

#[test]
fn the_warm_up_shows_the_time_left_and_the_safety_line() {
    let mut rig = Rig::new();
    rig.feed(0, 30);
    let s = rig.screen();
    assert!(s.contains("Talk test · bike · warm-up · 2:30 left"), "{s}");
    assert!(s.contains("Before you start"), "{s}");
    assert!(s.contains("chest pain"), "{s}");
    assert!(s.contains("q stop"), "{s}");
}

#[test]
fn the_passage_shows_in_the_last_30_s_and_stays_with_the_question_until_answered() {
    let mut rig = Rig::new();
    rig.feed(0, 260);
    let s = rig.screen();
    assert!(s.contains("stage 1 · 0:40 left"), "{s}");
    assert!(s.contains("Pedal at 75 W"), "{s}");
    assert!(!s.contains("The old bakery"), "{s}");
    rig.feed(261, 270);
    let s = rig.screen();
    assert!(s.contains("Read this aloud"), "{s}");
    assert!(s.contains("The old bakery"), "{s}");
    assert!(!s.contains("Could you speak"), "{s}");
    // The stage ends; stage 2 runs; the question about stage 1 keeps its passage on screen.
    rig.feed(271, 310);
    let s = rig.screen();
    assert!(s.contains("stage 2 · 1:50 left"), "{s}");
    assert!(s.contains("Add 25 W"), "{s}");
    assert!(s.contains("The old bakery"), "{s}");
    assert!(
        s.contains("Could you speak comfortably?  1 yes   2 not quite   3 no"),
        "{s}"
    );
    // A key that is not an answer does nothing; 1 answers, then the singing question.
    assert_eq!(rig.key('y'), KeyAction::Nothing);
    assert_eq!(rig.key('1'), KeyAction::Answer(Answer::Speak(Speak::Yes)));
    let s = rig.screen();
    assert!(s.contains("Could you have sung it?  y yes   n no"), "{s}");
    assert_eq!(rig.key('3'), KeyAction::Nothing);
    assert_eq!(rig.key('n'), KeyAction::Answer(Answer::Sing(false)));
    let s = rig.screen();
    assert!(!s.contains("Could you"), "{s}");
    assert!(!s.contains("The old bakery"), "{s}");
    assert!(s.contains("Keep going"), "{s}");
}

#[test]
fn w_types_a_workload_and_q_stops() {
    let mut rig = Rig::new();
    rig.feed(0, 200);
    assert_eq!(rig.key('w'), KeyAction::Nothing);
    for c in "150 Wq".chars() {
        assert_eq!(rig.key(c), KeyAction::Nothing);
    }
    rig.key('\u{8}');
    let s = rig.screen();
    assert!(s.contains("workload: 150 W_"), "{s}");
    assert_eq!(rig.key('\n'), KeyAction::Workload("150 W".into()));
    assert!(rig.screen().contains("workload: 150 W"));
    // Esc leaves typing without keeping anything.
    rig.key('w');
    rig.key('9');
    rig.panel.dismiss();
    assert_eq!(rig.key('q'), KeyAction::Stop);
}

#[test]
fn a_lost_strap_and_its_return_are_said() {
    let mut rig = Rig::new();
    rig.feed(0, 5);
    rig.panel.link(&LinkEvent::Lost {
        reason: crate::event::LossReason::Watchdog,
    });
    assert!(rig.screen().contains("strap lost, reconnecting..."));
    rig.panel.link(&LinkEvent::Reconnected {
        gap: Duration::from_secs(7),
    });
    assert!(rig.screen().contains("back after 7 s"));
}
