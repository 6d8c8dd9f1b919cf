//! `[zones] model = "auto"` and the zones a calibration gives (docs/science.md §20), with
//! hand-computed thresholds.

use super::*;

fn test_of(talk_ok: f64, cannot: f64, sing: Option<f64>) -> MeasuredTalkTest {
    MeasuredTalkTest {
        calibration: 3,
        date: NaiveDate::from_ymd_opt(2026, 11, 12).unwrap(),
        talk_ok_max_hr: talk_ok,
        cannot_talk_hr: cannot,
        sing_ok_max_hr: sing,
    }
}

fn person(age: Option<u8>, baseline: Option<f64>, c: Option<MeasuredTalkTest>) -> PersonInputs {
    PersonInputs {
        age,
        max_hr: None,
        resting_hr: None,
        baseline_resting_hr: baseline,
        calibration: c,
    }
}

fn starts(cfg: &ZoneConfig, p: &PersonInputs) -> [f64; 5] {
    zone_table(cfg, p).unwrap().min_bpm
}

#[test]
fn auto_is_the_default_and_falls_back_to_hrmax() {
    let cfg = ZoneConfig::default();
    assert_eq!(cfg.model, ZoneModel::Auto);
    let b = resolve(&cfg, &person(Some(40), None, None));
    assert_eq!(b.config.model, ZoneModel::HrMax);
    assert!(b.why.starts_with("auto: hrmax"), "{}", b.why);
    assert_eq!((b.cue_source, b.calibration), (None, None));
    // Tanaka at 40: 180 bpm; 57 / 64 / 77 / 96 %.
    let t = zone_table(&cfg, &person(Some(40), None, None)).unwrap();
    assert_eq!(t.model, ZoneModel::HrMax);
    assert_eq!(t.min_bpm[3], 0.77 * 180.0);
}

#[test]
fn auto_takes_hrr_with_a_resting_baseline_and_a_known_hrmax() {
    let cfg = ZoneConfig::default();
    let b = resolve(&cfg, &person(Some(40), Some(60.0), None));
    assert_eq!(b.config.model, ZoneModel::Hrr);
    assert!(b.why.contains("resting baseline"), "{}", b.why);
    // 60 + 0.6 x (180 - 60) = 132.
    assert_eq!(starts(&cfg, &person(Some(40), Some(60.0), None))[3], 132.0);
    // No age and no measured HRmax: HRmax is not known, so not hrr.
    assert_eq!(
        resolve(&cfg, &person(None, Some(60.0), None)).config.model,
        ZoneModel::HrMax
    );
}

#[test]
fn auto_takes_a_calibration_over_everything_but_typed_thresholds() {
    let cfg = ZoneConfig::default();
    let c = test_of(140.0, 165.0, Some(120.0));
    let p = person(Some(40), Some(60.0), Some(c));
    let b = resolve(&cfg, &p);
    assert_eq!(b.config.model, ZoneModel::TalkTest);
    assert_eq!(b.calibration, Some(3));
    assert_eq!(b.cue_source.as_deref(), Some("your talk test of 12 Nov"));
    assert!(
        b.why
            .contains("your talk test of 12 Nov 2026 (calibration 3)"),
        "{}",
        b.why
    );
    // Moderate at the singing line 120; light at min(0.8 x 140, 0.9 x 120) = 108.
    assert_eq!(starts(&cfg, &p), [0.0, 108.0, 120.0, 140.0, 165.0]);
    // Typed thresholds win, and the reason says so.
    let typed = ZoneConfig {
        talk_ok_max_hr: Some(150.0),
        cannot_talk_hr: Some(170.0),
        ..cfg
    };
    let b = resolve(&typed, &p);
    assert_eq!(b.config.model, ZoneModel::TalkTest);
    assert_eq!(b.calibration, None);
    assert!(b.why.contains("win over your talk test"), "{}", b.why);
    // 0.8 x 150 = 120, moderate halfway to 150: 135.
    assert_eq!(starts(&typed, &p), [0.0, 120.0, 135.0, 150.0, 170.0]);
}

#[test]
fn without_a_singing_line_below_talking_the_moderate_start_is_as_before() {
    let cfg = ZoneConfig::default();
    for sing in [None, Some(140.0), Some(150.0)] {
        let p = person(Some(40), None, Some(test_of(140.0, 165.0, sing)));
        // 0.8 x 140 = 112; halfway to 140: 126.
        assert_eq!(
            starts(&cfg, &p),
            [0.0, 112.0, 126.0, 140.0, 165.0],
            "{sing:?}"
        );
    }
    // A singing line above 0.8 x talking leaves light where it was: 0.8 x 140 = 112 < 0.9 x 130.
    let p = person(Some(40), None, Some(test_of(140.0, 165.0, Some(130.0))));
    assert_eq!(starts(&cfg, &p), [0.0, 112.0, 130.0, 140.0, 165.0]);
}

#[test]
fn an_explicit_model_is_obeyed() {
    let p = person(Some(40), Some(60.0), Some(test_of(140.0, 165.0, None)));
    for model in [ZoneModel::HrMax, ZoneModel::Hrr] {
        let cfg = ZoneConfig {
            model,
            ..ZoneConfig::default()
        };
        let b = resolve(&cfg, &p);
        assert_eq!(b.config.model, model);
        assert!(b.why.contains("set in the config"), "{}", b.why);
    }
    // talk_test without typed thresholds takes the calibration's.
    let cfg = ZoneConfig {
        model: ZoneModel::TalkTest,
        ..ZoneConfig::default()
    };
    assert_eq!(starts(&cfg, &p)[3..], [140.0, 165.0]);
}

#[test]
fn a_calibration_whose_thresholds_are_out_of_order_is_not_used() {
    // A "no" at a lower heart rate than the last "yes" (the heart rate drifted).
    let p = person(Some(40), None, Some(test_of(150.0, 145.0, None)));
    let b = resolve(&ZoneConfig::default(), &p);
    assert_eq!(b.config.model, ZoneModel::HrMax);
    assert!(b.why.contains("could not be used"), "{}", b.why);
    assert!(zone_table(&ZoneConfig::default(), &p).is_ok());
}
