//! The strap used last time (`<data dir>/strap.json`), so `talkzone live` finds it again without
//! configuration. Only consulted when neither `--device` nor `[device]` names one.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::owner_only;

/// A remembered strap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RememberedStrap {
    pub address: String,
    pub name: Option<String>,
}

/// Where the remembered strap lives.
pub fn path(data_dir: &Path) -> PathBuf {
    data_dir.join("strap.json")
}

/// The remembered strap, if any. A missing or unreadable file is simply "none": it is a
/// convenience, never a reason to fail.
pub fn load(data_dir: &Path) -> Option<RememberedStrap> {
    let text = std::fs::read_to_string(path(data_dir)).ok()?;
    serde_json::from_str(&text).ok()
}

/// Remember `strap` (owner-only file; the data dir is created if needed).
pub fn save(data_dir: &Path, strap: &RememberedStrap) -> std::io::Result<()> {
    owner_only::create_dir(data_dir)?;
    let mut f = owner_only::create_file(&path(data_dir))?;
    let text = serde_json::to_string_pretty(strap).map_err(std::io::Error::other)?;
    f.write_all(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_and_forgives_garbage() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(load(dir.path()), None);
        let s = RememberedStrap {
            address: "00:11:22:33:44:55".into(),
            name: Some("H10".into()),
        };
        save(&dir.path().join("data"), &s).unwrap();
        assert_eq!(load(&dir.path().join("data")), Some(s));
        std::fs::write(path(dir.path()), "{not json").unwrap();
        assert_eq!(load(dir.path()), None);
    }
}
