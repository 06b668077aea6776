//! The merge-compare of one room's history (pure): both sides arrive in chatId order, one message at a time,
//! and are walked together by chatId like a merge join, so memory holds one message per side whatever the
//! room's size. The first difference is named exactly (`message chatId 1200: missing in target`); both sides
//! are read to the end, for their counts, boundaries and digests.

use super::digest::{DigestBuilder, DigestMessage};
use super::HistoryDigest;
use crate::error::PcmError;
use crate::util::ticks::ticks_to_iso;

/// What the comparison of one room's history found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeOutcome {
    pub first_difference: Option<String>,
    /// Messages that differ, are missing or are extra.
    pub differing_messages: u64,
    pub source: HistoryDigest,
    pub target: HistoryDigest,
}

fn iso(ticks: i64) -> String {
    ticks_to_iso(ticks).unwrap_or_else(|| format!("{ticks} ticks"))
}

/// What differs between two messages of the same chatId, in a fixed order; empty when equal.
pub fn message_difference(expected: &DigestMessage, found: &DigestMessage) -> Option<String> {
    let mut parts = Vec::new();
    if expected.chat_date != found.chat_date {
        parts.push(format!(
            "chatDate differs (expected {}, found {})",
            iso(expected.chat_date),
            iso(found.chat_date)
        ));
    }
    if expected.poster != found.poster {
        let show = |p: &Option<String>| p.clone().unwrap_or_else(|| "unknown".into());
        parts.push(format!(
            "poster differs (expected {}, found {})",
            show(&expected.poster),
            show(&found.poster)
        ));
    }
    if expected.is_alert != found.is_alert {
        parts.push(format!(
            "isAlert differs (expected {}, found {})",
            expected.is_alert, found.is_alert
        ));
    }
    if expected.content != found.content {
        parts.push("content differs".to_string());
    }
    (!parts.is_empty())
        .then(|| format!("message chatId {}: {}", expected.chat_id, parts.join(", ")))
}

/// Walks `source` and `target` (each yielding its messages in ascending chatId order) together.
pub fn merge_compare(
    mut source: impl FnMut() -> Result<Option<DigestMessage>, PcmError>,
    mut target: impl FnMut() -> Result<Option<DigestMessage>, PcmError>,
    hash: bool,
) -> Result<MergeOutcome, PcmError> {
    let (mut s_digest, mut t_digest) = (DigestBuilder::new(hash), DigestBuilder::new(hash));
    let mut first: Option<String> = None;
    let mut differing = 0u64;
    let mut note = |text: String| {
        differing += 1;
        if first.is_none() {
            first = Some(text);
        }
    };
    let (mut s, mut t) = (source()?, target()?);
    loop {
        match (s.take(), t.take()) {
            (None, None) => break,
            (Some(a), None) => {
                note(format!("message chatId {}: missing in target", a.chat_id));
                s_digest.add(&a);
                s = source()?;
            }
            (None, Some(b)) => {
                note(format!("message chatId {}: extra in target", b.chat_id));
                t_digest.add(&b);
                t = target()?;
            }
            (Some(a), Some(b)) if a.chat_id < b.chat_id => {
                note(format!("message chatId {}: missing in target", a.chat_id));
                s_digest.add(&a);
                s = source()?;
                t = Some(b);
            }
            (Some(a), Some(b)) if a.chat_id > b.chat_id => {
                note(format!("message chatId {}: extra in target", b.chat_id));
                t_digest.add(&b);
                t = target()?;
                s = Some(a);
            }
            (Some(a), Some(b)) => {
                if let Some(d) = message_difference(&a, &b) {
                    note(d);
                }
                s_digest.add(&a);
                t_digest.add(&b);
                s = source()?;
                t = target()?;
            }
        }
    }
    Ok(MergeOutcome {
        first_difference: first,
        differing_messages: differing,
        source: s_digest.finish(),
        target: t_digest.finish(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(chat_id: i64, content: &str) -> DigestMessage {
        DigestMessage {
            chat_id,
            chat_date: 634_000_000_000_000_000 + chat_id * 10_000_000,
            poster: Some("11111111-2222-3333-4444-555555555555".into()),
            is_alert: false,
            content: content.encode_utf16().flat_map(u16::to_le_bytes).collect(),
        }
    }

    fn run(a: Vec<DigestMessage>, b: Vec<DigestMessage>) -> MergeOutcome {
        let (mut a, mut b) = (a.into_iter(), b.into_iter());
        merge_compare(|| Ok(a.next()), || Ok(b.next()), true).expect("compares")
    }

    fn history(n: i64) -> Vec<DigestMessage> {
        (1..=n)
            .map(|i| m(i * 100, &format!("message {i}")))
            .collect()
    }

    #[test]
    fn equal_histories_have_no_difference_and_equal_digests() {
        let out = run(history(50), history(50));
        assert_eq!(out.first_difference, None);
        assert_eq!(out.differing_messages, 0);
        assert_eq!(out.source, out.target);
        assert_eq!(out.source.messages, 50);
        assert_eq!(out.source.first_chat_id, Some(100));
        assert_eq!(out.source.last_chat_id, Some(5000));
        assert!(out.source.sha256.is_some());
        let empty = run(Vec::new(), Vec::new());
        assert_eq!((empty.first_difference, empty.source.messages), (None, 0));
    }

    #[test]
    fn the_first_difference_is_named_exactly() {
        let mut deleted = history(20);
        deleted.remove(11); // chatId 1200
        let out = run(history(20), deleted.clone());
        assert_eq!(
            out.first_difference.as_deref(),
            Some("message chatId 1200: missing in target")
        );
        assert_eq!(out.differing_messages, 1);
        assert_ne!(out.source.sha256, out.target.sha256);
        assert_eq!((out.source.messages, out.target.messages), (20, 19));

        let out = run(deleted, history(20));
        assert_eq!(
            out.first_difference.as_deref(),
            Some("message chatId 1200: extra in target")
        );

        let mut altered = history(20);
        altered[11].content = m(1200, "changed").content;
        let out = run(history(20), altered);
        assert_eq!(
            out.first_difference.as_deref(),
            Some("message chatId 1200: content differs")
        );

        let mut later = history(20);
        later[2].chat_date += 10_000_000;
        later[5].is_alert = true;
        let out = run(history(20), later);
        let first = out.first_difference.expect("differs");
        assert!(
            first.starts_with("message chatId 300: chatDate differs (expected ")
                && first.contains(", found ")
                && first.ends_with("Z)"),
            "{first}"
        );
        assert_eq!(
            out.differing_messages, 2,
            "both messages counted, the first named"
        );

        let mut poster = history(3);
        poster[0].poster = Some("99999999-2222-3333-4444-555555555555".into());
        let out = run(history(3), poster);
        assert!(out
            .first_difference
            .expect("differs")
            .starts_with("message chatId 100: poster differs (expected 11111111-"));

        let mut extra_at_end = history(3);
        extra_at_end.push(m(9999, "late"));
        let out = run(history(3), extra_at_end);
        assert_eq!(
            out.first_difference.as_deref(),
            Some("message chatId 9999: extra in target")
        );
    }

    #[test]
    fn an_error_of_either_side_stops_the_comparison() {
        let mut a = history(3).into_iter();
        let out = merge_compare(|| Ok(a.next()), || Err(PcmError::Cancelled), true);
        assert!(matches!(out, Err(PcmError::Cancelled)));
    }
}
