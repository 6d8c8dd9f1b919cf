//! The capture reader (`talkzone::protocol::capture::parse`, lines of bytes to source events)
//! on arbitrary bytes: it must never panic, every event it keeps has a time a strap could have
//! recorded, and every problem is one line naming lines that exist.
#![no_main]

use chrono::{TimeZone, Utc};
use libfuzzer_sys::fuzz_target;
use talkzone::protocol::capture::{parse, time_of};
use talkzone::timeline;

fuzz_target!(|data: &[u8]| {
    let now = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
    let (events, errors) = parse(data, now);
    let lines = data.split(|&b| b == b'\n').count();
    for e in &events {
        assert!(timeline::check(time_of(e), now).is_ok(), "{e:?}");
    }
    for e in &errors {
        let message = e.to_string();
        assert!(!message.contains('\n'), "{message:?}");
        assert!(e.line >= 1 && e.line <= e.last_line && e.last_line <= lines, "{e:?}");
        assert!(e.count >= 1 && e.count <= e.last_line - e.line + 1, "{e:?}");
    }
});
