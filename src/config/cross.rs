//! Checks across sections, once the whole file is read: the zones the file asks for must be
//! drawable from the profile it gives. Each failure names the key it is about, and the error
//! points at that key's line (found with the document's own spans).

use std::path::Path;

use super::{ConfigError, FileConfig, Location};
use crate::physiology::zones::{
    keys, talk_test_thresholds, zone_table, PersonInputs, ZoneError, ZoneModel,
};

/// The first cross-section problem of `file`, as a config error at its key, if any.
pub(super) fn check(file: &FileConfig, text: &str, origin: &Path) -> Result<(), ConfigError> {
    let Some((key, message)) = problem(file) else {
        return Ok(());
    };
    Err(ConfigError::Invalid {
        path: origin.to_path_buf(),
        location: locate(text, key),
        message: format!("{key}: {message}"),
    })
}

/// The key a problem is about, and what is wrong.
fn problem(file: &FileConfig) -> Option<(&'static str, String)> {
    let cfg = &file.zones.config;
    let profile = &file.profile;
    // The hrr model with the file's own HRmax (measured, or predicted from its age) and resting
    // HR: the reserve between them must hold five zones. (Without them, the zones are worked
    // out later from the defaults and the morning checks, and checked then.)
    if cfg.model == ZoneModel::Hrr
        && profile.resting_hr.is_some()
        && (profile.max_hr.is_some() || profile.age.is_some())
    {
        let person = PersonInputs::from_profile(profile, None);
        if let Err(e @ ZoneError::ReserveTooSmall { .. }) = zone_table(cfg, &person) {
            return Some((keys::RESTING_HR, e.to_string()));
        }
    }
    // Typed-in talk-test thresholds must increase, whichever model is chosen now.
    if cfg.talk_ok_max_hr.is_some() && cfg.cannot_talk_hr.is_some() {
        if let Err(ZoneError::NotIncreasing { thresholds }) = talk_test_thresholds(cfg) {
            // The first threshold the file set that is not above the one before it; else (a
            // derived default is out of order) the one it is derived from.
            let key = thresholds
                .windows(2)
                .find(|w| {
                    w[1].derived_from.is_none()
                        && w[0].bpm.partial_cmp(&w[1].bpm) != Some(std::cmp::Ordering::Less)
                })
                .map_or(keys::TALK_OK_MAX_HR, |w| w[1].key);
            let message = ZoneError::NotIncreasing { thresholds }.to_string();
            return Some((key, message));
        }
    }
    None
}

/// Where the value of `path` (`section.key`) is written in `text`, if it is.
fn locate(text: &str, path: &str) -> Option<Location> {
    let doc = toml_edit::ImDocument::parse(text).ok()?;
    let (section, key) = path.split_once('.')?;
    let item = doc.get(section)?.as_table_like()?.get(key)?;
    item.span().map(|span| Location::of(text, span.start))
}
