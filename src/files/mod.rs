//! The legacy file repository: which files rooms reference (`ma-filelink:`), and copying them to the 2013
//! file store (the step Microsoft leaves to a manual XCOPY). docs/file-store.md.

pub mod copy;
pub mod links;
pub mod manifest;
pub mod manifest_job;
pub mod output;
pub mod source;
pub mod tally;
