//! Transform: the legacy Group Chat model (nested categories, inherited rights, per-room settings) into the 2013
//! Persistent Chat model (one level of categories, explicit room roles, category-level settings).
//!
//! Pure code: no I/O, no database. Input is a package's [`Entities`] and room histories; output is the
//! [`MigrationModel`] the import plans against a target and the readiness report shows. Every rule is in
//! docs/conversion-rules.md and has a unit test. Names of lookup values (role types, principal types,
//! behaviours, visibilities) stay names here: the target resolves them to its own ids.

mod model;

pub use model::*;

use crate::package::format::RoomHistory;
use crate::package::reader::Entities;

/// Runs every conversion rule. Never fails: problems (names too long, collisions inside the package, unknown
/// types) are [`Finding`]s with [`Severity::Error`], so a plan can list all of them at once.
pub fn transform(
    source_kind: &str,
    entities: &Entities,
    histories: &[RoomHistory],
    options: &TransformOptions,
) -> MigrationModel {
    let _ = (source_kind, entities, histories, options);
    unimplemented!("the transform rules are being written (issue 8 §1)")
}
