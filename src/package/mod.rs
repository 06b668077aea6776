//! The migration package: an open, documented zip of JSON Lines (docs/package-format.md).

pub mod content;
pub mod format;
pub mod reader;
pub mod writer;

pub use format::*;
pub use reader::{Entities, PackageReader, RoomFigures};
pub use writer::PackageWriter;
