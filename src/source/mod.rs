//! Everything that yields heart-rate data: a BLE strap ([`ble`]), a raw capture file played back
//! ([`replay`]) and the built-in workout simulator ([`simulator`], whose heart's beat-to-beat
//! fluctuation is [`simulated_heart`]); [`start`] picks and starts the one a command asked for.
//!
//! Every source sends the same events ([`crate::event::SourceEvent`]) into one channel: raw
//! packets stamped with their receive time, and link changes. Decoding into a [`crate::reading::Reading`] happens once,
//! downstream, in [`crate::pipeline`], so a replayed or simulated packet takes exactly the path a
//! strap's packet takes.

pub mod ble;
pub mod replay;
pub mod simulated_heart;
pub mod simulator;
pub mod start;

use crate::event::SourceEvent;
use crate::reading::Source;

/// The sending half every source writes into.
pub type EventSender = tokio::sync::mpsc::Sender<SourceEvent>;

/// Which source a command runs on; the same code consumes all of them.
#[derive(Debug, Clone, PartialEq)]
pub enum SourceKind {
    Ble,
    Replay {
        path: std::path::PathBuf,
        fast: bool,
    },
    Simulator {
        fast: bool,
        seed: u64,
    },
}

impl SourceKind {
    /// The [`Source`] tag put on readings from this kind.
    pub fn tag(&self) -> Source {
        match self {
            SourceKind::Ble => Source::Ble,
            SourceKind::Replay { .. } => Source::Replay,
            SourceKind::Simulator { .. } => Source::Simulator,
        }
    }
}
