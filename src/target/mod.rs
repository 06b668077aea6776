//! Target: the 2013 Persistent Chat database (`mgc`). Reading its state and planning an import against it
//! ([`plan`]: preflight, collisions, `-ConflictAction`, -WhatIf), and applying the plan ([`apply`]:
//! principals, nodes, roles, scopes, add-ins, chat in ordered batches, resumable with the target as ledger).

pub mod apply;
pub mod collisions;
pub mod estimate;
pub mod import;
pub mod lock_state;
pub mod model;
pub mod params;
pub mod plan;
pub mod preflight;
pub mod report;
pub mod result;
pub mod state;
#[cfg(test)]
mod testing;

pub use import::import;
pub use model::*;
pub use params::ImportParams;
