//! The process-wide tokio runtime: created on first use, never per call (a PowerShell session may start
//! thousands of jobs; each runtime would own its own thread pool).

use crate::error::PcmError;
use std::sync::OnceLock;
use tokio::runtime::{Builder, Runtime};

static RUNTIME: OnceLock<Result<Runtime, String>> = OnceLock::new();

/// The shared runtime, or an error saying why it could not be created.
pub fn runtime() -> Result<&'static Runtime, PcmError> {
    let slot = RUNTIME.get_or_init(|| {
        Builder::new_multi_thread()
            .thread_name("pchat-migrate")
            .enable_all()
            .build()
            .map_err(|e| e.to_string())
    });
    match slot {
        Ok(rt) => Ok(rt),
        Err(message) => Err(PcmError::RuntimeUnavailable(message.clone())),
    }
}
