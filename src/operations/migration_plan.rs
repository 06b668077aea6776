//! `migration_plan`: the stages of the one-command migration (Start-PChatMigration) and what a re-run resumes
//! from, decided from the facts the host gathered (src/migration). Synchronous and pure: it reads and changes
//! nothing, so `pcm_call` answers it at once.

use super::registry::{Checked, SyncOperation};
use crate::error::PcmError;
use crate::migration::{plan, MigrationFacts, MigrationPlan};

pub struct MigrationPlanOperation;

impl SyncOperation for MigrationPlanOperation {
    const NAME: &'static str = "migration_plan";
    type Params = MigrationFacts;
    type Output = MigrationPlan;

    /// Valid when the facts are well formed; a plan with blockers is still a valid request.
    fn check(params: &MigrationFacts) -> Result<Checked, PcmError> {
        plan(params).map(|_| Checked::default())
    }

    fn call(params: MigrationFacts) -> Result<MigrationPlan, PcmError> {
        plan(&params)
    }
}
