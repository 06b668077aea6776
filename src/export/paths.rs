//! Every file an export writes, named and checked before anything connects: the package, the files that
//! travel beside it (`.partial` while it is written, `.staging/` with the room fragments, `.lock` while a run
//! holds it) and the two reports. A run that would fail on an output path fails here, in a second, not after an
//! hour of export (and never after -DisableExportedNodes changed the source).

use crate::error::PcmError;
use crate::util::sibling_path;
use std::path::{Path, PathBuf};

/// Where the HTML and the JSON report go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportPaths {
    pub html: PathBuf,
    pub json: PathBuf,
}

impl ReportPaths {
    /// `rep.json` → JSON there and HTML in `rep.html`; any other name → HTML there and JSON beside it with the
    /// extension `.json` (`rep.html` → `rep.json`, `rep` → `rep.json`).
    pub fn for_path(path: &Path) -> ReportPaths {
        let is_json = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"));
        if is_json {
            ReportPaths {
                html: path.with_extension("html"),
                json: path.to_path_buf(),
            }
        } else {
            ReportPaths {
                html: path.to_path_buf(),
                json: path.with_extension("json"),
            }
        }
    }
}

/// The package and the files beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputPaths {
    pub package: PathBuf,
    pub partial: PathBuf,
    pub staging: PathBuf,
    pub lock: PathBuf,
    pub report: Option<ReportPaths>,
}

impl OutputPaths {
    pub fn new(package: &Path, report: Option<&Path>) -> OutputPaths {
        OutputPaths {
            package: package.to_path_buf(),
            partial: sibling_path(package, ".partial"),
            staging: sibling_path(package, ".staging"),
            lock: sibling_path(package, ".lock"),
            report: report.map(ReportPaths::for_path),
        }
    }

    /// Checks, before connecting, that every output can be written: names not empty, folders existing and
    /// writable, the reports colliding with nothing, and an existing package replaced only with `force`.
    pub fn check(&self, force: bool) -> Result<(), PcmError> {
        check_folder("FileName", &self.package)?;
        if let Some(report) = &self.report {
            self.check_report(report)?;
        }
        self.check_package_absent(force)
    }

    /// An existing package (or any other file of that name) is replaced only with -Force; a folder never.
    pub fn check_package_absent(&self, force: bool) -> Result<(), PcmError> {
        let path = &self.package;
        let Ok(meta) = std::fs::symlink_metadata(path) else {
            return Ok(());
        };
        if meta.is_dir() {
            return Err(PcmError::invalid_parameter(
                "FileName",
                format!(
                    "-FileName '{}' is a folder; give the path of the package file",
                    path.display()
                ),
            ));
        }
        if force {
            return Ok(());
        }
        Err(PcmError::invalid_parameter(
            "FileName",
            format!(
                "-FileName '{}' already exists ({}, {} bytes); give -Force (--force) to replace it, or another \
                 file name{}",
                path.display(),
                describe_existing(path),
                meta.len(),
                self.leftover_staging()
            ),
        ))
    }

    /// A staging folder beside an existing package: the run that wrote the package was killed before it could
    /// remove the folder (the package is renamed into place first). Named, so it does not linger unnoticed.
    fn leftover_staging(&self) -> String {
        if !self.staging.is_dir() {
            return String::new();
        }
        format!(
            ". The staging folder '{}' beside it was left by a run stopped after it wrote the package: check \
             the package with Get-PChatMigrationPackage (`inspect`) and delete the folder, or export again with \
             -Force, which reuses it",
            self.staging.display()
        )
    }

    fn check_report(&self, report: &ReportPaths) -> Result<(), PcmError> {
        let taken = [
            (&self.package, "the package (-FileName)"),
            (&self.partial, "the package's temporary file"),
            (&self.staging, "the package's staging folder"),
            (&self.lock, "the package's lock file"),
        ];
        for (path, kind) in [(&report.html, "HTML"), (&report.json, "JSON")] {
            check_folder("Report", path)?;
            for (other, what) in taken {
                if same_path(path, other) {
                    return Err(PcmError::invalid_parameter(
                        "Report",
                        format!(
                            "-Report would write its {kind} report to '{}', which is {what}; give the report \
                             another name",
                            path.display()
                        ),
                    ));
                }
            }
            if std::fs::symlink_metadata(path).is_ok_and(|m| m.is_dir()) {
                return Err(PcmError::invalid_parameter(
                    "Report",
                    format!(
                        "-Report: '{}' ({kind} report) is a folder; give a file name",
                        path.display()
                    ),
                ));
            }
        }
        if same_path(&report.html, &report.json) {
            return Err(PcmError::invalid_parameter(
                "Report",
                format!(
                    "-Report '{}': the HTML and the JSON report would be the same file; end the name in .html or \
                     .json",
                    report.html.display()
                ),
            ));
        }
        Ok(())
    }
}

/// Whether two output paths name the same file: compared as written and, since a file may not exist yet, by
/// their (canonical) folders plus file names; names compare case-insensitively on Windows and macOS, whose
/// file systems usually do.
fn same_path(a: &Path, b: &Path) -> bool {
    if a == b {
        return true;
    }
    let resolve = |p: &Path| -> Option<(PathBuf, std::ffi::OsString)> {
        let name = p.file_name()?.to_os_string();
        let parent = folder_of(p);
        Some((std::fs::canonicalize(parent).ok()?, name))
    };
    match (resolve(a), resolve(b)) {
        (Some((pa, na)), Some((pb, nb))) => {
            let names_equal = if cfg!(any(windows, target_os = "macos")) {
                na.to_string_lossy().to_lowercase() == nb.to_string_lossy().to_lowercase()
            } else {
                na == nb
            };
            pa == pb && names_equal
        }
        _ => false,
    }
}

/// The folder a file name lives in (`.` for a bare name).
fn folder_of(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// The file name is not empty, its folder exists and a file can be created in it.
fn check_folder(parameter: &str, path: &Path) -> Result<(), PcmError> {
    let name_empty = path.as_os_str().is_empty()
        || path
            .file_name()
            .is_none_or(|n| n.to_string_lossy().trim().is_empty());
    if name_empty {
        return Err(PcmError::invalid_parameter(
            parameter,
            format!(
                "-{parameter} '{}' names no file; give a file name such as {}",
                path.display(),
                if parameter == "Report" {
                    "Exports/export-report.html"
                } else {
                    "Exports/GroupChat.zip"
                }
            ),
        ));
    }
    let folder = folder_of(path);
    if !folder.is_dir() {
        return Err(PcmError::invalid_parameter(
            parameter,
            format!(
                "the folder '{}' of -{parameter} does not exist; create it first",
                folder.display()
            ),
        ));
    }
    let probe = folder.join(format!(
        ".pchat-migrate-write-test-{}-{}",
        std::process::id(),
        unique()
    ));
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
    {
        Ok(file) => {
            drop(file);
            let _ = std::fs::remove_file(&probe);
            Ok(())
        }
        Err(e) => Err(PcmError::invalid_parameter(
            parameter,
            format!(
                "the folder '{}' of -{parameter} is not writable ({e}); choose another folder or fix its \
                 permissions",
                folder.display()
            ),
        )),
    }
}

/// What kind of file sits where the package would go, for the "already exists" message.
fn describe_existing(path: &Path) -> &'static str {
    use std::io::Read;
    let mut magic = [0u8; 4];
    let is_zip = std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok()
        && magic == *b"PK\x03\x04";
    if is_zip {
        "a zip file, perhaps an earlier package"
    } else {
        "a file that is not a package"
    }
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("pcm-paths-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).expect("dir");
        d
    }

    #[test]
    fn report_names() {
        let r = ReportPaths::for_path(Path::new("x/rep.json"));
        assert_eq!(r.json, Path::new("x/rep.json"));
        assert_eq!(r.html, Path::new("x/rep.html"));
        let r = ReportPaths::for_path(Path::new("rep.HTML"));
        assert_eq!(r.html, Path::new("rep.HTML"));
        assert_eq!(r.json, Path::new("rep.json"));
        let r = ReportPaths::for_path(Path::new("rep"));
        assert_eq!(
            (r.html.as_path(), r.json.as_path()),
            (Path::new("rep"), Path::new("rep.json"))
        );
    }

    #[test]
    fn collisions_and_existing_files() {
        let d = dir("collide");
        let package = d.join("out.zip");
        let check = |report: &str| {
            OutputPaths::new(&package, Some(&d.join(report)))
                .check(false)
                .map_err(|e| e.to_string())
        };
        for bad in [
            "out.zip",
            "out.zip.partial",
            "out.zip.staging",
            "out.zip.lock",
        ] {
            let e = check(bad).expect_err(bad);
            assert!(e.contains("-Report") && e.contains(bad), "{e}");
        }
        // rep.zip → JSON beside it would be fine; a report named like the package's JSON sibling is not a clash
        check("rep.html").expect("fine");
        // through another spelling of the same folder
        let e = OutputPaths::new(&package, Some(&d.join(".").join("out.zip")))
            .check(false)
            .expect_err("same file");
        assert!(e.to_string().contains("which is the package"), "{e}");
        std::fs::write(&package, b"not a zip").expect("write");
        let e = OutputPaths::new(&package, None)
            .check(false)
            .expect_err("exists");
        assert!(
            e.to_string().contains("already exists") && e.to_string().contains("-Force"),
            "{e}"
        );
        assert!(e.to_string().contains("not a package"), "{e}");
        assert!(!e.to_string().contains("staging folder"), "{e}");
        // A staging folder left beside it (a run killed after the rename) is named.
        let staging = OutputPaths::new(&package, None).staging;
        std::fs::create_dir_all(&staging).expect("staging");
        let e = OutputPaths::new(&package, None)
            .check(false)
            .expect_err("exists");
        assert!(
            e.to_string().contains("staging folder") && e.to_string().contains("delete the folder"),
            "{e}"
        );
        std::fs::remove_dir_all(&staging).expect("staging removed");
        OutputPaths::new(&package, None).check(true).expect("force");
        let e = OutputPaths::new(&d, None).check(true).expect_err("folder");
        assert!(e.to_string().contains("is a folder"), "{e}");
    }

    #[test]
    fn empty_names_and_missing_folders() {
        let e = OutputPaths::new(Path::new(""), None)
            .check(false)
            .expect_err("empty");
        assert!(e.to_string().contains("names no file"), "{e}");
        let d = dir("missing");
        let e = OutputPaths::new(&d.join("out.zip"), Some(&d.join("nope").join("r.html")))
            .check(false)
            .expect_err("missing report folder");
        assert!(
            e.to_string().contains("does not exist") && e.to_string().contains("-Report"),
            "{e}"
        );
    }
}
