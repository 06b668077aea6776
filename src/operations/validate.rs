//! `validate`: checks an inner request without running it (what -WhatIf-style preflight and the PowerShell
//! module use), through the inner operation's own registration.

use super::registry::{lookup, Checked, SyncOperation};
use super::Request;
use crate::error::PcmError;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The result of `validate`: `valid` (always true: an invalid request is an error), the operation and what its
/// check found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ValidateResult {
    pub valid: bool,
    pub operation: String,
    #[serde(flatten)]
    pub checked: Checked,
}

pub struct Validate;

impl SyncOperation for Validate {
    const NAME: &'static str = "validate";
    /// The inner request.
    type Params = Value;
    type Output = ValidateResult;

    fn check(_params: &Value) -> Result<Checked, PcmError> {
        Err(PcmError::invalid_parameter(
            "operation",
            "a validate request cannot validate itself",
        ))
    }

    fn call(params: Value) -> Result<ValidateResult, PcmError> {
        let inner = Request::from_value(params)?;
        let checked = lookup(&inner.operation)?.check(&inner)?;
        Ok(ValidateResult {
            valid: true,
            operation: inner.operation.clone(),
            checked,
        })
    }
}
