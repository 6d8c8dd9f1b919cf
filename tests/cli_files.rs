//! CLI tests of the files around the database (issue 14 item 10): a database talkzone may read
//! but not write is still listed and exported, read-only; a data dir open to others is made
//! private again and the user told; `export -o` on a full disk names the output file, not the
//! database; `-o` onto a symbolic link is refused.
//!
//! Tests may run as root, whom permission bits do not stop: the read-only test then runs the
//! commands as an unprivileged user (uid 65534) on a copy it owns, and is skipped (saying so)
//! only when that user cannot run the binary. The full-disk test mounts a tiny tmpfs in a
//! private mount namespace (`unshare`); it is skipped, saying so, where that is not allowed.
#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};

#[path = "support/sandbox.rs"]
mod sandbox;
use sandbox::{stderr, Sandbox};

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

fn chmod(p: &Path, mode: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// An unprivileged user to run as when the tests run as root.
const NOBODY: u32 = 65534;

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

fn chown_tree(p: &Path, uid: u32) {
    std::os::unix::fs::lchown(p, Some(uid), Some(uid)).unwrap();
    if p.is_dir() && !p.is_symlink() {
        for e in std::fs::read_dir(p).unwrap() {
            chown_tree(&e.unwrap().path(), uid);
        }
    }
}

#[test]
fn a_database_that_cannot_be_written_is_still_listed_and_exported() {
    let sb = Sandbox::new();
    sb.ok(&["live", "--simulate", "--fast"]);
    let csv = sb.ok(&["export", "last", "--format", "csv"]);
    let (data, db) = (sb.path("data"), sb.path("data/talkzone.db"));
    let user = is_root().then_some(NOBODY);
    if let Some(uid) = user {
        chown_tree(sb.dir.path(), uid);
    }
    chmod(&db, 0o400);
    chmod(&data, 0o500);
    let before = std::fs::read(&db).unwrap();
    let run = |args: &[&str]| -> std::io::Result<Output> {
        let mut c = sb.talkzone();
        c.args(args).stdin(Stdio::null());
        if let Some(uid) = user {
            c.uid(uid).gid(uid);
        }
        c.output()
    };
    let listed = match run(&["sessions", "--json"]) {
        Ok(out) => out,
        Err(e) => {
            eprintln!(
                "SKIPPED: running as root, and uid {NOBODY} cannot run the test binary ({e}); \
                 root itself ignores permission bits, so the read-only case cannot be made"
            );
            return;
        }
    };
    assert!(listed.status.success(), "{}", stderr(&listed));
    let rows: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 1);
    assert_eq!(rows[0]["status"], "complete");
    assert!(
        stderr(&listed).contains("cannot be written"),
        "the user is told why nothing is changed: {}",
        stderr(&listed)
    );
    for args in [
        &["summary", "last"][..],
        &["week"],
        &["readiness"],
        &["check"],
    ] {
        let out = run(args).unwrap();
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    }
    let out = run(&["export", "last", "--format", "csv"]).unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(String::from_utf8(out.stdout).unwrap(), csv);

    // Recording needs writing: refused, with what to do.
    let out = run(&["live", "--simulate", "--fast"]).unwrap();
    assert_eq!(out.status.code(), Some(10), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("cannot be written"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("chmod u+w"), "{}", stderr(&out));
    assert_eq!(std::fs::read(&db).unwrap(), before);
    chmod(&data, 0o700);
}

#[test]
fn a_data_dir_open_to_others_is_made_private_and_the_user_told() {
    let sb = Sandbox::new();
    sb.ok(&["live", "--simulate", "--fast"]);
    let (data, db) = (sb.path("data"), sb.path("data/talkzone.db"));
    chmod(&data, 0o777);
    chmod(&db, 0o666);
    let out = sb.run(&["sessions"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let told = stderr(&out);
    assert!(
        told.contains(&format!(
            "{} was readable by others (mode 0777); made it private (0700)",
            data.display()
        )),
        "{told}"
    );
    assert!(
        told.contains(&format!(
            "{} was readable by others (mode 0666); made it private (0600)",
            db.display()
        )),
        "{told}"
    );
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&db), 0o600);
    let again = sb.run(&["sessions"]);
    assert!(!stderr(&again).contains("made it private"), "told once");
}

#[test]
fn export_onto_a_symlink_is_refused_and_its_target_untouched() {
    let sb = Sandbox::new();
    sb.ok(&["live", "--simulate", "--fast"]);
    let target = sb.path("notes.txt");
    std::fs::write(&target, "keep me").unwrap();
    let link = sb.path("run.tcx");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let out = sb.run(&[
        "export",
        "last",
        "--format",
        "tcx",
        "-o",
        link.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("{}: cannot write the export", link.display())),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("symbolic link"), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me");
    assert_eq!(
        mode(&target),
        0o644 & !umask(),
        "the target's mode untouched too"
    );
}

fn umask() -> u32 {
    // SAFETY: umask cannot fail; set it back at once.
    unsafe {
        let old = libc::umask(0o022);
        libc::umask(old);
        old as u32
    }
}

/// A private mount namespace where a tmpfs can be mounted: as root `unshare -m`, else a user
/// namespace `unshare -r -m`; `None` when neither is allowed here.
fn mount_namespace(probe_dir: &Path) -> Option<Vec<&'static str>> {
    for flags in [vec!["-m"], vec!["-r", "-m"]] {
        let ok = Command::new("unshare")
            .args(&flags)
            .args(["sh", "-c", "mount -t tmpfs -o size=64k tmpfs \"$1\"", "sh"])
            .arg(probe_dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            return Some(flags);
        }
    }
    None
}

/// The data dir and the output on one full disk (a 512 KiB tmpfs, filled up): before, `export`
/// failed opening the database ("database error ... check free disk space"); now it reads the
/// database read-only and names the file it could not write.
#[test]
fn export_on_a_full_disk_names_the_output_file() {
    let sb = Sandbox::new();
    sb.ok(&["live", "--simulate", "--fast"]);
    let disk = sb.path("disk");
    std::fs::create_dir(&disk).unwrap();
    let Some(unshare) = mount_namespace(&disk) else {
        eprintln!("SKIPPED: no private mount namespace here (unshare -m / -r -m), so no full disk");
        return;
    };
    let script = r#"set -e
mount -t tmpfs -o size=512k tmpfs "$1"
cp -r "$2" "$1/data"
dd if=/dev/zero of="$1/filler" bs=4096 2>/dev/null || true
shift 2
exec "$@""#;
    let out_file = disk.join("run.tcx");
    let out = Command::new("unshare")
        .args(&unshare)
        .args(["sh", "-c", script, "sh"])
        .arg(&disk)
        .arg(sb.path("data"))
        .arg(env!("CARGO_BIN_EXE_talkzone"))
        .arg("--data-dir")
        .arg(disk.join("data"))
        .args(["export", "last", "--format", "tcx", "-o"])
        .arg(&out_file)
        .env_remove("TALKZONE_CONFIG")
        .env_remove("TALKZONE_DATA")
        .env_remove("XDG_CONFIG_HOME")
        .env_remove("XDG_DATA_HOME")
        .env("HOME", sb.dir.path())
        .env("TZ", "UTC")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!("{}: cannot write the export", out_file.display())),
        "{err}"
    );
    assert!(err.contains("No space left on device"), "{err}");
    assert!(!err.contains("database error"), "{err}");
}
