//! How long the import's writes will take: the messages and bytes still to write, at measured rates.
//!
//! The rates are placeholders until `scripts/bench-import.sh` (the import benchmark) has measured the import
//! itself: they are a conservative fraction of the stand-in's raw tiberius bulk insert (about 120,000–150,000
//! tblChat rows/s on a 2-core VM, tests/sqlserver-standin/README.md "Throughput"), the same machine
//! `scripts/bench-export.sh` runs on. Replace them with the benchmark's figures (docs/import.md says so).

use super::{Estimate, RoomStep, StepAction};
use crate::package::format::RoomHistory;
use std::collections::BTreeMap;

/// Messages written per second (placeholder, see the module doc).
pub const MESSAGES_PER_SECOND: f64 = 25_000.0;
/// Uncompressed package bytes of history written per second (placeholder, see the module doc).
pub const BYTES_PER_SECOND: f64 = 8.0 * 1024.0 * 1024.0;
/// Fixed cost per node written (its transaction, roles and scopes).
pub const SECONDS_PER_NODE: f64 = 0.01;

pub const BASIS: &str = "placeholder rates (25,000 messages/s, 8 MiB/s, 10 ms per node) derived from the \
                         stand-in's raw bulk-insert throughput until scripts/bench-import.sh has measured the \
                         import; see docs/import.md";

/// Messages still to write for a room step (all for Create/Overwrite, those after the target's for Resume).
pub fn messages_to_write(step: &RoomStep) -> u64 {
    match step.action {
        StepAction::Skip { .. } => 0,
        StepAction::Resume { .. } => step
            .planned
            .messages
            .saturating_sub(step.messages_in_target),
        StepAction::Create | StepAction::Overwrite { .. } => step.planned.messages,
    }
}

/// The estimate from the room steps and the uncompressed size of each room's history entry (by package room
/// id); a resumed room counts the share of its bytes still to write.
pub fn estimate(
    rooms: &[RoomStep],
    nodes_to_write: u64,
    histories: &[RoomHistory],
    entry_bytes: &BTreeMap<String, u64>,
) -> Estimate {
    let sizes: BTreeMap<i32, u64> = histories
        .iter()
        .map(|h| (h.room_id, entry_bytes.get(&h.entry).copied().unwrap_or(0)))
        .collect();
    let mut messages = 0u64;
    let mut bytes = 0u64;
    for step in rooms {
        let todo = messages_to_write(step);
        if todo == 0 {
            continue;
        }
        messages = messages.saturating_add(todo);
        let size = sizes.get(&step.planned.source_id).copied().unwrap_or(0);
        let share = if step.planned.messages == 0 {
            0
        } else {
            // u128: a room of billions of bytes times millions of messages does not overflow.
            let part = u128::from(size) * u128::from(todo) / u128::from(step.planned.messages);
            u64::try_from(part).unwrap_or(u64::MAX)
        };
        bytes = bytes.saturating_add(share);
    }
    let seconds = (messages as f64 / MESSAGES_PER_SECOND).max(bytes as f64 / BYTES_PER_SECOND)
        + nodes_to_write as f64 * SECONDS_PER_NODE;
    Estimate {
        messages,
        bytes,
        seconds,
        basis: BASIS.to_string(),
    }
}
