//! The btleplug shell: opens the adapter, scans, connects, subscribes to 0x2A37 and forwards
//! every notification as a raw [`Packet`] stamped with its receive time. All decisions about a
//! lost link are the [`Supervisor`]'s; this file only carries them out.
//!
//! Both of btleplug's streams are watched: the peripheral's notifications (which never end on a
//! disconnect) and the adapter's events (where `DeviceDisconnected` arrives).

use std::time::Duration;

use btleplug::api::{
    Central, CentralEvent, CentralState, Characteristic, Manager as _, Peripheral as _, ScanFilter,
    ValueNotification,
};
use btleplug::platform::{Adapter, Manager, Peripheral};
use chrono::Utc;
use futures::{Stream, StreamExt};
use tokio::time::{sleep_until, timeout, Instant};

use super::scan::{self, Candidate, Wanted};
use super::supervisor::{Action, Input, Supervisor};
use super::BleError;
use super::{BATTERY_LEVEL, BODY_SENSOR_LOCATION, HEART_RATE_MEASUREMENT, HEART_RATE_SERVICE};
use crate::event::{DeviceInfo, LinkEvent, Packet, SourceEvent};
use crate::protocol::heart_rate::body_sensor_location;
use crate::source::EventSender;

/// Raised to end a BLE session cleanly (Ctrl-C, `--duration`).
pub type Quit = tokio::sync::watch::Receiver<bool>;

/// Resolves once `quit` says so (or its sender is gone).
pub async fn quitting(quit: &mut Quit) {
    let _ = quit.wait_for(|q| *q).await;
}

/// How long one connect / discover / read step may take before the attempt counts as failed.
const STEP_TIMEOUT: Duration = Duration::from_secs(10);
/// How long the quick local steps may take (starting a scan, dropping a link): BlueZ answers
/// them at once; a service that does not is gone.
const SHORT_STEP: Duration = Duration::from_secs(2);
/// How long unsubscribing and disconnecting may take at the end of a session: the session ends
/// within a second whatever BlueZ does (the runner gives the source no longer).
const CLEANUP_TIMEOUT: Duration = Duration::from_millis(400);

/// Open the adapter by name (e.g. "hci1"), or the first one. Checks that it is powered.
pub async fn open_adapter(wanted: Option<&str>) -> Result<Adapter, BleError> {
    let manager = Manager::new()
        .await
        .map_err(|e| BleError::from_btleplug("connecting to the Bluetooth service", e))?;
    let adapters = manager
        .adapters()
        .await
        .map_err(|e| BleError::from_btleplug("listing Bluetooth adapters", e))?;
    let mut named = Vec::with_capacity(adapters.len());
    for a in adapters {
        let info = a.adapter_info().await.unwrap_or_default();
        let name = info
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_owned();
        named.push((name, a));
    }
    let (name, adapter) = match wanted {
        Some(w) => {
            let available = named
                .iter()
                .map(|(n, _)| n.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            named
                .into_iter()
                .find(|(n, _)| n == w)
                .ok_or_else(|| BleError::AdapterNotFound {
                    wanted: w.to_owned(),
                    available: if available.is_empty() {
                        "none".into()
                    } else {
                        available
                    },
                })?
        }
        None => named.into_iter().next().ok_or(BleError::NoAdapter)?,
    };
    if let Ok(CentralState::PoweredOff) = adapter.adapter_state().await {
        return Err(BleError::AdapterOff { adapter: name });
    }
    Ok(adapter)
}

async fn candidate(p: &Peripheral) -> Option<Candidate> {
    let props = p.properties().await.ok()??;
    Some(Candidate {
        name: props.local_name,
        address: props.address.to_string(),
        rssi: props.rssi,
        services: props.services,
    })
}

async fn all_candidates(adapter: &Adapter) -> Vec<Candidate> {
    let mut out = Vec::new();
    for p in adapter.peripherals().await.unwrap_or_default() {
        if let Some(c) = candidate(&p).await {
            out.push(c);
        }
    }
    out
}

/// Scan for `window` and return every heart-rate strap seen, strongest first.
pub async fn scan(adapter: &Adapter, window: Duration) -> Result<Vec<Candidate>, BleError> {
    start_scan(adapter).await?;
    // BlueZ keeps what it discovers; the peripheral list is read once the window closes.
    tokio::time::sleep(window).await;
    let _ = adapter.stop_scan().await;
    Ok(scan::straps(all_candidates(adapter).await))
}

async fn start_scan(adapter: &Adapter) -> Result<(), BleError> {
    adapter
        .start_scan(ScanFilter {
            services: vec![HEART_RATE_SERVICE],
        })
        .await
        .map_err(|e| BleError::from_btleplug("starting a scan", e))
}

/// How often the list of devices is read again while looking for the strap.
const LOOK_AGAIN: Duration = Duration::from_millis(250);

/// How many times the first connection is tried before talkzone gives up.
const FIRST_CONNECT_ATTEMPTS: u32 = 3;

/// How long to keep listening after the first strap shows up, so a stronger one can win.
const SETTLE: Duration = Duration::from_secs(2);

/// Find the wanted strap within `window`.
pub async fn find(
    adapter: &Adapter,
    wanted: &Wanted,
    window: Duration,
    quit: &mut Quit,
) -> Result<Option<Peripheral>, BleError> {
    start_scan(adapter).await?;
    let mut deadline = Instant::now() + window;
    let mut settling = false;
    let chosen = loop {
        let candidates = all_candidates(adapter).await;
        if let Some(c) = scan::pick(&candidates, wanted) {
            let exact = !matches!(wanted, Wanted::Any { remembered: None })
                && (wanted.names(c)
                    || matches!(wanted, Wanted::Any { remembered: Some(r) } if c.address.eq_ignore_ascii_case(r)));
            if exact || settling && Instant::now() >= deadline {
                break Some(c.address.clone());
            }
            if !settling {
                settling = true;
                deadline = deadline.min(Instant::now() + SETTLE);
            }
        }
        if Instant::now() >= deadline {
            break None;
        }
        // Look again a little later: polling the list at a steady pace costs the same in a
        // quiet room and in a gym full of advertising devices (whose events come by the dozen).
        tokio::select! {
            _ = quitting(quit) => break None,
            _ = sleep_until(deadline.min(Instant::now() + LOOK_AGAIN)) => {}
        }
    };
    let _ = adapter.stop_scan().await;
    let Some(address) = chosen else {
        return Ok(None);
    };
    for p in adapter.peripherals().await.unwrap_or_default() {
        if let Some(c) = candidate(&p).await {
            if c.address == address {
                return Ok(Some(p));
            }
        }
    }
    Ok(None)
}

/// Why a connect attempt failed.
#[derive(Debug)]
pub enum ConnectError {
    /// Connected, discovered services, and there is no Heart Rate Measurement characteristic.
    NoHeartRate,
    /// An answer that said no (not in range, D-Bus error): worth retrying.
    Failed(String),
    /// No answer: the step timed out, or the D-Bus connection could not even send the call.
    /// Worth retrying, and a sign that the Bluetooth service is gone when it repeats.
    NoAnswer(String),
}

/// Connect (if needed), discover services, read the optional characteristics and subscribe to
/// Heart Rate Measurement.
pub async fn connect_and_subscribe(p: &Peripheral) -> Result<DeviceInfo, ConnectError> {
    async fn step<T>(
        what: &str,
        f: impl std::future::Future<Output = btleplug::Result<T>>,
    ) -> Result<T, ConnectError> {
        match timeout(STEP_TIMEOUT, f).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) if dead_connection(&e.to_string()) => {
                Err(ConnectError::NoAnswer(format!("{what}: {e}")))
            }
            Ok(Err(e)) => Err(ConnectError::Failed(format!("{what}: {e}"))),
            Err(_) => Err(ConnectError::NoAnswer(format!("{what}: timed out"))),
        }
    }
    if !step("check the link", p.is_connected())
        .await
        .unwrap_or(false)
    {
        step("connect", p.connect()).await?;
    }
    step("discover services", p.discover_services()).await?;
    let chars = p.characteristics();
    let find = |uuid| {
        chars
            .iter()
            .find(|c: &&Characteristic| c.uuid == uuid)
            .cloned()
    };
    let hrm = find(HEART_RATE_MEASUREMENT).ok_or(ConnectError::NoHeartRate)?;
    let mut info = device_info(p).await;
    if let Some(c) = find(BODY_SENSOR_LOCATION) {
        if let Ok(v) = step("read body sensor location", p.read(&c)).await {
            info.body_location = v.first().map(|&b| body_sensor_location(b).to_owned());
        }
    }
    if let Some(c) = find(BATTERY_LEVEL) {
        if let Ok(v) = step("read battery level", p.read(&c)).await {
            info.battery_percent = v.first().copied().filter(|&b| b <= 100);
        }
    }
    step("subscribe to heart rate", p.subscribe(&hrm)).await?;
    Ok(info)
}

/// Whether a D-Bus error says the connection to the bus is dead (seen when the bus went away:
/// libdbus "Failed to send message"; the bus daemon "Disconnected", "NoReply"): no answer will
/// ever come on it, unlike a strap's refusal.
fn dead_connection(detail: &str) -> bool {
    [
        "Failed to send message",
        "org.freedesktop.DBus.Error.Disconnected",
        "org.freedesktop.DBus.Error.NoReply",
        "org.freedesktop.DBus.Error.NoServer",
        "Connection is closed",
    ]
    .iter()
    .any(|needle| detail.contains(needle))
}

/// One reconnect attempt: scan (BlueZ must see the strap advertise again), then connect and
/// subscribe. A scan that gets no answer is a timeout like any step's.
async fn reconnect(adapter: &Adapter, p: &Peripheral) -> Result<DeviceInfo, ConnectError> {
    let filter = ScanFilter {
        services: vec![HEART_RATE_SERVICE],
    };
    if timeout(SHORT_STEP, adapter.start_scan(filter))
        .await
        .is_err()
    {
        return Err(ConnectError::NoAnswer("start a scan: timed out".into()));
    }
    connect_and_subscribe(p).await
}

async fn device_info(p: &Peripheral) -> DeviceInfo {
    let props = p.properties().await.ok().flatten();
    DeviceInfo {
        name: props.as_ref().and_then(|pr| pr.local_name.clone()),
        address: props
            .map(|pr| pr.address.to_string())
            .unwrap_or_else(|| p.id().to_string()),
        battery_percent: None,
        body_location: None,
    }
}

/// btleplug's stream of notifications from one peripheral.
type Notifications = std::pin::Pin<Box<dyn Stream<Item = ValueNotification> + Send>>;

/// Opens the notification stream: once per connection to the Bluetooth service, before the
/// first subscription, and kept across reconnects (its match rules cover the device's path,
/// which a reconnect keeps). Not one per reconnect: dropping a stream of bluez-async 0.9 spawns
/// a task that unwraps the removal of its D-Bus match, and a signal that arrives after the
/// stream's receiver is gone makes libdbus remove the match first, so the task panics ("No
/// match with that id found", messagestream.rs:40). Replacing the stream at every reconnect,
/// while the strap starts sending again, is what triggered it after silent stalls.
async fn open_notifications(p: &Peripheral) -> Result<Notifications, BleError> {
    p.notifications()
        .await
        .map_err(|e| BleError::from_btleplug("opening the notification stream", e))
}

/// Run one BLE session on an already found and connected peripheral until `quit`: forward every
/// notification, watch for loss, reconnect as the [`Supervisor`] decides. Unsubscribes and
/// disconnects at the end. `notes` must have been opened *before* subscribing: a strap sends
/// its first packet as soon as the subscription starts, and a stream opened after it misses it
/// (found by the end-to-end tests). Returns [`BleError::ServiceLost`] when the Bluetooth
/// service stops answering: the caller starts the BLE side again.
pub async fn stream(
    adapter: &Adapter,
    p: &Peripheral,
    watchdog: Duration,
    tx: &EventSender,
    quit: &mut Quit,
    mut notes: Notifications,
) -> Result<(), BleError> {
    let origin = Instant::now();
    let now = || origin.elapsed();
    let mut events = adapter
        .events()
        .await
        .map_err(|e| BleError::from_btleplug("watching the adapter", e))?;
    let mut sup = Supervisor::connected(now(), watchdog);
    let id = p.id();

    'session: loop {
        let deadline = origin + sup.deadline();
        let input = tokio::select! {
            _ = quitting(quit) => break 'session,
            n = notes.next(), if matches!(sup.state(), super::supervisor::LinkState::Streaming { .. }) => match n {
                Some(n) if n.uuid == HEART_RATE_MEASUREMENT => {
                    let packet = Packet { t: Utc::now(), bytes: n.value };
                    if tx.send(SourceEvent::Packet(packet)).await.is_err() {
                        break 'session;
                    }
                    Input::Packet
                }
                Some(_) => continue,
                // The stream ended (its session went away): only the watchdog can tell now.
                None => { notes = Box::pin(futures::stream::pending()); continue }
            },
            ev = events.next() => match ev {
                Some(CentralEvent::DeviceDisconnected(d)) if d == id => {
                    let still_connected = p.is_connected().await.unwrap_or(false);
                    Input::DeviceDisconnected { still_connected }
                }
                Some(_) => continue,
                None => return Err(BleError::ServiceLost),
            },
            _ = sleep_until(deadline) => Input::Tick,
        };
        let mut pending = sup.handle(now(), input);
        while !pending.is_empty() {
            let mut next = Vec::new();
            for action in pending {
                match action {
                    Action::Emit(event) => {
                        if tx
                            .send(SourceEvent::Link {
                                t: Utc::now(),
                                event,
                            })
                            .await
                            .is_err()
                        {
                            break 'session;
                        }
                    }
                    Action::Disconnect => {
                        tokio::select! {
                            _ = quitting(quit) => break 'session,
                            _ = timeout(SHORT_STEP, p.disconnect()) => {}
                        }
                    }
                    Action::Connect => {
                        let result = tokio::select! {
                            _ = quitting(quit) => break 'session,
                            r = reconnect(adapter, p) => r,
                        };
                        if let (Err(e), true) = (&result, debugging()) {
                            eprintln!("talkzone: reconnect attempt failed: {e:?}");
                        }
                        let input = match result {
                            Ok(_) => {
                                let _ = timeout(SHORT_STEP, adapter.stop_scan()).await;
                                Input::ConnectSucceeded
                            }
                            Err(ConnectError::NoAnswer(_)) => Input::ConnectUnanswered,
                            Err(_) => Input::ConnectFailed,
                        };
                        next.extend(sup.handle(now(), input));
                    }
                    Action::RestartService => return Err(BleError::ServiceLost),
                }
            }
            pending = next;
        }
    }
    let _ = timeout(CLEANUP_TIMEOUT, adapter.stop_scan()).await;
    if let Some(hrm) = p
        .characteristics()
        .into_iter()
        .find(|c| c.uuid == HEART_RATE_MEASUREMENT)
    {
        let _ = timeout(CLEANUP_TIMEOUT, p.unsubscribe(&hrm)).await;
    }
    let _ = timeout(CLEANUP_TIMEOUT, p.disconnect()).await;
    Ok(())
}

/// Find, connect and stream: the whole BLE source for `live`. Sends `Connected` once the first
/// link is up. Errors before the first link (no adapter, no strap, not a strap) end the command;
/// after it, losses are gaps and the session goes on until `quit`.
pub async fn run(
    adapter_name: Option<&str>,
    wanted: &Wanted,
    find_window: Duration,
    watchdog: Duration,
    tx: EventSender,
    mut quit: Quit,
) -> Result<DeviceInfo, BleError> {
    let adapter = open_adapter(adapter_name).await?;
    let Some(p) = find(&adapter, wanted, find_window, &mut quit).await? else {
        if *quit.borrow() {
            return Ok(DeviceInfo::default());
        }
        return Err(BleError::NoStrap {
            timeout_s: find_window.as_secs(),
            what: wanted.describe(),
            hint: match wanted {
                Wanted::Any { .. } => String::new(),
                _ => "\nRun `talkzone scan` to see which straps are in range.".into(),
            },
        });
    };
    let label = device_info(&p).await;
    // The first connect can fail transiently (BlueZ "le-connection-abort-by-local" and the like
    // are common with real straps): a few quick tries before giving up.
    let notes = open_notifications(&p).await?;
    let mut attempt = 0u32;
    let info = loop {
        attempt += 1;
        let result = tokio::select! {
            _ = quitting(&mut quit) => return Ok(label),
            r = connect_and_subscribe(&p) => r,
        };
        match result {
            Ok(info) => break info,
            Err(ConnectError::NoHeartRate) => {
                let _ = timeout(STEP_TIMEOUT, p.disconnect()).await;
                return Err(BleError::NotHeartRate {
                    device: scan_label(&label),
                });
            }
            Err(ConnectError::Failed(detail) | ConnectError::NoAnswer(detail)) => {
                let _ = timeout(STEP_TIMEOUT, p.disconnect()).await;
                if attempt >= FIRST_CONNECT_ATTEMPTS {
                    return Err(BleError::Bluetooth {
                        doing: format!("connecting to {}", scan_label(&label)),
                        detail: format!(
                            "{detail}. Is the strap worn and not connected to another app?"
                        ),
                    });
                }
                tokio::time::sleep(super::supervisor::backoff(attempt + 1)).await;
            }
        }
    };
    if tx
        .send(SourceEvent::Link {
            t: Utc::now(),
            event: LinkEvent::Connected(info.clone()),
        })
        .await
        .is_err()
    {
        return Ok(info);
    }
    stream(&adapter, &p, watchdog, &tx, &mut quit, notes).await?;
    Ok(info)
}

/// Whether `TALKZONE_DEBUG_BLE` asks for the details of every reconnect attempt on stderr (for
/// bug reports about a strap that will not come back).
fn debugging() -> bool {
    std::env::var_os("TALKZONE_DEBUG_BLE").is_some_and(|v| !v.is_empty())
}

fn scan_label(info: &DeviceInfo) -> String {
    match &info.name {
        Some(n) => format!("{n} ({})", info.address),
        None => info.address.clone(),
    }
}
