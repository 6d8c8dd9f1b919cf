//! The config file parser (`talkzone::config::parse`: TOML text to validated settings) on
//! arbitrary text: it must never panic, and its error is one line naming the file.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(e) = talkzone::config::parse(text, Path::new("fuzz.toml")) {
        let message = e.to_string();
        assert!(message.contains("fuzz.toml"), "{message}");
        assert!(!message.contains('\n'), "{message}");
    }
});
