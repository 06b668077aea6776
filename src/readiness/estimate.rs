//! How long the export and the import of what readiness found would take, from measured rates.
//!
//! Export: `bash scripts/bench-export.sh 300000` on the project's 2-core VM against the stand-in (issue 7's
//! note, README "Benchmarks") measured 104,000 messages/s with -ThrottleLimit 1 and 166,000 with the default 4;
//! the estimate takes 100,000 messages/s, the lower figure rounded down, because a production server shares its
//! disks and network with live traffic. Import: the planner's rate (src/target/estimate.rs), whose basis is
//! reported with the figure.

use serde::{Deserialize, Serialize};

/// Messages exported per second (see the module doc for the measurement).
pub const EXPORT_MESSAGES_PER_SECOND: f64 = 100_000.0;
pub const EXPORT_BASIS: &str =
    "export: 100,000 messages/s, measured with `bash scripts/bench-export.sh 300000` \
                                (104,000-166,000 messages/s on a 2-core VM against the stand-in)";

/// The time an export and an import of the counted messages would take.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReadinessEstimate {
    /// Messages an export would move (from -StartDate on, when given).
    pub export_messages: u64,
    /// Messages an import would write (the migrated rooms' messages).
    pub import_messages: u64,
    pub export_seconds: f64,
    pub import_seconds: f64,
    pub total_seconds: f64,
    pub export_messages_per_second: f64,
    pub import_messages_per_second: f64,
    /// Where the rates come from.
    pub basis: String,
}

/// The estimate for `export_messages` exported and `import_messages` imported in `nodes` categories and rooms,
/// with `principals` users and groups.
pub fn estimate(
    export_messages: u64,
    import_messages: u64,
    nodes: u64,
    principals: u64,
) -> ReadinessEstimate {
    use crate::target::estimate::{SECONDS_PER_NODE, SECONDS_PER_PRINCIPAL};
    let import_rate = crate::target::estimate::MESSAGES_PER_SECOND;
    let export_seconds = export_messages as f64 / EXPORT_MESSAGES_PER_SECOND;
    let import_seconds = import_messages as f64 / import_rate
        + nodes as f64 * SECONDS_PER_NODE
        + principals as f64 * SECONDS_PER_PRINCIPAL;
    ReadinessEstimate {
        export_messages,
        import_messages,
        export_seconds,
        import_seconds,
        total_seconds: export_seconds + import_seconds,
        export_messages_per_second: EXPORT_MESSAGES_PER_SECOND,
        import_messages_per_second: import_rate,
        basis: format!("{EXPORT_BASIS}; import: {}", crate::target::estimate::BASIS),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_follow_the_rates() {
        let e = estimate(1_000_000, 500_000, 0, 0);
        assert!((e.export_seconds - 10.0).abs() < 1e-9);
        let expected = 500_000.0 / crate::target::estimate::MESSAGES_PER_SECOND;
        assert!((e.import_seconds - expected).abs() < 1e-9);
        assert!((e.total_seconds - e.export_seconds - e.import_seconds).abs() < 1e-9);
        assert!(e.basis.contains("bench-export.sh"));
        assert_eq!(estimate(0, 0, 0, 0).total_seconds, 0.0);
        let people = estimate(0, 0, 10, 100_000);
        let expected = 10.0 * crate::target::estimate::SECONDS_PER_NODE
            + 100_000.0 * crate::target::estimate::SECONDS_PER_PRINCIPAL;
        assert!((people.import_seconds - expected).abs() < 1e-9);
    }
}
