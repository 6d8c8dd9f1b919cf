//! `[storage]`: where talkzone keeps its data. The file's `data_dir` is only one of the places
//! the data folder can come from; [`super::load()`] resolves the others.

use std::path::PathBuf;

use serde::de::MapAccess;

use super::section::{read, Section};
use super::values::data_dir;

/// Where talkzone keeps its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageSettings {
    /// With `~` already expanded.
    pub data_dir: PathBuf,
}

/// The `[storage]` section as written.
#[derive(Default)]
pub(super) struct StorageSection {
    pub(super) data_dir: Option<PathBuf>,
}

impl Section for StorageSection {
    const NAME: &'static str = "storage";
    const KEYS: &'static [&'static str] = &["data_dir"];

    fn read_key<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        path: &str,
        map: &mut A,
    ) -> Result<bool, A::Error> {
        match key {
            "data_dir" => self.data_dir = Some(read(map, |v| data_dir(path, &v))?),
            _ => return Ok(false),
        }
        Ok(true)
    }
}
