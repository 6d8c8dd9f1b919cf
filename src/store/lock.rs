//! "This session is being recorded right now": an advisory lock on
//! `<data dir>/session-<id>.lock`, held by the recording process for as long as it runs.
//!
//! Why: a session left `recording` in the database is either being recorded by another
//! talkzone (a second strap, a second terminal) or was left by a process that was killed. Only
//! the second may be recovered. The kernel drops an `flock` when its process dies, however it
//! dies, so "the lock can be taken" means "nobody is recording it".

use std::fs::File;
use std::path::{Path, PathBuf};

use crate::owner_only;

/// The lock file for session `id`.
pub fn path(data_dir: &Path, id: i64) -> PathBuf {
    data_dir.join(format!("session-{id}.lock"))
}

/// A held recording lock; released (and its file removed) on drop.
#[derive(Debug)]
pub struct RecordingLock {
    file: Option<File>,
    path: PathBuf,
}

impl RecordingLock {
    /// Take the lock for session `id`. Fails if another process holds it.
    pub fn acquire(data_dir: &Path, id: i64) -> std::io::Result<RecordingLock> {
        let path = path(data_dir, id);
        let file = owner_only::append_file(&path)?;
        try_lock(&file)?;
        // A holder that just let go removes the file; if we locked that removed file, the lock
        // guards nothing: say "busy" and let the caller try again.
        if !same_file(&file, &path) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::WouldBlock,
                "the lock file was replaced while taking it",
            ));
        }
        Ok(RecordingLock {
            file: Some(file),
            path,
        })
    }
}

impl Drop for RecordingLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
        drop(self.file.take());
    }
}

#[cfg(unix)]
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_file: &File, _path: &Path) -> bool {
    true
}

#[cfg(unix)]
fn try_lock(file: &File) -> std::io::Result<()> {
    use std::os::unix::io::AsRawFd;
    // SAFETY: flock on a valid, open file descriptor owned by `file`.
    let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(unix))]
fn try_lock(_file: &File) -> std::io::Result<()> {
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn held_while_alive_free_after() {
        let dir = tempfile::tempdir().unwrap();
        let lock = RecordingLock::acquire(dir.path(), 7).unwrap();
        assert!(RecordingLock::acquire(dir.path(), 7).is_err());
        let other = RecordingLock::acquire(dir.path(), 8).unwrap();
        drop(other);
        drop(lock);
        let again = RecordingLock::acquire(dir.path(), 7).unwrap();
        drop(again);
        assert!(!path(dir.path(), 7).exists());
    }
}
