//! Writing a file that must either appear whole under its name or not at
//! all, and that never replaces an existing file unless told to.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The content, written and synced beside its final name but not yet under it.
pub struct Staged {
    tmp: PathBuf,
    target: PathBuf,
}

fn dir_of(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// Makes a rename or link in `dir` durable; some platforms cannot open a
/// directory for that, where the rename is as durable as it gets.
fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

impl Staged {
    /// Writes `bytes` to a new hidden file in `target`'s folder (the same
    /// file system, so that putting it in place is one rename or link) and
    /// syncs it to disk.
    pub fn write(target: &Path, bytes: &[u8]) -> io::Result<Staged> {
        let name = target
            .file_name()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a file name"))?;
        // A name no one else uses: a crash may have left one with this pid.
        let mut attempt = 0;
        let (tmp, mut f) = loop {
            let tmp = dir_of(target).join(format!(
                ".{}.{}.{attempt}.spur-tmp",
                name.to_string_lossy(),
                std::process::id()
            ));
            match OpenOptions::new().write(true).create_new(true).open(&tmp) {
                Ok(f) => break (tmp, f),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt < 100 => attempt += 1,
                Err(e) => return Err(e),
            }
        };
        let written = f.write_all(bytes).and_then(|()| f.sync_all());
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
        Ok(Staged {
            tmp,
            target: target.to_owned(),
        })
    }

    /// Where the content is until it is published.
    pub fn path(&self) -> &Path {
        &self.tmp
    }

    /// Gives the content its name: with `replace`, one rename over whatever
    /// is there; without, a hard link that fails if the name exists (so a
    /// file created meanwhile is not clobbered either), then the temporary
    /// name goes. On failure the temporary file stays for the caller to name.
    pub fn publish(self, replace: bool) -> io::Result<()> {
        if replace {
            std::fs::rename(&self.tmp, &self.target)?;
        } else {
            match std::fs::hard_link(&self.tmp, &self.target) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    return Err(io::Error::new(
                        e.kind(),
                        format!("{} exists and is not overwritten", self.target.display()),
                    ))
                }
                // File systems without hard links: create the name exclusively and copy.
                Err(_) => {
                    let bytes = std::fs::read(&self.tmp)?;
                    let mut f = OpenOptions::new()
                        .write(true)
                        .create_new(true)
                        .open(&self.target)?;
                    f.write_all(&bytes)?;
                    f.sync_all()?;
                }
            }
            std::fs::remove_file(&self.tmp)?;
        }
        sync_dir(dir_of(&self.target));
        Ok(())
    }

    /// Removes the content: it will not be published.
    pub fn discard(self) {
        let _ = std::fs::remove_file(&self.tmp);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("spur-outfile-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn leftovers(d: &Path) -> Vec<String> {
        std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".spur-tmp"))
            .collect()
    }

    #[test]
    fn publishes_whole_and_never_clobbers_without_replace() {
        let d = dir("publish");
        let target = d.join("STR.xml");
        Staged::write(&target, b"one")
            .unwrap()
            .publish(false)
            .unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"one");
        let staged = Staged::write(&target, b"two").unwrap();
        let kept = staged.path().to_owned();
        let e = staged.publish(false).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(&target).unwrap(), b"one");
        assert_eq!(std::fs::read(&kept).unwrap(), b"two", "kept for the caller");
        std::fs::remove_file(kept).unwrap();
        Staged::write(&target, b"three")
            .unwrap()
            .publish(true)
            .unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"three");
        assert!(leftovers(&d).is_empty());
        let staged = Staged::write(&d.join("gone.xml"), b"x").unwrap();
        staged.discard();
        assert!(leftovers(&d).is_empty() && !d.join("gone.xml").exists());
        std::fs::remove_dir_all(d).unwrap();
    }
}
