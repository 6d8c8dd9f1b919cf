//! Owner-only files and folders. Heart data is health data: every file talkzone writes (the
//! database, captures, exports, plots, the remembered strap) is created `0600` and every folder
//! `0700` (on Unix), *before* anything is written into it. A thin shell over `std::fs`, used by
//! the store, the captures, the exports and the plots alike.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;

/// Create `dir` (and parents) if missing, owner-only.
pub fn create_dir(dir: &Path) -> io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)
}

fn options() -> OpenOptions {
    let mut o = OpenOptions::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o
}

/// Create or truncate `path` for writing, owner-only. A pre-existing file keeps its mode, so it
/// is tightened explicitly.
pub fn create_file(path: &Path) -> io::Result<File> {
    let f = options()
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)?;
    tighten(&f)?;
    Ok(f)
}

/// Open `path` for appending (created if missing), owner-only.
pub fn append_file(path: &Path) -> io::Result<File> {
    let f = options().append(true).create(true).open(path)?;
    tighten(&f)?;
    Ok(f)
}

fn tighten(f: &File) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    #[cfg(not(unix))]
    let _ = f;
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn files_and_dirs_are_owner_only() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("a/b");
        create_dir(&dir).unwrap();
        assert_eq!(
            std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
            0o700
        );
        let path = dir.join("f");
        std::fs::write(&path, "x").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        create_file(&path).unwrap();
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let path2 = dir.join("g");
        append_file(&path2).unwrap();
        assert_eq!(
            std::fs::metadata(&path2).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
}
