//! The BLE test world: a private D-Bus bus, the bluezoo BlueZ mock with two virtual adapters and
//! the strap emulator (`examples/strap_emulator.rs`) advertising on hci0, so a test can run the
//! real `talkzone` binary as the central on hci1 over the real btleplug path. The recipe and the
//! bluezoo quirks are in docs/ble-testing.md.
//!
//! Every world is private (its own temp dir, bus socket, bluezoo and emulator), so tests run in
//! parallel. Readiness is always a condition (a line printed, a D-Bus property), never a sleep.
//! [`BleWorld`]'s `Drop` kills everything it started, also when the test panics; then it keeps
//! the temp dir and prints the tail of every log so the failure can be read.
//!
//! Needs the environment `scripts/test` sets up: `TALKZONE_BLUEZOO_PYTHON` (a Python with bluezoo)
//! and `TALKZONE_BLUEZOO_LAUNCHER` (scripts/bluezoo-launcher.py, the reconnect fix), plus
//! `dbus-daemon` and `dbus-send` on PATH. Without them the tests fail loudly, never skip.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The strap's Bluetooth address: bluezoo's hci0, where the emulator runs.
pub const STRAP_ADDRESS: &str = "00:11:22:33:44:55";
/// The advertised name of the emulated strap.
pub const STRAP_NAME: &str = "TZ Strap";
/// The adapter talkzone must use (tests always pass it: btleplug's adapter order is not stable).
pub const CENTRAL_ADAPTER: &str = "hci1";

const STRAP_ADAPTER: &str = "hci0";
const CENTRAL_ADDRESS: &str = "00:AA:BB:CC:DD:EE";
/// The central's view of the strap, where `Device1.Disconnect` injects a link loss.
const STRAP_ON_CENTRAL: &str = "/org/bluez/hci1/dev_00_11_22_33_44_55";
/// How long starting one piece of the world may take before the test fails.
const STARTUP_DEADLINE: Duration = Duration::from_secs(30);

const SETUP_HINT: &str =
    "run scripts/test: it sets up the BLE test world (bluezoo venv, dbus-daemon)";

/// A private bus, bluezoo and the strap emulator; all killed on drop.
pub struct BleWorld {
    dir: tempfile::TempDir,
    bus_address: String,
    dbus: Child,
    bluezoo: Child,
    emulator: Option<Child>,
    /// Everything every emulator of this world printed on stdout, in order.
    emulator_out: Lines,
    emulator_runs: usize,
}

impl BleWorld {
    /// Starts the bus, bluezoo and an emulator on hci0 playing `scenario_json` (the format is
    /// documented in examples/strap_emulator.rs); returns once the strap advertises.
    pub fn start(scenario_json: &str) -> BleWorld {
        check_emulator_built();

        let dir = tempfile::Builder::new()
            .prefix("tz-ble-")
            .tempdir()
            .expect("create the test world's temp dir");
        std::fs::create_dir_all(dir.path().join("data")).expect("create data dir");
        std::fs::create_dir_all(dir.path().join("home")).expect("create home dir");
        std::fs::write(dir.path().join("config.toml"), "").expect("write empty config");

        let (dbus, bus_address) = start_bus(dir.path());
        let bluezoo = start_bluezoo(dir.path(), &bus_address);

        let mut world = BleWorld {
            dir,
            bus_address,
            dbus,
            bluezoo,
            emulator: None,
            emulator_out: Lines::default(),
            emulator_runs: 0,
        };
        world.wait_for_adapters();
        world.start_emulator(scenario_json);
        world
    }

    /// A `talkzone` command wired to this world's bus, with an empty config and a private data
    /// dir. The test adds the subcommand and `--adapter hci1`.
    pub fn talkzone(&self) -> Command {
        let home = self.dir.path().join("home");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_talkzone"));
        cmd.env("DBUS_SYSTEM_BUS_ADDRESS", &self.bus_address)
            .env("TALKZONE_DEBUG_BLE", "1")
            .env("TALKZONE_CONFIG", self.dir.path().join("config.toml"))
            .env_remove("TALKZONE_DATA")
            .env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("XDG_DATA_HOME", home.join(".local/share"))
            .arg("--data-dir")
            .arg(self.dir.path().join("data"));
        cmd
    }

    /// Starts `cmd` (usually from [`BleWorld::talkzone`]) with its stdout followed line by line.
    pub fn spawn(&self, cmd: Command) -> Running {
        Running::spawn(cmd, self.dir.path())
    }

    /// The world's temp dir (for capture files and the like); kept when a test fails.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Injects a link loss: `org.bluez.Device1.Disconnect` on the central's view of the strap,
    /// as when the strap walks out of range.
    pub fn disconnect_central(&self) {
        let out = dbus_send(
            &self.bus_address,
            &[
                "--dest=org.bluez",
                STRAP_ON_CENTRAL,
                "org.bluez.Device1.Disconnect",
            ],
        );
        assert!(
            out.status.success(),
            "Device1.Disconnect failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Powers an adapter of the mock off (`Adapter1.Powered = false`), as a user switching
    /// Bluetooth off would.
    pub fn power_off(&self, adapter: &str) {
        let path = format!("/org/bluez/{adapter}");
        let out = dbus_send(
            &self.bus_address,
            &[
                "--dest=org.bluez",
                &path,
                "org.freedesktop.DBus.Properties.Set",
                "string:org.bluez.Adapter1",
                "string:Powered",
                "variant:boolean:false",
            ],
        );
        assert!(
            out.status.success(),
            "Powered=false failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Kills the whole Bluetooth side at once, bus included (SIGKILL: dbus-daemon, bluezoo, the
    /// emulator), as when the system bus or BlueZ dies under a running talkzone.
    pub fn kill_bus(&mut self) {
        self.kill_emulator();
        for child in [&mut self.bluezoo, &mut self.dbus] {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// After [`BleWorld::kill_bus`]: a new bus on the same socket (as a restarted system bus),
    /// a new bluezoo and an emulator playing `scenario_json`; returns once the strap advertises.
    pub fn restart_bus(&mut self, scenario_json: &str) {
        let _ = std::fs::remove_file(self.dir.path().join("bus.sock"));
        let (dbus, address) = start_bus(self.dir.path());
        assert_eq!(
            address, self.bus_address,
            "the bus is back on the same address"
        );
        self.dbus = dbus;
        self.bluezoo = start_bluezoo(self.dir.path(), &self.bus_address);
        self.wait_for_adapters();
        self.start_emulator(scenario_json);
    }

    /// Kills the emulator abruptly (SIGKILL, no unregistering), like a strap losing power.
    pub fn kill_emulator(&mut self) {
        if let Some(mut child) = self.emulator.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Kills the running emulator, if any, and starts a new one playing `scenario_json`;
    /// returns once it advertises.
    pub fn restart_emulator(&mut self, scenario_json: &str) {
        self.kill_emulator();
        self.start_emulator(scenario_json);
    }

    /// The hex of every packet the emulators of this world sent, in order.
    pub fn emulator_sent(&self) -> Vec<String> {
        self.emulator_out
            .snapshot()
            .iter()
            .filter_map(|l| l.strip_prefix("SENT "))
            .map(str::to_owned)
            .collect()
    }

    /// Every line the emulators of this world printed (`READY`, `SUBSCRIBED`, `SENT <hex>`...).
    pub fn emulator_lines(&self) -> Vec<String> {
        self.emulator_out.snapshot()
    }

    /// Waits until the emulator prints a line matching `pred` (e.g. `"SUBSCRIBED"`); returns it.
    pub fn wait_for_emulator(&self, timeout: Duration, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + timeout;
        match self.emulator_out.wait_for(0, deadline, |l| pred(l)) {
            Some((_, line)) => line,
            None => panic!(
                "the emulator printed no expected line within {timeout:?}; it printed:\n{}",
                self.emulator_out.snapshot().join("\n")
            ),
        }
    }

    fn start_emulator(&mut self, scenario_json: &str) {
        self.emulator_runs += 1;
        let run = self.emulator_runs;
        let scenario = self.dir.path().join(format!("scenario-{run}.json"));
        std::fs::write(&scenario, scenario_json).expect("write scenario");
        let from = self.emulator_out.len();
        let mut cmd = Command::new(emulator_path());
        cmd.args(["--adapter", STRAP_ADAPTER, "--name", STRAP_NAME])
            .arg("--scenario")
            .arg(&scenario)
            .env("DBUS_SYSTEM_BUS_ADDRESS", &self.bus_address)
            .stdout(Stdio::piped());
        let mut child = spawn_logged(
            &mut cmd,
            &self.dir.path().join(format!("emulator-{run}.stderr")),
        )
        .expect("start the strap emulator");
        let stdout = child.stdout.take().expect("emulator stdout is piped");
        self.emulator_out.follow(stdout);
        self.emulator = Some(child);

        let deadline = Instant::now() + STARTUP_DEADLINE;
        if self
            .emulator_out
            .wait_for(from, deadline, |l| l == "READY")
            .is_none()
        {
            panic!(
                "the strap emulator did not get ready within {STARTUP_DEADLINE:?}; stderr:\n{}",
                tail(&self.dir.path().join(format!("emulator-{run}.stderr")), 30)
            );
        }
    }

    /// Polls until bluezoo has exported and powered both adapters (it takes the bus name
    /// before it adds them, so owning `org.bluez` is not enough).
    fn wait_for_adapters(&mut self) {
        let deadline = Instant::now() + STARTUP_DEADLINE;
        let mut backoff = Duration::from_millis(20);
        loop {
            let powered = |adapter: &str| {
                let out = dbus_send(
                    &self.bus_address,
                    &[
                        "--dest=org.bluez",
                        &format!("/org/bluez/{adapter}"),
                        "org.freedesktop.DBus.Properties.Get",
                        "string:org.bluez.Adapter1",
                        "string:Powered",
                    ],
                );
                String::from_utf8_lossy(&out.stdout).contains("boolean true")
            };
            if powered(STRAP_ADAPTER) && powered(CENTRAL_ADAPTER) {
                return;
            }
            if let Ok(Some(status)) = self.bluezoo.try_wait() {
                panic!(
                    "bluezoo exited ({status}) before its adapters were ready; {SETUP_HINT}\n{}",
                    tail(&self.dir.path().join("bluezoo.log"), 30)
                );
            }
            assert!(
                Instant::now() < deadline,
                "bluezoo's adapters were not powered within {STARTUP_DEADLINE:?}\n{}",
                tail(&self.dir.path().join("bluezoo.log"), 30)
            );
            std::thread::sleep(backoff);
            backoff = (backoff * 2).min(Duration::from_millis(250));
        }
    }
}

impl Drop for BleWorld {
    fn drop(&mut self) {
        self.kill_emulator();
        for child in [&mut self.bluezoo, &mut self.dbus] {
            let _ = child.kill();
            let _ = child.wait();
        }
        if std::thread::panicking() {
            self.dir.disable_cleanup(true);
            eprintln!(
                "--- BLE world kept at {} ---\n--- emulator stdout (tail) ---\n{}\n--- bluezoo.log \
                 (tail) ---\n{}",
                self.dir.path().display(),
                last_lines(&self.emulator_out.snapshot(), 40),
                tail(&self.dir.path().join("bluezoo.log"), 60)
            );
        }
    }
}

/// A process started by a test (usually talkzone) whose stdout is followed line by line;
/// killed on drop if still running.
pub struct Running {
    child: Child,
    out: Lines,
    stderr_path: PathBuf,
}

impl Running {
    fn spawn(mut cmd: Command, dir: &Path) -> Running {
        static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let stderr_path = dir.join(format!("run-{n}.stderr"));
        cmd.stdout(Stdio::piped());
        let mut child = spawn_logged(&mut cmd, &stderr_path)
            .unwrap_or_else(|e| panic!("start {:?}: {e}", cmd.get_program()));
        let out = Lines::default();
        out.follow(child.stdout.take().expect("stdout is piped"));
        Running {
            child,
            out,
            stderr_path,
        }
    }

    /// Every stdout line so far.
    pub fn lines(&self) -> Vec<String> {
        self.out.snapshot()
    }

    /// Every stdout line so far that is a JSON object (others are skipped).
    pub fn json(&self) -> Vec<Value> {
        self.lines()
            .iter()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(Value::is_object)
            .collect()
    }

    /// Waits until a stdout line at index `from` or later is a JSON object matching `pred`;
    /// returns its index and value. Panics (showing everything printed) after `timeout` or if
    /// the process closes stdout first.
    pub fn wait_for_json(
        &self,
        from: usize,
        timeout: Duration,
        what: &str,
        pred: impl Fn(&Value) -> bool,
    ) -> (usize, Value) {
        let deadline = Instant::now() + timeout;
        let found = self.out.wait_for(from, deadline, |l| {
            serde_json::from_str::<Value>(l).is_ok_and(|v| v.is_object() && pred(&v))
        });
        match found {
            Some((i, line)) => (i, serde_json::from_str(&line).expect("matched as JSON")),
            None => panic!(
                "waited {timeout:?} for {what}; stdout:\n{}\nstderr (tail):\n{}",
                self.lines().join("\n"),
                tail(&self.stderr_path, 40)
            ),
        }
    }

    /// Waits until the process exits (stdout closed, then reaped); panics after `timeout`.
    pub fn wait_exit(&mut self, timeout: Duration) -> ExitStatus {
        let deadline = Instant::now() + timeout;
        self.out.wait_closed(deadline);
        let mut backoff = Duration::from_millis(10);
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "the process did not exit within {timeout:?}; stdout:\n{}\nstderr (tail):\n{}",
                self.lines().join("\n"),
                tail(&self.stderr_path, 40)
            );
            std::thread::sleep(backoff);
            backoff = (backoff * 2).min(Duration::from_millis(200));
        }
    }

    /// Everything the process wrote on stderr so far.
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr_path).unwrap_or_default()
    }

    /// Sends SIGTERM, as `kill` or a service manager would.
    pub fn terminate(&self) {
        // SAFETY: kill(2) on our own child's pid.
        let sent = unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM) };
        assert_eq!(sent, 0, "SIGTERM to talkzone");
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!(
                "--- {} stderr (tail) ---\n{}",
                self.stderr_path.display(),
                tail(&self.stderr_path, 60)
            );
        }
    }
}

/// Lines read from one or more pipes by background threads, with waiting on a condition.
#[derive(Clone, Default)]
struct Lines {
    shared: Arc<(Mutex<LinesState>, Condvar)>,
}

#[derive(Default)]
struct LinesState {
    lines: Vec<String>,
    open_pipes: usize,
}

impl Lines {
    fn follow(&self, pipe: impl Read + Send + 'static) {
        let shared = Arc::clone(&self.shared);
        shared.0.lock().expect("lines lock").open_pipes += 1;
        std::thread::spawn(move || {
            let (state, changed) = &*shared;
            for line in BufReader::new(pipe).lines() {
                let Ok(line) = line else { break };
                state.lock().expect("lines lock").lines.push(line);
                changed.notify_all();
            }
            state.lock().expect("lines lock").open_pipes -= 1;
            changed.notify_all();
        });
    }

    fn snapshot(&self) -> Vec<String> {
        self.shared.0.lock().expect("lines lock").lines.clone()
    }

    fn len(&self) -> usize {
        self.shared.0.lock().expect("lines lock").lines.len()
    }

    /// The first line at index `from` or later matching `pred`; `None` at the deadline or when
    /// every pipe has closed without one.
    fn wait_for(
        &self,
        from: usize,
        deadline: Instant,
        pred: impl Fn(&str) -> bool,
    ) -> Option<(usize, String)> {
        let (state, changed) = &*self.shared;
        let mut guard = state.lock().expect("lines lock");
        let mut next = from;
        loop {
            while next < guard.lines.len() {
                if pred(&guard.lines[next]) {
                    return Some((next, guard.lines[next].clone()));
                }
                next += 1;
            }
            let now = Instant::now();
            if guard.open_pipes == 0 || now >= deadline {
                return None;
            }
            guard = changed
                .wait_timeout(guard, deadline - now)
                .expect("lines lock")
                .0;
        }
    }

    fn wait_closed(&self, deadline: Instant) {
        let (state, changed) = &*self.shared;
        let mut guard = state.lock().expect("lines lock");
        while guard.open_pipes > 0 {
            let now = Instant::now();
            if now >= deadline {
                return;
            }
            guard = changed
                .wait_timeout(guard, deadline - now)
                .expect("lines lock")
                .0;
        }
    }
}

/// Fails when the emulator binary is missing or older than its source: plain `cargo test` builds
/// it, but `cargo test --all-targets` or `--test e2e_ble` alone do not (scripts/test does).
fn check_emulator_built() {
    let binary = emulator_path();
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/strap_emulator.rs");
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    match (modified(&binary), modified(&source)) {
        (None, _) => panic!(
            "{} is missing: run `cargo build --examples`, or {SETUP_HINT}",
            binary.display()
        ),
        (Some(built), Some(edited)) if built < edited => panic!(
            "{} is older than examples/strap_emulator.rs: run `cargo build --examples`, or \
             {SETUP_HINT}",
            binary.display()
        ),
        _ => {}
    }
}

/// `target/<profile>/examples/strap_emulator`, next to the talkzone binary's directory.
fn emulator_path() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_talkzone"))
        .parent()
        .expect("the talkzone binary has a directory")
        .join("examples/strap_emulator")
}

/// Writes a bus config into `dir`, starts a private dbus-daemon and reads its address.
fn start_bus(dir: &Path) -> (Child, String) {
    let config = dir.join("bus.conf");
    std::fs::write(
        &config,
        format!(
            r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={}</listen>
  <policy context="default"><allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/><allow own="*"/></policy>
</busconfig>
"#,
            dir.join("bus.sock").display()
        ),
    )
    .expect("write bus config");
    let mut cmd = Command::new("dbus-daemon");
    cmd.arg(format!("--config-file={}", config.display()))
        .args(["--nofork", "--print-address"])
        .stdout(Stdio::piped());
    let mut child = spawn_logged(&mut cmd, &dir.join("dbus-daemon.log"))
        .unwrap_or_else(|e| panic!("start dbus-daemon: {e}; {SETUP_HINT}"));
    let out = Lines::default();
    out.follow(child.stdout.take().expect("dbus-daemon stdout is piped"));
    let deadline = Instant::now() + STARTUP_DEADLINE;
    match out.wait_for(0, deadline, |l| l.starts_with("unix:")) {
        // Without the `,guid=...` it prints: a client keeps this address across a restart of the
        // bus, whose guid is new (libdbus refuses an address whose guid does not match).
        Some((_, address)) => (
            child,
            address
                .trim()
                .split(",guid=")
                .next()
                .unwrap_or_default()
                .to_owned(),
        ),
        None => {
            let _ = child.kill();
            panic!(
                "dbus-daemon printed no address: {}",
                tail(&dir.join("dbus-daemon.log"), 20)
            )
        }
    }
}

/// Starts bluezoo (through the launcher with the reconnect fix) on the bus at `bus_address`,
/// with the two adapters; its log goes to `bluezoo.log` in `dir` (a restart starts it anew).
fn start_bluezoo(dir: &Path, bus_address: &str) -> Child {
    let python = std::env::var_os("TALKZONE_BLUEZOO_PYTHON")
        .unwrap_or_else(|| panic!("TALKZONE_BLUEZOO_PYTHON is not set: {SETUP_HINT}"));
    let launcher = std::env::var_os("TALKZONE_BLUEZOO_LAUNCHER")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/bluezoo-launcher.py")
        });
    spawn_logged(
        Command::new(&python)
            .arg(&launcher)
            .args(["--auto-enable", "--scan-interval", "1"])
            .args(["-a", STRAP_ADDRESS, "-a", CENTRAL_ADDRESS])
            .env("DBUS_SYSTEM_BUS_ADDRESS", bus_address)
            .env("PYTHONUNBUFFERED", "1")
            .stdout(Stdio::null()),
        &dir.join("bluezoo.log"),
    )
    .unwrap_or_else(|e| panic!("start bluezoo with {python:?}: {e}; {SETUP_HINT}"))
}

/// Spawns `cmd` with stdin closed and stderr written to `log` (stdout is the caller's choice),
/// killed when the spawning test thread ends: a safety net for when the test binary itself is
/// killed and no `Drop` runs.
fn spawn_logged(cmd: &mut Command, log: &Path) -> std::io::Result<Child> {
    cmd.stdin(Stdio::null()).stderr(File::create(log)?);
    // SAFETY: prctl is async-signal-safe and touches no memory of the parent.
    unsafe {
        cmd.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
    cmd.spawn()
}

fn dbus_send(bus_address: &str, args: &[&str]) -> std::process::Output {
    Command::new("dbus-send")
        .arg(format!("--bus={bus_address}"))
        .arg("--print-reply")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("run dbus-send (Debian package dbus-bin): {e}; {SETUP_HINT}"))
}

fn last_lines(lines: &[String], n: usize) -> String {
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// The last `n` lines of a log file, skipping bluezoo's once-a-second scan chatter.
fn tail(path: &Path, n: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.contains("Scanning for devices") && !l.contains("Updating device"))
        .collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}
