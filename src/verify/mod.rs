//! Verify (step 5 of the migration): compares a source (legacy database or package), after the import's own
//! transform, with the target `mgc`, room by room. docs/verify.md.

mod compare;
pub mod decommission;
pub mod digest;
mod expected;
mod history;
pub mod merge;
mod model;
pub mod params;
pub mod plan;
mod quick;
pub mod report;
mod run;
mod target;

pub use model::*;
pub use params::{DecommissionFacts, VerifyParams};
pub use run::verify;
