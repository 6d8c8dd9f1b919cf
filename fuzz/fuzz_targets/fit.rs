//! FIT import (`talkzone::interop::import_bytes` on a `.fit` name) on arbitrary bytes; the
//! checks are in `import.rs`. Mostly stopped by the framing checks; seeded with real files.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "import.rs"]
mod import;

fuzz_target!(|data: &[u8]| import::check(data, "fuzz.fit"));
