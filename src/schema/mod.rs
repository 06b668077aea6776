//! What is in a database: its catalog (tables and columns from INFORMATION_SCHEMA) and which kind of chat
//! database it is.

pub mod catalog;
pub mod detect;

pub use catalog::{Catalog, ColumnInfo};
pub use detect::{detect, DatabaseKind, Detection};
