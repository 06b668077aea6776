//! The source walk: every regular file under the repository root, nested folders included (XCOPY /E), as
//! checked relative paths. A symbolic link or junction is followed only when it points inside the root (a
//! link to a file: its content is copied; a link to a folder is not followed, its files are copied from the
//! folder itself); one pointing outside is refused, as are names no checked path can hold.

use super::result::FileIssue;
use crate::error::PcmError;
use crate::files::links::RelativePath;
use crate::jobs::JobContext;
use std::path::{Path, PathBuf};

/// The journal and lock a copy keeps in its destination root: never copied from a source root.
const OWN_FILES: &[&str] = &[super::journal::JOURNAL_FILE, super::lock::LOCK_FILE];

/// One file to copy.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub rel: RelativePath,
    pub path: PathBuf,
    pub size: u64,
}

/// What the walk found.
#[derive(Debug, Default)]
pub struct Walk {
    /// In path order.
    pub files: Vec<SourceFile>,
    /// Every folder below the root (empty ones too: XCOPY /E creates them).
    pub folders: Vec<RelativePath>,
    pub refused: Vec<FileIssue>,
}

fn refuse(walk: &mut Walk, rel: &str, reason: impl Into<String>) {
    walk.refused.push(FileIssue {
        path: rel.to_string(),
        reason: reason.into(),
    });
}

/// Walks `root` (its canonical form `canonical`), blocking; cancellable between folders.
pub fn walk(root: &Path, canonical: &Path, ctx: &JobContext) -> Result<Walk, PcmError> {
    let mut walk = Walk::default();
    let mut folders: Vec<(PathBuf, String)> = vec![(root.to_path_buf(), String::new())];
    while let Some((folder, prefix)) = folders.pop() {
        ctx.check_cancelled()?;
        let entries = std::fs::read_dir(&folder)
            .map_err(|e| PcmError::io("listing the folder", &folder, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| PcmError::io("listing the folder", &folder, e))?;
            let path = entry.path();
            let name = entry.file_name();
            let Some(name) = name.to_str() else {
                refuse(
                    &mut walk,
                    &format!("{prefix}{}", name.to_string_lossy()),
                    "the name is not valid Unicode",
                );
                continue;
            };
            let rel_text = format!("{prefix}{name}");
            if prefix.is_empty() && OWN_FILES.iter().any(|own| own.eq_ignore_ascii_case(name)) {
                refuse(
                    &mut walk,
                    &rel_text,
                    "the copy's own bookkeeping file (the source was once a copy destination): not copied over the \
                     destination's own",
                );
                continue;
            }
            let rel = match RelativePath::parse(&rel_text) {
                Ok(rel) => rel,
                Err(why) => {
                    refuse(&mut walk, &rel_text, why.to_string());
                    continue;
                }
            };
            let meta = std::fs::symlink_metadata(&path)
                .map_err(|e| PcmError::io("reading the file's attributes", &path, e))?;
            let kind = meta.file_type();
            if kind.is_symlink() {
                match std::fs::canonicalize(&path) {
                    Ok(target) if target.starts_with(canonical) => match std::fs::metadata(&target) {
                        Ok(m) if m.is_file() => walk.files.push(SourceFile {
                            rel,
                            path,
                            size: m.len(),
                        }),
                        Ok(_) => refuse(
                            &mut walk,
                            &rel_text,
                            "a link to a folder inside the root: not followed (its files are copied from the \
                             folder itself)",
                        ),
                        Err(e) => refuse(&mut walk, &rel_text, format!("a link that cannot be read: {e}")),
                    },
                    Ok(target) => refuse(
                        &mut walk,
                        &rel_text,
                        format!(
                            "a symbolic link or junction pointing outside the source root (to '{}'): not followed",
                            target.display()
                        ),
                    ),
                    Err(e) => refuse(&mut walk, &rel_text, format!("a broken link: {e}")),
                }
            } else if kind.is_dir() {
                walk.folders.push(rel);
                folders.push((path, format!("{rel_text}/")));
            } else if kind.is_file() {
                walk.files.push(SourceFile {
                    rel,
                    path,
                    size: meta.len(),
                });
            } else {
                refuse(
                    &mut walk,
                    &rel_text,
                    "not a regular file or folder (a device, pipe or socket)",
                );
            }
        }
    }
    walk.files.sort_by(|a, b| a.rel.cmp(&b.rel));
    walk.folders.sort();
    walk.refused.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(walk)
}
