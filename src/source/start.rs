//! Starting a source as a task: the one place that turns a [`SourceKind`] into running code
//! sending [`SourceEvent`]s, so `live` and `morning` take data the same way.

use std::time::Duration;

use chrono::Utc;
use tokio::task::JoinHandle;

use super::ble::scan::Wanted;
use super::ble::transport::{self, quitting, Quit};
use super::ble::BleError;
use super::simulator::Workout;
use super::{replay, simulator, EventSender, SourceKind};
use crate::event::SourceEvent;

/// Where to look for a strap.
#[derive(Debug, Clone)]
pub struct BleTarget {
    pub adapter: Option<String>,
    pub wanted: Wanted,
    pub find_window: Duration,
    pub watchdog: Duration,
}

/// What a source needs besides its kind: the strap to look for, the replayed events (read
/// before starting, so a bad file fails first), the workout to simulate.
pub struct SourceInputs {
    pub ble: BleTarget,
    pub replayed: Vec<SourceEvent>,
    pub workout: Option<Workout>,
}

/// Start the source; it ends at its own end (replay, simulation), on `quit`, or with an error
/// before the first connection (BLE).
pub fn start(
    kind: &SourceKind,
    inputs: SourceInputs,
    tx: EventSender,
    mut quit: Quit,
) -> JoinHandle<Result<(), BleError>> {
    let kind = kind.clone();
    tokio::spawn(async move {
        match kind {
            SourceKind::Ble => {
                let b = inputs.ble;
                transport::run(
                    b.adapter.as_deref(),
                    &b.wanted,
                    b.find_window,
                    b.watchdog,
                    tx,
                    quit,
                )
                .await
                .map(|_| ())
            }
            SourceKind::Replay { fast, .. } => {
                tokio::select! {
                    _ = quitting(&mut quit) => {}
                    _ = replay::run(inputs.replayed, fast, tx) => {}
                }
                Ok(())
            }
            SourceKind::Simulator { fast, seed } => {
                let workout = inputs
                    .workout
                    .unwrap_or_else(|| simulator::simulated_workout(seed));
                tokio::select! {
                    _ = quitting(&mut quit) => {}
                    _ = simulator::run(workout, Utc::now(), fast, tx) => {}
                }
                Ok(())
            }
        }
    })
}
