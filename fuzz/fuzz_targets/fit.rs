//! FIT import (`talkzone::interop::import_bytes` on a `.fit` name) on arbitrary bytes; the
//! checks are in `import.rs`. Each input is tried twice: as it is (the framing checks stop
//! almost every mutation: a FIT file carries two CRCs), and with its first FIT file's data
//! length and both checksums fixed up, so mutated content reaches the decoder ("corrupted but
//! checksum-valid", as a damaged watch writes it).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "import.rs"]
mod import;

/// The FIT SDK's CRC-16.
fn crc16(bytes: &[u8]) -> u16 {
    const TABLE: [u16; 16] = [
        0x0000, 0xCC01, 0xD801, 0x1400, 0xF001, 0x3C00, 0x2800, 0xE401, 0xA001, 0x6C00, 0x7800,
        0xB401, 0x5000, 0x9C01, 0x8801, 0x4400,
    ];
    let mut crc = 0u16;
    for &b in bytes {
        for nibble in [b & 0x0f, b >> 4] {
            let tmp = TABLE[usize::from(crc & 0x0f)];
            crc = ((crc >> 4) & 0x0fff) ^ tmp ^ TABLE[usize::from(nibble)];
        }
    }
    crc
}

/// `data` as one well-framed FIT file: a 14-byte header (its own, or a made-up one when it
/// has none) declaring all the rest but two bytes as data, with both checksums right.
fn framed(data: &[u8]) -> Vec<u8> {
    let body = if data.len() >= 14 && data[0] == 14 && &data[8..12] == b".FIT" {
        &data[14..data.len().saturating_sub(2).max(14)]
    } else {
        data
    };
    let mut f = vec![14u8, 0x10, 0x2d, 0x08];
    f.extend_from_slice(&u32::try_from(body.len()).unwrap_or(u32::MAX).to_le_bytes());
    f.extend_from_slice(b".FIT");
    let hcrc = crc16(&f);
    f.extend_from_slice(&hcrc.to_le_bytes());
    f.extend_from_slice(body);
    let crc = crc16(&f);
    f.extend_from_slice(&crc.to_le_bytes());
    f
}

fuzz_target!(|data: &[u8]| {
    import::check(data, "fuzz.fit");
    import::check(&framed(data), "fuzz.fit");
});
