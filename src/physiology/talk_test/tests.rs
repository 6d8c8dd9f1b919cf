//! The protocol's timing, questions, stop rules and results, with hand-computed expectations.

use super::*;
use chrono::TimeZone;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 12, 18, 0, 0).unwrap()
}

fn at(s: i64) -> DateTime<Utc> {
    t0() + TimeDelta::seconds(s)
}

/// Warm-up 180 s, stages of 120 s: stage n runs from 180 + 120 (n - 1) to 180 + 120 n seconds.
fn plan(max_hr: Option<f64>) -> TestPlan {
    TestPlan {
        warmup: Duration::from_secs(180),
        stage: Duration::from_secs(120),
        max_hr,
        max_stages: MAX_STAGES,
    }
}

/// Feeds one reading a second from `from` to `to` (inclusive) at `hr(s)`, collecting steps.
fn feed(test: &mut TalkTest, from: i64, to: i64, hr: impl Fn(i64) -> Option<f64>) -> Vec<Step> {
    (from..=to)
        .flat_map(|s| test.reading(at(s), hr(s)))
        .collect()
}

fn asks(steps: &[Step]) -> Vec<Question> {
    steps
        .iter()
        .filter_map(|s| match s {
            Step::Ask(q) => Some(*q),
            _ => None,
        })
        .collect()
}

/// Stage `n`'s reading window holds HR 100 + n x 10 + (s - window start): its mean is
/// 100 + 10 n + 14.5 (the mean of 0..=29). Before the window: 60 bpm.
fn ramp(s: i64) -> Option<f64> {
    if s < 180 {
        return Some(60.0);
    }
    let n = (s - 180) / 120 + 1;
    let into = (s - 180) % 120;
    if into >= 90 {
        Some(100.0 + 10.0 * n as f64 + (into - 90) as f64)
    } else {
        Some(60.0)
    }
}

#[test]
fn the_warm_up_and_the_first_stage_run_on_the_readings_clock() {
    let mut test = TalkTest::new(plan(None));
    let steps = test.reading(at(0), Some(60.0));
    assert_eq!(
        steps,
        vec![Step::WarmUp {
            start: at(0),
            end: at(180)
        }]
    );
    assert!(feed(&mut test, 1, 179, ramp).is_empty());
    assert_eq!(
        feed(&mut test, 180, 180, ramp),
        vec![
            Step::Lap(at(180)),
            Step::StageStarted {
                stage: 1,
                start: at(180),
                end: at(300)
            }
        ]
    );
    assert!(feed(&mut test, 181, 269, ramp).is_empty());
    assert_eq!(
        feed(&mut test, 270, 270, ramp),
        vec![Step::ReadAloud { stage: 1 }]
    );
    assert!(feed(&mut test, 271, 299, ramp).is_empty());
    let steps = feed(&mut test, 300, 300, ramp);
    assert_eq!(
        steps,
        vec![
            Step::Lap(at(300)),
            Step::Ask(Question {
                ask: Ask::Speak,
                stage: 1,
                hr: Some(124.5)
            }),
            Step::StageStarted {
                stage: 2,
                start: at(300),
                end: at(420)
            }
        ]
    );
    let s = &test.stages()[0];
    assert_eq!(
        (s.start, s.end, s.readings, s.gap_s),
        (at(180), at(300), 30, 0.0)
    );
}

#[test]
fn singing_is_asked_while_every_answer_is_yes_and_the_first_no_ends_the_test() {
    let mut test = TalkTest::new(plan(None));
    feed(&mut test, 0, 300, ramp);
    let steps = test.answer(Answer::Speak(Speak::Yes));
    assert_eq!(
        asks(&steps),
        vec![Question {
            ask: Ask::Sing,
            stage: 1,
            hr: Some(124.5)
        }]
    );
    assert!(test.answer(Answer::Sing(true)).is_empty());
    // Stage 2 (134.5): yes, sing yes; stage 3 (144.5): equivocal, no sing question.
    assert_eq!(asks(&feed(&mut test, 301, 420, ramp))[0].stage, 2);
    test.answer(Answer::Speak(Speak::Yes));
    test.answer(Answer::Sing(true));
    feed(&mut test, 421, 540, ramp);
    assert!(test.answer(Answer::Speak(Speak::Equivocal)).is_empty());
    // Stage 4 (154.5): yes again, but singing is not asked after an equivocal.
    feed(&mut test, 541, 660, ramp);
    assert!(test.answer(Answer::Speak(Speak::Yes)).is_empty());
    // Stage 5 (164.5): no.
    let q = asks(&feed(&mut test, 661, 780, ramp));
    assert_eq!(
        (q[0].ask, q[0].stage, q[0].hr),
        (Ask::Speak, 5, Some(164.5))
    );
    assert_eq!(
        test.answer(Answer::Speak(Speak::No)),
        vec![Step::Finished(Stop::Negative)]
    );
    assert_eq!(
        test.results(),
        TalkResults {
            talk_ok_max_hr: Some(154.5),
            cannot_talk_hr: Some(164.5),
            sing_ok_max_hr: Some(134.5),
        }
    );
    // Stage 6 had begun; it is not a stage of the test.
    assert_eq!(test.stages().len(), 5);
    assert_eq!(test.current_stage(), None);
    assert!(feed(&mut test, 781, 1000, ramp).is_empty());
}

#[test]
fn after_a_no_to_singing_it_is_not_asked_again() {
    let mut test = TalkTest::new(plan(None));
    feed(&mut test, 0, 300, ramp);
    test.answer(Answer::Speak(Speak::Yes));
    test.answer(Answer::Sing(false));
    feed(&mut test, 301, 420, ramp);
    assert!(test.answer(Answer::Speak(Speak::Yes)).is_empty());
    assert_eq!(test.question(), None);
    assert_eq!(test.results().sing_ok_max_hr, None);
    assert_eq!(test.results().talk_ok_max_hr, Some(134.5));
}

#[test]
fn a_stage_at_95_percent_of_hrmax_is_the_last() {
    // 0.95 x 130 = 123.5: stage 1 (124.5) reaches it.
    let mut test = TalkTest::new(plan(Some(130.0)));
    let steps = feed(&mut test, 0, 300, ramp);
    assert!(!steps
        .iter()
        .any(|s| matches!(s, Step::StageStarted { stage: 2, .. })));
    assert_eq!(asks(&steps).len(), 1);
    assert_eq!(
        asks(&test.answer(Answer::Speak(Speak::Yes)))[0].ask,
        Ask::Sing
    );
    assert_eq!(
        test.answer(Answer::Sing(true)),
        vec![Step::Finished(Stop::HrLimit)]
    );
    // A "no" at that stage is still a negative.
    let mut test = TalkTest::new(plan(Some(130.0)));
    feed(&mut test, 0, 300, ramp);
    assert_eq!(
        test.answer(Answer::Speak(Speak::No)),
        vec![Step::Finished(Stop::Negative)]
    );
    // Just under the limit (0.95 x 132 = 125.4 > 124.5): stage 2 starts.
    let mut test = TalkTest::new(plan(Some(132.0)));
    assert!(feed(&mut test, 0, 300, ramp)
        .iter()
        .any(|s| matches!(s, Step::StageStarted { stage: 2, .. })));
}

#[test]
fn the_test_ends_after_its_last_stage() {
    let mut test = TalkTest::new(TestPlan {
        max_stages: 2,
        ..plan(None)
    });
    feed(&mut test, 0, 300, ramp);
    test.answer(Answer::Speak(Speak::Equivocal));
    let steps = feed(&mut test, 301, 420, ramp);
    assert!(!steps
        .iter()
        .any(|s| matches!(s, Step::StageStarted { stage: 3, .. })));
    assert_eq!(
        test.answer(Answer::Speak(Speak::Equivocal)),
        vec![Step::Finished(Stop::MaxStages)]
    );
    assert_eq!(test.results(), TalkResults::default());
    // At most 15 stages, whatever the plan says.
    assert_eq!(
        TalkTest::new(TestPlan {
            max_stages: 99,
            ..plan(None)
        })
        .plan()
        .max_stages,
        MAX_STAGES
    );
}

#[test]
fn a_user_stop_ends_the_test_once() {
    let mut test = TalkTest::new(plan(None));
    feed(&mut test, 0, 200, ramp);
    assert_eq!(test.stop(), vec![Step::Finished(Stop::User)]);
    assert!(test.stop().is_empty());
    assert!(feed(&mut test, 201, 500, ramp).is_empty());
    assert_eq!(test.stopped(), Some(Stop::User));
    assert!(test.stages().is_empty());
}

#[test]
fn a_dropout_in_the_reading_window_leaves_the_mean_of_what_arrived_and_is_counted() {
    let mut test = TalkTest::new(plan(None));
    // Nothing from 280 to 289: the window holds 270..=279 and 290..=299.
    let hr = |s: i64| Some(if s < 285 { 120.0 } else { 130.0 });
    feed(&mut test, 0, 279, hr);
    let steps: Vec<Step> = (290..=300)
        .flat_map(|s| test.reading(at(s), hr(s)))
        .collect();
    // (10 x 120 + 10 x 130) / 20 = 125; the silence from 279 to 290 is 11 s.
    assert_eq!(asks(&steps)[0].hr, Some(125.0));
    let s = &test.stages()[0];
    assert_eq!((s.readings, s.gap_s), (20, 11.0));
}

#[test]
fn readings_without_a_signal_are_not_in_the_mean() {
    let mut test = TalkTest::new(plan(None));
    // In the window, even seconds have no signal: 15 readings of 120 bpm remain.
    feed(&mut test, 0, 300, |s| {
        (s < 270 || s % 2 == 1).then_some(120.0)
    });
    let s = &test.stages()[0];
    // Silences of 2 s are not gaps (the limit is more than 2 s).
    assert_eq!((s.hr, s.readings, s.gap_s), (Some(120.0), 15, 0.0));
}

#[test]
fn a_dropout_across_stage_ends_ends_every_stage_it_passed_and_queues_their_questions() {
    let mut test = TalkTest::new(plan(None));
    feed(&mut test, 0, 250, ramp);
    let steps = test.reading(at(430), Some(150.0));
    assert_eq!(
        steps,
        vec![
            Step::Lap(at(300)),
            Step::Ask(Question {
                ask: Ask::Speak,
                stage: 1,
                hr: None
            }),
            Step::StageStarted {
                stage: 2,
                start: at(300),
                end: at(420)
            },
            Step::Lap(at(420)),
            Step::StageStarted {
                stage: 3,
                start: at(420),
                end: at(540)
            },
        ]
    );
    assert_eq!(test.stages()[0].gap_s, 30.0);
    // Stage 1's answers, then stage 2's question.
    assert_eq!(
        asks(&test.answer(Answer::Speak(Speak::Yes)))[0].ask,
        Ask::Sing
    );
    let next = asks(&test.answer(Answer::Sing(false)));
    assert_eq!((next[0].ask, next[0].stage), (Ask::Speak, 2));
    // An answer of the wrong kind changes nothing.
    assert!(test.answer(Answer::Sing(true)).is_empty());
    assert_eq!(test.question().map(|q| q.stage), Some(2));
}

#[test]
fn a_workload_goes_to_the_stage_it_was_typed_for() {
    let mut test = TalkTest::new(plan(None));
    feed(&mut test, 0, 10, ramp);
    test.workload("5 km/h, 0 %");
    feed(&mut test, 11, 200, ramp);
    test.workload("  ");
    feed(&mut test, 201, 300, ramp);
    // A question about stage 1 is on screen: the workload is stage 1's.
    test.workload("5 km/h, 2 %");
    test.answer(Answer::Speak(Speak::Yes));
    test.answer(Answer::Sing(true));
    // In stage 2, no question: stage 2's.
    test.workload("5 km/h, 4 %");
    feed(&mut test, 301, 420, ramp);
    let w: Vec<Option<&str>> = test
        .stages()
        .iter()
        .map(|s| s.workload.as_deref())
        .collect();
    assert_eq!(w, vec![Some("5 km/h, 2 %"), Some("5 km/h, 4 %")]);
}

#[test]
fn answers_parse_as_the_interface_spells_them() {
    use Answer::*;
    for (text, want) in [
        ("1", Some(Speak(super::Speak::Yes))),
        (" YES ", Some(Speak(super::Speak::Yes))),
        ("2", Some(Speak(super::Speak::Equivocal))),
        ("eq", Some(Speak(super::Speak::Equivocal))),
        ("equivocal", Some(Speak(super::Speak::Equivocal))),
        ("3", Some(Speak(super::Speak::No))),
        ("no", Some(Speak(super::Speak::No))),
        ("y", None),
        ("4", None),
        ("", None),
        ("maybe", None),
    ] {
        assert_eq!(parse_answer(Ask::Speak, text), want, "speak {text:?}");
    }
    for (text, want) in [
        ("y", Some(Sing(true))),
        ("Yes", Some(Sing(true))),
        ("n", Some(Sing(false))),
        ("no", Some(Sing(false))),
        ("1", None),
        ("3", None),
        ("sure", None),
    ] {
        assert_eq!(parse_answer(Ask::Sing, text), want, "sing {text:?}");
    }
}

#[test]
fn results_count_only_answered_stages_up_to_the_first_no() {
    let stage = |n: u32, hr: f64, speak: Option<Speak>, sing: Option<bool>| StageResult {
        stage: n,
        start: at(0),
        end: at(0),
        hr: Some(hr),
        readings: 30,
        gap_s: 0.0,
        speak,
        sing,
        workload: None,
    };
    let stages = [
        stage(1, 110.0, Some(Speak::Yes), Some(true)),
        stage(2, 120.0, Some(Speak::Yes), Some(false)),
        stage(3, 130.0, Some(Speak::Equivocal), None),
        stage(4, 140.0, Some(Speak::No), None),
        stage(5, 150.0, Some(Speak::Yes), Some(true)),
    ];
    assert_eq!(
        results(&stages),
        TalkResults {
            talk_ok_max_hr: Some(120.0),
            cannot_talk_hr: Some(140.0),
            sing_ok_max_hr: Some(110.0),
        }
    );
    assert_eq!(results(&[]), TalkResults::default());
}

#[test]
fn a_stage_shorter_than_two_minutes_is_raised_to_two() {
    let test = TalkTest::new(TestPlan {
        stage: Duration::from_secs(60),
        ..plan(None)
    });
    assert_eq!(test.plan().stage, MIN_STAGE);
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    /// One thing that happens to a test: a reading `dt_s` after the last one (HR or no signal),
    /// an answer, a workload, or (rarely) a stop.
    #[derive(Debug, Clone)]
    enum Event {
        Reading { dt_s: i64, hr: Option<f64> },
        Speak(u8),
        Sing(bool),
        Workload,
        Stop,
    }

    fn event() -> impl Strategy<Value = Event> {
        prop_oneof![
            2000 => (1i64..=4, proptest::option::weighted(0.9, 60.0f64..200.0))
                .prop_map(|(dt_s, hr)| Event::Reading { dt_s, hr }),
            300 => (0u8..3).prop_map(Event::Speak),
            200 => any::<bool>().prop_map(Event::Sing),
            100 => Just(Event::Workload),
            1 => Just(Event::Stop),
        ]
    }

    proptest! {
        // Each case is up to 4000 events (hours of test): 64 cases keep the suite quick.
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Whatever arrives in whatever order: stages follow each other without a gap, each as
        /// long as the plan says, at most 15; a stage's HR lies within its readings'; the
        /// results are stages' heart rates; after the end nothing more happens.
        #[test]
        fn stages_tile_the_test_and_results_come_from_stages(
            events in proptest::collection::vec(event(), 0..4000),
            max_hr in proptest::option::of(150.0f64..220.0),
        ) {
            let plan = TestPlan { max_hr, ..plan(None) };
            let mut test = TalkTest::new(plan);
            let mut t = 0;
            let mut finished = 0;
            for e in &events {
                let steps = match e {
                    Event::Reading { dt_s, hr } => {
                        t += dt_s;
                        test.reading(at(t), *hr)
                    }
                    Event::Speak(k) => test.answer(Answer::Speak(
                        [Speak::Yes, Speak::Equivocal, Speak::No][usize::from(*k)],
                    )),
                    Event::Sing(y) => test.answer(Answer::Sing(*y)),
                    Event::Workload => {
                        test.workload("5 km/h");
                        Vec::new()
                    }
                    Event::Stop => test.stop(),
                };
                finished += steps.iter().filter(|s| matches!(s, Step::Finished(_))).count();
                if test.stopped().is_some() {
                    prop_assert!(test.question().is_none());
                    prop_assert!(test.current_stage().is_none());
                }
            }
            prop_assert!(finished <= 1);
            let stages = test.stages();
            prop_assert!(stages.len() <= MAX_STAGES as usize);
            for (i, s) in stages.iter().enumerate() {
                prop_assert_eq!(s.stage as usize, i + 1);
                prop_assert_eq!(s.end - s.start, TimeDelta::seconds(120));
                if i == 0 {
                    prop_assert_eq!(Some(s.start), test.warmup_end());
                } else {
                    prop_assert_eq!(s.start, stages[i - 1].end);
                }
                prop_assert!(s.gap_s >= 0.0 && s.gap_s <= 30.0);
                prop_assert_eq!(s.hr.is_some(), s.readings > 0);
                if let Some(hr) = s.hr {
                    prop_assert!((60.0..200.0).contains(&hr));
                }
            }
            let r = test.results();
            for hr in [r.talk_ok_max_hr, r.cannot_talk_hr, r.sing_ok_max_hr].into_iter().flatten() {
                prop_assert!(stages.iter().any(|s| s.hr == Some(hr)));
            }
            if test.stopped() == Some(Stop::Negative) {
                prop_assert!(r.cannot_talk_hr.is_some() || stages.iter().any(|s| s.speak == Some(Speak::No)));
            }
        }
    }
}
