//! What the FIT and TCX targets check of `talkzone::interop::import_bytes` on arbitrary bytes:
//! no panic escapes (a panic inside the guarded FIT decoder is caught by design and is not a
//! finding: the panic hook below lets only the others abort), errors and notes are one line,
//! and every imported activity keeps the time rules (readings in order, start = first
//! reading, plausible times, no jump of more than a day).

use chrono::{TimeZone, Utc};
use talkzone::interop::{self, fit};
use talkzone::timeline;

/// Wraps libFuzzer's aborting panic hook so that panics caught by the FIT decoder guard do
/// not abort (they are still counted in `CAUGHT`).
pub fn install_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let abort = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if fit::in_decoder() {
                // Counted, and each new place it came from shown once, for the report.
                let n = CAUGHT.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                let at = info
                    .location()
                    .map(|l| format!("{}:{}", l.file(), l.line()))
                    .unwrap_or_default();
                let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
                if seen.insert(at.clone()) {
                    eprintln!("caught decoder panic #{n} (new place): {at}: {info}");
                }
            } else {
                abort(info);
            }
        }));
    });
}

/// Where the caught panics came from.
static SEEN: std::sync::Mutex<std::collections::BTreeSet<String>> =
    std::sync::Mutex::new(std::collections::BTreeSet::new());

/// How many panics the FIT decoder guard caught in this process.
pub static CAUGHT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

pub fn check(data: &[u8], name: &str) {
    install_hook();
    let now = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
    match interop::import_bytes(data, name, now) {
        Err(e) => {
            let message = e.to_string();
            assert!(!message.contains('\n'), "{message:?}");
        }
        Ok(file) => {
            assert!(!file.activities.is_empty());
            for note in &file.notes {
                assert!(!note.contains('\n'), "{note:?}");
            }
            for a in &file.activities {
                assert!(!a.readings.is_empty());
                assert_eq!(a.start, a.readings[0].t);
                for w in a.readings.windows(2) {
                    assert!(w[0].t <= w[1].t);
                    assert!(w[1].t - w[0].t <= timeline::MAX_JUMP, "{:?} {:?}", w[0].t, w[1].t);
                }
                for r in &a.readings {
                    assert!(timeline::check(r.t, now).is_ok(), "{:?}", r.t);
                }
            }
        }
    }
}
