//! A package on the standard streams: `export --as-bytes` (or `--file-name -`) writes it to stdout, as
//! Export-CsPersistentChatData -AsBytes returns it as bytes; `--file-name -` on import, verify, inspect and
//! readiness reads it from stdin, as Import-CsPersistentChatData -ByteInput takes bytes.
//!
//! Both go through a temporary file (the library reads and writes packages as files, and a package may be larger
//! than memory), removed when the command ends. Binary stdout is kept clean: it is refused when stdout is a
//! terminal, and everything else (progress, the result, errors) goes to stderr.

use pchat_migrate::PcmError;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

/// The name that means "the standard stream" in `--file-name`.
pub const STREAM: &str = "-";

/// A temporary package file, removed (with what an export leaves beside it) when dropped.
pub struct TempPackage {
    path: PathBuf,
}

impl TempPackage {
    /// A fresh name in the temporary folder; nothing is created yet.
    pub fn new(purpose: &str) -> TempPackage {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let name = format!("pchat-{purpose}-{}-{nanos}.zip", std::process::id());
        TempPackage {
            path: std::env::temp_dir().join(name),
        }
    }

    pub fn path_text(&self) -> String {
        self.path.display().to_string()
    }

    /// Copies stdin into the file (the package given as bytes).
    pub fn fill_from_stdin(&self) -> Result<(), PcmError> {
        if std::io::stdin().is_terminal() {
            return Err(PcmError::invalid_parameter(
                "FileName",
                "the package '-' is read from stdin, which is a terminal; pipe or redirect the package into it \
                 (< package.zip, or export --as-bytes | ...)",
            ));
        }
        let mut file = std::fs::File::create(&self.path)
            .map_err(|e| PcmError::io("creating", &self.path, e))?;
        std::io::copy(&mut std::io::stdin().lock(), &mut file)
            .map_err(|e| PcmError::io("reading stdin into", &self.path, e))?;
        file.sync_all()
            .map_err(|e| PcmError::io("writing", &self.path, e))?;
        Ok(())
    }

    /// Streams the finished package to stdout.
    pub fn copy_to_stdout(&self) -> Result<u64, PcmError> {
        let mut file =
            std::fs::File::open(&self.path).map_err(|e| PcmError::io("opening", &self.path, e))?;
        let mut out = std::io::stdout().lock();
        let written = std::io::copy(&mut file, &mut out)
            .map_err(|e| PcmError::io("writing to stdout", Path::new("-"), e))?;
        out.flush()
            .map_err(|e| PcmError::io("writing to stdout", Path::new("-"), e))?;
        Ok(written)
    }
}

impl Drop for TempPackage {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
        // An export that failed or was cancelled leaves its staging folder for a resume; a temporary package is
        // never resumed.
        let mut staging = self.path.clone().into_os_string();
        staging.push(".staging");
        let _ = std::fs::remove_dir_all(PathBuf::from(staging));
    }
}

/// Refuses binary output to a terminal before anything runs.
pub fn require_binary_stdout() -> Result<(), PcmError> {
    if std::io::stdout().is_terminal() {
        return Err(PcmError::invalid_parameter(
            "AsBytes",
            "--as-bytes writes the binary package to stdout, which is a terminal; redirect it (> package.zip) \
             or pipe it (| pchat-migrate import --file-name - ...), or give --file-name with a path",
        ));
    }
    Ok(())
}

/// `--password-stdin` and a package on stdin cannot share the one stream.
pub fn refuse_two_stdin_readers(password_stdin: bool) -> Result<(), PcmError> {
    if password_stdin {
        return Err(PcmError::invalid_parameter(
            "password-stdin",
            "--file-name - reads the package from stdin, so the password cannot come from it too; use \
             --password-env",
        ));
    }
    Ok(())
}
