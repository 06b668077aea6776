//! How long the import's writes will take: the messages and bytes still to write, at measured rates.
//!
//! The message rates are `scripts/bench-import.sh 1000000 5000` (docs/benchmarks.md, "Import"); the node and
//! principal costs are the benchmark's stage times (`bash scripts/bench.sh`, see the constants). The import's writes
//! into the SQL Server stand-in on a 2-core VM ran at 192,000-245,000 messages/s over the whole run (chat
//! stage 201,000-255,000) depending on the machine's load, about 0.17 s for the lock, two principals and 100 rooms with roles, and ~270
//! bytes of package history (uncompressed JSON Lines, the benchmark record's size) per message, i.e. ~60 MB/s.
//! The constants are rounded down from those figures; a real SQL Server (disk, log, network) differs, which the
//! estimate's `basis` says.

use super::{Estimate, RoomStep, StepAction};
use crate::package::format::RoomHistory;
use std::collections::BTreeMap;

/// Messages written per second (measured, see the module doc).
pub const MESSAGES_PER_SECOND: f64 = 200_000.0;
/// Uncompressed package bytes of history written per second (measured, see the module doc).
pub const BYTES_PER_SECOND: f64 = 45.0 * 1024.0 * 1024.0;
/// Cost per node written, with its roles and scopes. Nodes go 50 per transaction since the third round of
/// issue 11: 1,004 nodes in 0.2-0.3 s (1M) and 41,021 in 9.1-11.4 s (realistic:200000), 0.22-0.28 ms each
/// (docs/benchmarks.md); it was one transaction per node, ~1.7 ms.
pub const SECONDS_PER_NODE: f64 = 0.0003;
/// Cost per principal written, with its self-affiliation and meta row (100 per batch): 5,276 in 0.6-0.9 s (1M)
/// and 100,066 in 12.7-15.8 s (realistic:200000), 0.11-0.17 ms each.
pub const SECONDS_PER_PRINCIPAL: f64 = 0.0002;

pub const BASIS: &str = "rates measured by the benchmark (`bash scripts/bench.sh`) on the SQL Server stand-in \
                         (200,000 messages/s, 45 MiB/s of package history, 0.3 ms per node, 0.2 ms per \
                         principal; docs/benchmarks.md); a real SQL Server's disk, log and network make the \
                         import slower or faster";

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

/// The estimate from the room steps, the nodes and principals to write, and the uncompressed size of each room's
/// history entry (by package room id); a resumed room counts the share of its bytes still to write.
pub fn estimate(
    rooms: &[RoomStep],
    nodes_to_write: u64,
    principals_to_write: u64,
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
        + nodes_to_write as f64 * SECONDS_PER_NODE
        + principals_to_write as f64 * SECONDS_PER_PRINCIPAL;
    Estimate {
        messages,
        bytes,
        seconds,
        basis: BASIS.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::target::testing::room;

    fn step(action: StepAction, messages: u64, in_target: u64) -> RoomStep {
        RoomStep {
            planned: room(7, "g", "R", "c", messages),
            action,
            name: "R".into(),
            behavior_id: 4,
            visibility_id: 6,
            messages_in_target: in_target,
            resume_after_chat_id: None,
            messages_replaced: 0,
        }
    }

    #[test]
    fn counts_what_is_still_to_write() {
        let history = RoomHistory {
            room_id: 7,
            entry: "messages/7.jsonl".into(),
            messages: 100,
            first_chat_id: None,
            last_chat_id: None,
            chat_id_bound: None,
            first_message_utc: None,
            last_message_utc: None,
        };
        let bytes: BTreeMap<String, u64> = [("messages/7.jsonl".to_string(), 1000)].into();
        let full = estimate(
            &[step(StepAction::Create, 100, 0)],
            1,
            0,
            std::slice::from_ref(&history),
            &bytes,
        );
        assert_eq!((full.messages, full.bytes), (100, 1000));
        assert!(full.seconds > 0.0);
        let with_principals = estimate(
            &[step(StepAction::Create, 100, 0)],
            1,
            1000,
            std::slice::from_ref(&history),
            &bytes,
        );
        assert!(
            (with_principals.seconds - full.seconds - 1000.0 * SECONDS_PER_PRINCIPAL).abs() < 1e-9
        );
        let resumed = estimate(
            &[step(StepAction::Resume { target_id: 3 }, 100, 75)],
            1,
            0,
            std::slice::from_ref(&history),
            &bytes,
        );
        assert_eq!((resumed.messages, resumed.bytes), (25, 250));
        let skipped = estimate(
            &[step(
                StepAction::Skip {
                    reason: "x".into(),
                    target_id: None,
                },
                100,
                0,
            )],
            0,
            0,
            &[history],
            &bytes,
        );
        assert_eq!((skipped.messages, skipped.bytes), (0, 0));
        assert_eq!(skipped.seconds, 0.0);
    }
}
