//! TCX import (`talkzone::interop::import_bytes` on a `.tcx` name) on arbitrary bytes; the
//! checks are in `import.rs`.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "import.rs"]
mod import;

fuzz_target!(|data: &[u8]| import::check(data, "fuzz.tcx"));
