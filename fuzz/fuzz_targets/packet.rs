//! The 0x2A37 Heart Rate Measurement decoder (`talkzone::protocol::heart_rate::decode`) on
//! arbitrary bytes: it must never panic, whatever it decodes must encode back to a packet that
//! decodes to the same measurement, and its errors are one line.
#![no_main]

use libfuzzer_sys::fuzz_target;
use talkzone::protocol::heart_rate::{decode, encode};

fuzz_target!(|data: &[u8]| {
    match decode(data) {
        Ok(m) => {
            let again = decode(&encode(&m));
            assert_eq!(again.as_ref(), Ok(&m), "decode(encode(m)) != m for {data:02x?}");
        }
        Err(e) => assert!(!e.to_string().contains('\n'), "{e}"),
    }
});
