//! Collecting findings while the rules run, and handing them back in a stable order.

use super::model::{Finding, Severity};

/// The findings of one transform run, in the order the rules produced them until [`Findings::into_sorted`].
#[derive(Debug, Default)]
pub(crate) struct Findings(Vec<Finding>);

/// What a finding is about: `("Room", "Sales\\EMEA\\Q3")`.
pub(crate) type About<'a> = (&'a str, &'a str);

impl Findings {
    /// Records a finding. Messages carry names raw; callers escape them only when they display them.
    pub(crate) fn push(
        &mut self,
        severity: Severity,
        code: &str,
        about: Option<About<'_>>,
        message: String,
        rooms: Vec<String>,
    ) {
        self.0.push(Finding {
            severity,
            code: code.to_string(),
            message,
            entity_type: about.map(|(t, _)| t.to_string()),
            entity: about.map(|(_, e)| e.to_string()),
            rooms,
        });
    }

    pub(crate) fn error(&mut self, code: &str, about: About<'_>, message: String) {
        self.push(Severity::Error, code, Some(about), message, Vec::new());
    }

    pub(crate) fn warning(
        &mut self,
        code: &str,
        about: About<'_>,
        message: String,
        rooms: Vec<String>,
    ) {
        self.push(Severity::Warning, code, Some(about), message, rooms);
    }

    pub(crate) fn info(
        &mut self,
        code: &str,
        about: About<'_>,
        message: String,
        rooms: Vec<String>,
    ) {
        self.push(Severity::Info, code, Some(about), message, rooms);
    }

    /// Errors first, then warnings, then information; within a severity by code, then by entity. The sort is
    /// stable, so findings with the same key keep the order the rules (which walk the package in id order)
    /// produced them: two runs over one package list the same findings in the same order.
    pub(crate) fn into_sorted(mut self) -> Vec<Finding> {
        self.0.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then_with(|| a.code.cmp(&b.code))
                .then_with(|| a.entity_type.cmp(&b.entity_type))
                .then_with(|| a.entity.cmp(&b.entity))
        });
        self.0
    }
}
