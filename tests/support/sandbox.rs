//! A private world for one CLI test: its own HOME, data dir, no config, UTC local time, and a
//! system bus that does not exist (so a Bluetooth attempt fails fast and clearly, never hangs or
//! touches the machine's real bus). Included by the CLI test files with `#[path]`, so they do
//! not compile the BLE harness.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

pub struct Sandbox {
    pub dir: tempfile::TempDir,
}

impl Sandbox {
    pub fn new() -> Self {
        Sandbox {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The real binary, set up for this sandbox.
    pub fn talkzone(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_talkzone"));
        c.env_remove("TALKZONE_CONFIG")
            .env_remove("TALKZONE_DATA")
            .env_remove("XDG_CONFIG_HOME")
            .env_remove("XDG_DATA_HOME")
            .env("HOME", self.dir.path())
            .env("TZ", "UTC")
            .env(
                "DBUS_SYSTEM_BUS_ADDRESS",
                format!("unix:path={}", self.path("no-bus").display()),
            )
            .arg("--data-dir")
            .arg(self.path("data"));
        c
    }

    /// Run with these arguments and no standard input.
    pub fn run(&self, args: &[&str]) -> Output {
        self.talkzone()
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }

    /// Run, insist on success, return stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        String::from_utf8(out.stdout).unwrap()
    }

    /// Run, insist on success, parse stdout as one JSON value.
    pub fn json(&self, args: &[&str]) -> Value {
        serde_json::from_str(&self.ok(args)).unwrap()
    }
}

/// A process's stderr as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}
