//! `legacy_clients_plan`: the legacy-client access plan (src/legacy_clients) from the facts the host gathered.
//! Synchronous and pure: it reads nothing and changes nothing, so `pcm_call` (and `pcm_legacy_clients_plan`)
//! answer it at once.

use super::registry::{Checked, SyncOperation};
use crate::error::PcmError;
use crate::legacy_clients::{plan, LegacyClientFacts, LegacyClientPlan};

pub struct LegacyClientsPlan;

impl SyncOperation for LegacyClientsPlan {
    const NAME: &'static str = "legacy_clients_plan";
    type Params = LegacyClientFacts;
    type Output = LegacyClientPlan;

    /// Valid when the facts are well formed; a plan with blockers is still a valid request.
    fn check(params: &LegacyClientFacts) -> Result<Checked, PcmError> {
        plan(params).map(|_| Checked::default())
    }

    fn call(params: LegacyClientFacts) -> Result<LegacyClientPlan, PcmError> {
        plan(&params)
    }
}
