//! The readiness evaluation's small version (issue 13) through the test build of the binary:
//! three 45-day histories (steady, overload, isolated bad mornings) replayed morning by morning,
//! every day's verdict read back with `readiness --date`.
//!
//! It proves what a handful of histories can: the synthetic mornings reach the binary intact
//! (every beat accepted, the reported resting HR and lnRMSSD equal to the library's on the same
//! RR and close to the intended values), the results are well formed, the re-implemented
//! current rule agrees with the binary on every day, and the overload is flagged before it
//! ends. The false-alarm targets need the full evaluation (`scripts/readiness-eval`): a rate of
//! a few per cent cannot be told from 0 or 10 % on ~40 steady days.

#[allow(dead_code)]
#[path = "../examples/readiness_eval/main.rs"]
mod readiness_eval;

use readiness_eval::{overload_start, run, Options};

#[test]
fn the_small_evaluation_runs_through_the_binary() {
    let opts = Options {
        talkzone: env!("CARGO_BIN_EXE_talkzone").into(),
        ..Options::parse(["--small".to_string()]).unwrap()
    };
    assert_eq!((opts.histories, opts.days), (3, 45));
    let r = run(&opts).unwrap();

    // The data: 3 x 45 mornings, none lost, every beat accepted, on target.
    let d = &r["data"];
    assert_eq!(d["mornings"], 135, "{d:#}");
    assert_eq!(d["rejected_beats"], 0, "{d:#}");
    assert!(d["max_binary_vs_library"].as_f64().unwrap() < 1e-9, "{d:#}");
    assert!(d["max_abs_error_rhr"].as_f64().unwrap() < 0.05, "{d:#}");
    assert!(
        d["max_abs_error_ln_rmssd"].as_f64().unwrap() < 0.005,
        "{d:#}"
    );
    assert_eq!(d["morning_vs_readiness_verdict_mismatches"], 0, "{d:#}");
    let steady = &d["per_kind"]["steady"];
    let achieved = steady["achieved_sd_rhr"].as_f64().unwrap();
    let planned = steady["planned_sd_rhr"].as_f64().unwrap();
    assert!((achieved - planned).abs() < 0.05, "{steady:#}");

    // Well-formed results: shares in 0..1, counts that add up.
    let all = &r["binary"]["overall"];
    let days = all["steady_days"].as_u64().unwrap();
    // Judged days: from day 21 (14 checks before a 7-day window) to the end, the overload's
    // days left out: 25 + 25 + (31 - 20) = 61.
    assert_eq!(days, 61, "{all:#}");
    assert!(all["take_it_easy"].as_u64().unwrap() + all["scale_back"].as_u64().unwrap() <= days);
    for key in ["take_it_easy_share", "scale_back_share"] {
        assert!((0.0..=1.0).contains(&all[key].as_f64().unwrap()), "{key}");
    }
    assert_eq!(all["overloads"], 1);
    assert_eq!(r["options"]["overload_start_day"], overload_start(45) + 1);

    // The overload is flagged before it ends (+10 bpm and -0.4 lnRMSSD by its 10th day).
    let first = &all["first_alarm_day"];
    assert_eq!(all["never_alarm"], 0, "{all:#}");
    assert!(first["max"].as_u64().unwrap() <= 10, "{all:#}");

    // The current rule re-implemented in the evaluation judges every day as the binary did,
    // and the candidate rules come out with the same fields.
    let a = &r["agreement"];
    assert_eq!(a["compared"], 135, "{a:#}");
    assert_eq!(a["agree"], 135, "{a:#}");
    assert_eq!(a["judged_mismatch"], 0, "{a:#}");
    let rules = r["rules"].as_array().unwrap();
    assert!(rules.len() >= 2);
    assert_eq!(rules[0]["rule"], "current");
    assert_eq!(rules[0]["take_it_easy"], all["take_it_easy"]);
    assert_eq!(rules[0]["scale_back"], all["scale_back"]);
    for rule in rules {
        assert_eq!(rule["steady_days"], 61, "{rule:#}");
        assert!(rule["meets_targets"].is_boolean(), "{rule:#}");
    }

    // With no morning check at all the verdict says so first (issue 13 item 3).
    let no_check = r["binary"]["no_check_text"].as_str().unwrap();
    assert_eq!(
        no_check.lines().nth(1),
        Some("no morning check yet: readiness needs at least 3 a week"),
        "{no_check}"
    );

    // The text report carries the headline figures.
    let text = readiness_eval::report(&r);
    assert!(text.contains("take_it_easy"), "{text}");
    assert!(text.contains("first alarm"), "{text}");
}
