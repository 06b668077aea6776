//! The decommission checklist at the end of the verify report (step 6 of the migration): the legacy trusted
//! application and pool to remove and the commands to do it, filled in from [`DecommissionFacts`].
//!
//! SEAM: the verify-surface part fills this in; until then the checklist is empty.

use super::{DecommissionFacts, DecommissionStep, VerifyResult};

/// The checklist for `result`'s migration, facts filled in where known, `<placeholders>` where not.
pub fn checklist(_facts: &DecommissionFacts, _result: &VerifyResult) -> Vec<DecommissionStep> {
    Vec::new()
}
