//! Verify (step 5 of the migration): compares a source (legacy database or package), after the import's own
//! transform, with the target `mgc`, room by room. docs/verify.md.

pub mod decommission;
mod model;
pub mod params;
pub mod report;

pub use model::*;
pub use params::{DecommissionFacts, VerifyParams};
