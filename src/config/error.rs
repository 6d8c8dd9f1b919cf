//! What can be wrong with the configuration, and where in the file it is.

use std::fmt;
use std::path::PathBuf;

/// A 1-based line and column (in characters) in a config file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    pub line: usize,
    pub column: usize,
}

impl Location {
    /// Where byte `offset` of `text` is. Offsets past the end mean the end; never panics.
    pub fn of(text: &str, offset: usize) -> Location {
        let before = &text.as_bytes()[..offset.min(text.len())];
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |newline| newline + 1);
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        // Count characters, not bytes: skip UTF-8 continuation bytes.
        let column = before[line_start..]
            .iter()
            .filter(|&&b| b & 0xC0 != 0x80)
            .count()
            + 1;
        Location { line, column }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// A config problem. The `Display` text is the whole message for the user: it names the file,
/// the line and the key where there is one, and what to do.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A file named by `--config` or `$TALKZONE_CONFIG` does not exist.
    #[error("{}: config file not found (named by {named_by}); create it, or fix the path", path.display())]
    NotFound {
        path: PathBuf,
        named_by: &'static str,
    },

    #[error("{}: cannot read config file: {cause}", path.display())]
    Unreadable {
        path: PathBuf,
        cause: std::io::Error,
    },

    #[error("{}:{line}: config file is not valid UTF-8; save it as UTF-8 text", path.display())]
    NotUtf8 { path: PathBuf, line: usize },

    /// Bad TOML, an unknown section or key, a wrong type or a value out of range.
    #[error("{}{}: {message}", path.display(), location.map(|l| format!(":{l}")).unwrap_or_default())]
    Invalid {
        path: PathBuf,
        location: Option<Location>,
        message: String,
    },

    /// A data directory starts with `~` but there is no home directory to expand it to.
    #[error(
        "{named_by} = {}: cannot expand `~`: no home directory is known ($HOME is not set); \
         write the full path",
        path.display()
    )]
    NoHome { named_by: String, path: PathBuf },
}
