//! pchat-migrate: moves Lync Server 2010 / OCS 2007 R2 Group Chat data into Lync Server 2013 Persistent Chat.
//!
//! The library is used three ways, all through [`operations`]: the C ABI in [`ffi`] (for the PowerShell
//! module), the `pchat-migrate` CLI, and Rust tests.

pub mod archive;
pub mod client_access;
pub mod connection;
pub mod error;
pub mod export;
pub mod ffi;
pub mod files;
pub mod jobs;
pub mod legacy_clients;
pub mod migration;
pub mod operations;
pub mod package;
pub mod readiness;
pub mod schema;
pub mod source;
pub mod target;
pub mod transform;
pub mod util;
pub mod verify;

pub use error::{PcmError, Result};

/// Version of the C ABI. Bump on any incompatible change to `include/pchat_migrate.h` or the JSON contracts;
/// the PowerShell module refuses to load a library whose ABI version differs from its own.
pub const ABI_VERSION: u32 = 2;
