//! The HRV metrics against an independent reference implementation.
//!
//! `scripts/hrv_reference.py` (plain Python 3, standard library only) re-implements, from the
//! words of the documentation in `src/physiology/hrv.rs`, the acceptance rule and the Task Force
//! 1996 definitions, and stored its results for two real RR series (MIT-BIH records 100 and
//! 1003, with ectopic beats; provenance in tests/data/hrv/PROVENANCE.md) as JSON fixtures.
//!
//! The comparison is "on clean RR" in this sense: both sides apply the SAME documented
//! acceptance rule, the rejected indices must agree exactly, and then every metric of the
//! accepted series must agree to 1e-6. A disagreement in cleaning therefore shows up as a
//! clear index mismatch, not as a puzzling metric difference. Regenerate the fixtures with
//! `python3 scripts/hrv_reference.py` after a deliberate change of the rule.

use std::path::PathBuf;

use serde_json::Value;
use talkzone::physiology::hrv::{
    clean_rr, metrics_of_corrected_rr, metrics_of_nn, metrics_of_rr, morning_metrics, HrvMetrics,
};

const TOLERANCE: f64 = 1e-6;

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/hrv")
        .join(name)
}

fn read_rr(record: &str) -> Vec<f64> {
    let path = data(&format!("{record}.rr_ms.txt"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            l.trim()
                .parse::<f64>()
                .unwrap_or_else(|e| panic!("{}: {l:?}: {e}", path.display()))
        })
        .collect()
}

fn read_reference(record: &str) -> Value {
    let path = data(&format!("{record}.reference.json"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn number(reference: &Value, key: &str) -> f64 {
    reference["metrics"][key]
        .as_f64()
        .unwrap_or_else(|| panic!("reference metric {key} missing"))
}

fn assert_matches(record: &str, rust: &HrvMetrics, reference: &Value) {
    let pairs = [
        ("mean_nn_ms", rust.mean_nn_ms),
        ("rmssd_ms", rust.rmssd_ms),
        ("ln_rmssd", rust.ln_rmssd),
        ("sdnn_ms", rust.sdnn_ms),
        ("pnn50", rust.pnn50),
        ("mean_hr_bpm", rust.mean_hr_bpm),
        (
            "resting_hr_lowest_30_beats",
            rust.resting_hr_lowest_30_beats,
        ),
        ("artifact_share", rust.artifact_share),
        ("nn_count", rust.nn_count as f64),
        ("rr_count", rust.rr_count as f64),
    ];
    for (key, value) in pairs {
        let expected = number(reference, key);
        assert!(
            (value - expected).abs() < TOLERANCE,
            "{record} {key}: rust {value} vs python {expected}"
        );
    }
}

fn rejected_indices(reference: &Value) -> Vec<usize> {
    reference["rejected_indices"]
        .as_array()
        .expect("rejected_indices")
        .iter()
        .map(|v| v.as_u64().expect("an index") as usize)
        .collect()
}

fn check(record: &str) {
    let rr = read_rr(record);
    let reference = read_reference(record);
    let cleaned = clean_rr(&rr);
    let rust_rejected: Vec<usize> = (0..rr.len())
        .filter(|&i| !cleaned.flags[i].is_normal())
        .collect();
    assert_eq!(
        rust_rejected,
        rejected_indices(&reference),
        "{record}: the cleaner and the reference disagree on which beats to reject"
    );

    let (metrics, _) = metrics_of_rr(&rr).expect("metrics");
    assert_matches(record, &metrics, &reference);

    // The morning check no longer drops beats: it corrects them (Lipponen & Tarvainen 2019,
    // src/physiology/rr_correction.rs), so on these records, which have ectopic beats of their
    // own, its numbers are those of the corrected series (checked against neurokit2 in
    // tests/rr_correction_reference.rs), not the cleaner's.
    let morning = morning_metrics(&rr, 0.0).expect("accepted");
    let (corrected, _) = metrics_of_corrected_rr(&rr).expect("metrics");
    assert_eq!(morning.metrics, corrected);
    assert_eq!(morning.settle_beats, 0);

    // Rebuild the NN series from the REFERENCE's mask and feed the metric function directly.
    let rejected = rejected_indices(&reference);
    let keep: Vec<usize> = (0..rr.len()).filter(|i| !rejected.contains(i)).collect();
    let nn: Vec<f64> = keep.iter().map(|&i| rr[i]).collect();
    let adjacency: Vec<bool> = keep.windows(2).map(|w| w[1] == w[0] + 1).collect();
    let expected_pairs = reference["metrics"]["successive_differences"]
        .as_u64()
        .expect("successive_differences") as usize;
    assert_eq!(adjacency.iter().filter(|&&a| a).count(), expected_pairs);
    let mut direct = metrics_of_nn(&nn, &adjacency).expect("metrics");
    direct.rr_count = rr.len();
    direct.artifact_share = rejected.len() as f64 / rr.len() as f64;
    assert_matches(record, &direct, &reference);
}

#[test]
fn mitdb100_matches_the_python_reference() {
    check("mitdb100");
}

#[test]
fn mitdb1003_matches_the_python_reference() {
    check("mitdb1003");
}

#[test]
fn fixtures_say_how_they_were_made() {
    for record in ["mitdb100", "mitdb1003"] {
        let reference = read_reference(record);
        assert_eq!(reference["script"], "scripts/hrv_reference.py");
        assert_eq!(reference["command"], "python3 scripts/hrv_reference.py");
        assert!(reference["date"].as_str().is_some_and(|d| d.len() == 10));
    }
}
