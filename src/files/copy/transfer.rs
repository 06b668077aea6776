//! One file: streamed to `<name>.pchat-partial` in its destination folder while SHA-256 is computed over the
//! bytes read from the source, fsynced, then read back from the destination and hashed again. The copy is
//! proved when the written file's hash equals the hash of what was read and the source's size and
//! modification time did not change meanwhile; only then is it renamed into place. Destination folders are
//! created one level at a time, and an existing one that resolves outside the destination root (a link or
//! junction) is refused, so no path can lead a write outside the root.

use super::journal::modified_nanos;
use crate::error::PcmError;
use crate::files::links::RelativePath;
use crate::jobs::JobContext;
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Bytes read and written at once.
pub const CHUNK: usize = 1 << 20;

/// The suffix of a file being written.
pub const PARTIAL_SUFFIX: &str = ".pchat-partial";

/// Why a file was not copied: the file's own problem (reported, the run goes on) or the run's end.
#[derive(Debug)]
pub enum FileError {
    /// This file failed (its reason); other files are still copied.
    File(String),
    /// Cancelled, or something that ends the run.
    Run(PcmError),
}

impl From<PcmError> for FileError {
    fn from(e: PcmError) -> Self {
        match e {
            PcmError::Cancelled => FileError::Run(e),
            other => FileError::File(other.to_string()),
        }
    }
}

fn file_error(action: &str, path: &Path, e: std::io::Error) -> FileError {
    FileError::File(format!("{action} '{}' failed: {e}", path.display()))
}

/// The lowercase hex SHA-256 of a file, read in chunks; cancellable between chunks; `progress(n)` after each.
pub fn hash_file(
    path: &Path,
    ctx: &JobContext,
    mut progress: impl FnMut(u64),
) -> Result<(String, u64), FileError> {
    let mut file = File::open(path).map_err(|e| file_error("opening", path, e))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; CHUNK];
    let mut total = 0u64;
    loop {
        ctx.check_cancelled().map_err(FileError::Run)?;
        let n = file
            .read(&mut buffer)
            .map_err(|e| file_error("reading", path, e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        let n = u64::try_from(n).unwrap_or(u64::MAX);
        total += n;
        progress(n);
    }
    Ok((hex(&hasher.finalize()), total))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The folder `rel`'s file goes in, created below `root` (canonical); see [`folder_under`].
pub fn destination_folder(
    root: &Path,
    rel: &RelativePath,
    create: bool,
) -> Result<PathBuf, FileError> {
    let segments = rel.segments();
    folder_under(root, &segments[..segments.len().saturating_sub(1)], create)
}

/// The folder `segments` name below `root` (canonical), created one level at a time; an existing level that
/// is a link resolving outside `root`, or a file, is refused. `create`: false only checks (what-if).
pub fn folder_under(root: &Path, segments: &[String], create: bool) -> Result<PathBuf, FileError> {
    let mut folder = root.to_path_buf();
    for (i, segment) in segments.iter().enumerate() {
        folder.push(segment);
        match std::fs::symlink_metadata(&folder) {
            Ok(m) if m.file_type().is_symlink() => {
                let target = std::fs::canonicalize(&folder)
                    .map_err(|e| file_error("resolving the destination folder", &folder, e))?;
                if !target.starts_with(root) || !target.is_dir() {
                    return Err(FileError::File(format!(
                        "the destination folder '{}' is a link to '{}', outside the destination root: refused",
                        folder.display(),
                        target.display()
                    )));
                }
            }
            Ok(m) if m.is_dir() => {}
            Ok(_) => {
                return Err(FileError::File(format!(
                    "'{}' is a file where the destination needs a folder",
                    folder.display()
                )))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if !create {
                    // What-if: the rest does not exist either.
                    let mut planned = folder;
                    planned.extend(&segments[i + 1..]);
                    return Ok(planned);
                }
                std::fs::create_dir(&folder)
                    .or_else(|e| if folder.is_dir() { Ok(()) } else { Err(e) })
                    .map_err(|e| file_error("creating the folder", &folder, e))?;
            }
            Err(e) => return Err(file_error("reading", &folder, e)),
        }
    }
    Ok(folder)
}

/// A file copied and proved.
#[derive(Debug, Clone)]
pub struct Copied {
    pub sha256: String,
    pub size: u64,
    pub source_modified: u128,
    pub destination_modified: u128,
    /// Where a replaced destination file was kept.
    pub kept_as: Option<PathBuf>,
}

/// `<name>.pchat-old-<n>`, the first that does not exist.
fn aside_name(dest: &Path) -> PathBuf {
    let mut n = 1u32;
    loop {
        let candidate = crate::util::sibling_path(dest, &format!(".pchat-old-{n}"));
        if std::fs::symlink_metadata(&candidate).is_err() {
            return candidate;
        }
        n += 1;
    }
}

/// Copies `source` to `dest` (its folder already checked). `replace`: a differing file is at `dest`, to be
/// kept under an aside name. `progress(n)` after each chunk written.
pub fn copy_file(
    source: &Path,
    dest: &Path,
    replace: bool,
    ctx: &JobContext,
    mut progress: impl FnMut(u64),
) -> Result<Copied, FileError> {
    let before = std::fs::metadata(source).map_err(|e| file_error("reading", source, e))?;
    let temp = crate::util::sibling_path(dest, PARTIAL_SUFFIX);
    match std::fs::remove_file(&temp) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(file_error("removing the unfinished copy", &temp, e)),
    }
    let written = write_temp(source, &temp, ctx, &mut progress);
    let (sha256, size) = match written {
        Ok(done) => done,
        Err(e) => {
            let _ = std::fs::remove_file(&temp);
            return Err(e);
        }
    };
    let proved = prove(source, &temp, &before, &sha256, size, ctx);
    if let Err(e) = proved {
        let _ = std::fs::remove_file(&temp);
        return Err(e);
    }
    let kept_as = if replace {
        let aside = aside_name(dest);
        std::fs::rename(dest, &aside).map_err(|e| {
            let _ = std::fs::remove_file(&temp);
            file_error("keeping the old destination file", dest, e)
        })?;
        Some(aside)
    } else {
        None
    };
    std::fs::rename(&temp, dest).map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        file_error("renaming the copy into place", dest, e)
    })?;
    sync_folder(dest);
    let after = std::fs::metadata(dest).map_err(|e| file_error("reading", dest, e))?;
    Ok(Copied {
        sha256,
        size,
        source_modified: modified_nanos(&before),
        destination_modified: modified_nanos(&after),
        kept_as,
    })
}

/// Streams the source into the temporary file (created exclusively), hashing what was read; fsync.
fn write_temp(
    source: &Path,
    temp: &Path,
    ctx: &JobContext,
    progress: &mut impl FnMut(u64),
) -> Result<(String, u64), FileError> {
    let mut input = File::open(source).map_err(|e| file_error("opening", source, e))?;
    let mut output = File::options()
        .write(true)
        .create_new(true)
        .open(temp)
        .map_err(|e| file_error("creating", temp, e))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; CHUNK];
    let mut total = 0u64;
    loop {
        ctx.check_cancelled().map_err(FileError::Run)?;
        let n = input
            .read(&mut buffer)
            .map_err(|e| file_error("reading", source, e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        output
            .write_all(&buffer[..n])
            .map_err(|e| file_error("writing", temp, e))?;
        let n = u64::try_from(n).unwrap_or(u64::MAX);
        total += n;
        progress(n);
    }
    output
        .sync_all()
        .map_err(|e| file_error("flushing", temp, e))?;
    Ok((hex(&hasher.finalize()), total))
}

/// The written file's hash equals what was read, and the source did not change while it was read.
fn prove(
    source: &Path,
    temp: &Path,
    before: &std::fs::Metadata,
    sha256: &str,
    size: u64,
    ctx: &JobContext,
) -> Result<(), FileError> {
    let (written, written_size) = hash_file(temp, ctx, |_| {})?;
    if written != sha256 || written_size != size {
        return Err(FileError::File(format!(
            "the copy at '{}' reads back differently from what was read at the source (SHA-256 {written} \
             vs {sha256}): the destination's storage is not keeping the bytes",
            temp.display()
        )));
    }
    let after = std::fs::metadata(source).map_err(|e| file_error("reading", source, e))?;
    if after.len() != size || modified_nanos(&after) != modified_nanos(before) {
        return Err(FileError::File(format!(
            "'{}' changed while it was copied; run the copy again when nothing writes to the repository",
            source.display()
        )));
    }
    Ok(())
}

/// Makes the rename durable (Unix: fsync of the folder; Windows commits the rename with the file system's own
/// journal).
fn sync_folder(path: &Path) {
    #[cfg(unix)]
    if let Some(folder) = path.parent() {
        if let Ok(f) = File::open(folder) {
            let _ = f.sync_all();
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::Job;

    /// Runs `prove` on a job's blocking pool and gives its failure text (None when proved).
    fn proving(source: &[u8], written: &[u8], change_source: Option<&[u8]>) -> Option<String> {
        let dir = std::env::temp_dir().join(format!(
            "pcm-prove-{}-{}",
            std::process::id(),
            written.len() + change_source.map_or(0, |c| c.len() * 100)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("dir");
        let (src, temp) = (dir.join("src.bin"), dir.join("dst.bin.pchat-partial"));
        std::fs::write(&src, source).expect("src");
        std::fs::write(&temp, written).expect("temp");
        let before = std::fs::metadata(&src).expect("meta");
        if let Some(changed) = change_source {
            std::fs::write(&src, changed).expect("change");
        }
        let sha = hex(&Sha256::digest(source));
        let size = u64::try_from(source.len()).expect("size");
        let job = Job::spawn("prove-test", move |ctx| async move {
            let inner = ctx.clone();
            let outcome = ctx
                .spawn_blocking(move || Ok(prove(&src, &temp, &before, &sha, size, &inner)))
                .await?;
            Ok(serde_json::json!(match outcome {
                Ok(()) => None,
                Err(FileError::File(why)) => Some(why),
                Err(FileError::Run(e)) => Some(e.to_string()),
            }))
        })
        .expect("job");
        let value = job.wait(|_| {}).expect("ran");
        let _ = std::fs::remove_dir_all(&dir);
        value.as_str().map(str::to_string)
    }

    #[test]
    fn a_copy_is_proved_only_when_it_reads_back_as_read_and_the_source_held_still() {
        assert_eq!(proving(b"abc", b"abc", None), None);
        let why = proving(b"abc", b"abd", None).expect("not proved");
        assert!(why.contains("reads back differently"), "{why}");
        let why = proving(b"abcd", b"abcd", Some(b"abcde")).expect("not proved");
        assert!(why.contains("changed while it was copied"), "{why}");
    }
}
