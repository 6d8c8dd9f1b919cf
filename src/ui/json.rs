//! `--json` output: one JSON object per line. Keys are the product's interface (scripts read
//! them): readings carry `t`, `hr`, `contact` (`null` / `false` / `true`), `energy_kj`, `rr_ms`,
//! `rr_raw`, `source`; events carry `t` and `event` (`connected`, `disconnected`, `reconnected`,
//! `bad_packet`), and each DFA alpha1 window one `alpha1` event ([`alpha1`]).

use serde_json::{json, Value};

use crate::physiology::dfa::DfaWindow;
use crate::physiology::summary::{has_signal, PlausibleHr};
use crate::physiology::zones::ZoneTable;
use crate::pipeline::Output;
use crate::protocol::capture::{format_time, link_event_json, reading_json};
use crate::protocol::heart_rate::to_hex;

/// The JSON object for one pipeline output; with `zones`, readings carry `zone` (the talk-test
/// zone id, `null` without a signal).
pub fn output(o: &Output, zones: Option<&ZoneTable>, plausible: PlausibleHr) -> Value {
    match o {
        Output::Reading(r) => {
            let mut v = reading_json(r);
            v["source"] = json!(r.source);
            if let Some(z) = zones {
                v["zone"] =
                    json!(has_signal(r, plausible).then(|| z.zone_of(f64::from(r.hr)).id()));
            }
            v
        }
        Output::Link { t, event } => link_event_json(*t, event),
        Output::BadPacket { t, bytes, error } => json!({
            "t": format_time(*t),
            "event": "bad_packet",
            "hex": to_hex(bytes),
            "error": error.to_string(),
        }),
    }
}

/// The JSON line of one DFA alpha1 window (docs/science.md §9): `t` (its end), `alpha1` and
/// `hr` (`null` with too few accepted beats), `artifact_share`, `reliable`, plus `beats`.
pub fn alpha1(w: &DfaWindow) -> Value {
    json!({
        "t": format_time(w.end),
        "event": "alpha1",
        "alpha1": w.alpha1,
        "hr": w.hr,
        "beats": w.beats,
        "artifact_share": w.artifact_share,
        "reliable": w.reliable,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reading::{Contact, Reading, RrInterval, Source};
    use chrono::{TimeZone, Utc};

    #[test]
    fn reading_keys() {
        let r = Reading {
            t: Utc.with_ymd_and_hms(2026, 11, 25, 7, 0, 0).unwrap(),
            hr: 72,
            contact: Contact::NotSupported,
            energy_kj: Some(12),
            rr: vec![RrInterval::Ticks(820), RrInterval::Ticks(1024)],
            source: Source::Ble,
        };
        assert_eq!(
            output(&Output::Reading(r), None, PlausibleHr::DEFAULT).to_string(),
            r#"{"contact":null,"energy_kj":12,"hr":72,"rr_ms":[800.78125,1000.0],"rr_raw":[820,1024],"source":"ble","t":"2026-11-25T07:00:00.000Z"}"#
        );
    }
}
