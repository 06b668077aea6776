//! The legacy file repository: which files rooms reference (`ma-filelink:`), and copying them to the 2013
//! file store (the step Microsoft leaves to a manual XCOPY). docs/file-store.md.

pub mod links;
