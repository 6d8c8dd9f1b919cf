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
/// is tightened explicitly. A symbolic link is refused, not followed (health data must land in
/// the file named, not wherever a link points), and so is anything but a regular file.
pub fn create_file(path: &Path) -> io::Result<File> {
    let mut o = options();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.custom_flags(libc::O_NOFOLLOW);
    }
    let f = o.open(path).map_err(|e| {
        #[cfg(unix)]
        if e.raw_os_error() == Some(libc::ELOOP) {
            return io::Error::new(
                io::ErrorKind::InvalidInput,
                "it is a symbolic link, and talkzone does not write through one: name the file \
                 itself",
            );
        }
        e
    })?;
    if !f.metadata()?.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "it is not a regular file",
        ));
    }
    tighten(&f)?;
    Ok(f)
}

/// Open `path` for appending (created if missing), owner-only.
pub fn append_file(path: &Path) -> io::Result<File> {
    let f = options().append(true).create(true).open(path)?;
    tighten(&f)?;
    Ok(f)
}

/// Make an existing file or folder owner-only (`0600`, a folder `0700`) if others may read or
/// write it; its mode before when it was changed, `None` when it was already private (or is
/// missing: nothing to protect).
pub fn make_private(path: &Path) -> io::Result<Option<u32>> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let mode = meta.permissions().mode() & 0o7777;
        if mode & 0o077 == 0 {
            return Ok(None);
        }
        let private = if meta.is_dir() { 0o700 } else { 0o600 };
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(private))?;
        Ok(Some(mode))
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(None)
    }
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
    fn a_symlink_or_a_device_is_refused_and_its_target_untouched() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("target");
        std::fs::write(&target, "keep").unwrap();
        let link = tmp.path().join("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let e = create_file(&link).unwrap_err();
        assert!(e.to_string().contains("symbolic link"), "{e}");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep");
        // A dangling link is refused too (it would create its target).
        let dangling = tmp.path().join("dangling");
        std::os::unix::fs::symlink(tmp.path().join("nowhere"), &dangling).unwrap();
        assert!(create_file(&dangling).is_err());
        assert!(!tmp.path().join("nowhere").exists());
        // A folder is not a file to write.
        assert!(create_file(tmp.path()).is_err());
    }

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
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
        assert_eq!(make_private(&dir).unwrap(), Some(0o777));
        assert_eq!(make_private(&dir).unwrap(), None, "already private");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();
        assert_eq!(make_private(&path).unwrap(), Some(0o666));
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(
            std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
            0o700
        );
        assert_eq!(make_private(&dir.join("missing")).unwrap(), None);
        let path2 = dir.join("g");
        append_file(&path2).unwrap();
        assert_eq!(
            std::fs::metadata(&path2).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
}
