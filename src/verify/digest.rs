//! The history digest: ONE encoding of a message, used on both sides, and the running SHA-256 over a room's
//! messages in chatId order with its count and boundaries ([`HistoryDigest`]). The byte layout is defined in
//! docs/verify.md ("The history digest") and pinned by a unit test.

use super::HistoryDigest;
use crate::error::PcmError;
use crate::package::Message;
use crate::util::ticks::ticks_to_iso;
use base64::Engine;
use sha2::{Digest, Sha256};

/// Hashed once before the first message, so a digest of this format never equals another format's.
pub const DIGEST_DOMAIN: &[u8] = b"pchat-migrate verify history v1\n";

/// A message as compared and digested: the poster is the GUID the message's poster has *in the target* (after
/// the import's mapping), the content its exact UTF-16LE bytes (what `nvarchar` stores).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestMessage {
    pub chat_id: i64,
    pub chat_date: i64,
    /// Lower-case hyphenated GUID; `None` when the poster id names no principal.
    pub poster: Option<String>,
    pub is_alert: bool,
    pub content: Vec<u8>,
}

/// The exact UTF-16LE bytes of a message's content: the carried exact bytes when the content is not valid
/// Unicode (`contentUtf16Base64`), else the text encoded.
pub fn content_utf16le(message: &Message) -> Result<Vec<u8>, PcmError> {
    if let Some(b64) = &message.content_utf16_base64 {
        return base64::engine::general_purpose::STANDARD
            .decode(b64)
            .map_err(|e| {
                PcmError::InvalidSourceData(format!(
                    "message {} has contentUtf16Base64 that is not base64 ({e})",
                    message.chat_id
                ))
            });
    }
    let mut bytes = Vec::with_capacity(message.content.len() * 2);
    for unit in message.content.encode_utf16() {
        bytes.extend_from_slice(&unit.to_le_bytes());
    }
    Ok(bytes)
}

/// Appends the message's encoding (docs/verify.md): chatId i64 BE, chatDate i64 BE, poster GUID as a u32 BE
/// length + ASCII (length 0: unknown poster), isAlert one byte 0/1, content as a u64 BE length + UTF-16LE bytes.
/// Every variable field is length-prefixed, so no two message sequences share an encoding.
pub fn encode(message: &DigestMessage, out: &mut Vec<u8>) {
    out.extend_from_slice(&message.chat_id.to_be_bytes());
    out.extend_from_slice(&message.chat_date.to_be_bytes());
    let poster = message.poster.as_deref().unwrap_or("").as_bytes();
    out.extend_from_slice(
        &u32::try_from(poster.len())
            .unwrap_or(u32::MAX)
            .to_be_bytes(),
    );
    out.extend_from_slice(poster);
    out.push(u8::from(message.is_alert));
    out.extend_from_slice(
        &u64::try_from(message.content.len())
            .unwrap_or(u64::MAX)
            .to_be_bytes(),
    );
    out.extend_from_slice(&message.content);
}

/// A room's running digest (or, in quick mode, only its count and boundaries).
pub struct DigestBuilder {
    hasher: Option<Sha256>,
    scratch: Vec<u8>,
    digest: HistoryDigest,
}

impl DigestBuilder {
    /// `hash`: compute the SHA-256 (full mode).
    pub fn new(hash: bool) -> DigestBuilder {
        DigestBuilder {
            hasher: hash.then(|| {
                let mut h = Sha256::new();
                h.update(DIGEST_DOMAIN);
                h
            }),
            scratch: Vec::new(),
            digest: HistoryDigest::default(),
        }
    }

    /// Adds the next message (chatId order is the caller's: both sides stream in chatId order).
    pub fn add(&mut self, message: &DigestMessage) {
        let d = &mut self.digest;
        d.messages += 1;
        if d.first_chat_id.is_none() {
            d.first_chat_id = Some(message.chat_id);
            d.first_chat_date = Some(message.chat_date);
        }
        d.last_chat_id = Some(message.chat_id);
        d.last_chat_date = Some(message.chat_date);
        if let Some(hasher) = &mut self.hasher {
            self.scratch.clear();
            encode(message, &mut self.scratch);
            hasher.update(&self.scratch);
        }
    }

    pub fn finish(self) -> HistoryDigest {
        let mut d = self.digest;
        d.sha256 = self.hasher.map(|h| {
            h.finalize()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        });
        with_dates(d)
    }
}

/// Fills the ISO 8601 forms of the boundary dates.
pub fn with_dates(mut d: HistoryDigest) -> HistoryDigest {
    d.first_chat_date_utc = d.first_chat_date.and_then(ticks_to_iso);
    d.last_chat_date_utc = d.last_chat_date.and_then(ticks_to_iso);
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(chat_id: i64, content: &str) -> DigestMessage {
        DigestMessage {
            chat_id,
            chat_date: 634_000_000_000_000_000 + chat_id,
            poster: Some("0a1b2c3d-0000-0000-0000-000000000001".into()),
            is_alert: false,
            content: content.encode_utf16().flat_map(u16::to_le_bytes).collect(),
        }
    }

    #[test]
    fn the_encoding_is_the_documented_layout() {
        let m = DigestMessage {
            chat_id: 0x0102,
            chat_date: 0x0304,
            poster: Some("ab".into()),
            is_alert: true,
            content: vec![0x41, 0x00],
        };
        let mut out = Vec::new();
        encode(&m, &mut out);
        let expected: Vec<u8> = [
            &[0, 0, 0, 0, 0, 0, 1, 2][..],
            &[0, 0, 0, 0, 0, 0, 3, 4],
            &[0, 0, 0, 2],
            b"ab",
            &[1],
            &[0, 0, 0, 0, 0, 0, 0, 2],
            &[0x41, 0x00],
        ]
        .concat();
        assert_eq!(out, expected);
        let mut unknown = Vec::new();
        encode(&DigestMessage { poster: None, ..m }, &mut unknown);
        assert_eq!(&unknown[16..20], &[0, 0, 0, 0], "no poster: length 0");
    }

    #[test]
    fn length_prefixes_keep_field_boundaries_apart() {
        // "ab" + "c" and "a" + "bc" split differently between two messages: the digests must differ.
        let one = [msg(1, "ab"), msg(2, "c")];
        let two = [msg(1, "a"), msg(2, "bc")];
        let digest = |ms: &[DigestMessage]| {
            let mut b = DigestBuilder::new(true);
            ms.iter().for_each(|m| b.add(m));
            b.finish()
        };
        let (a, b) = (digest(&one), digest(&two));
        assert_ne!(a.sha256, b.sha256);
        assert_eq!(a.messages, 2);
        assert_eq!(a.first_chat_id, Some(1));
        assert_eq!(a.last_chat_id, Some(2));
        assert!(a
            .first_chat_date_utc
            .as_deref()
            .is_some_and(|d| d.ends_with('Z')));
        // The same messages give the same digest; any field changed changes it.
        assert_eq!(digest(&one).sha256, a.sha256);
        let mut alert = one.clone();
        alert[1].is_alert = true;
        assert_ne!(digest(&alert).sha256, a.sha256);
        let mut poster = one.clone();
        poster[0].poster = None;
        assert_ne!(digest(&poster).sha256, a.sha256);
        // Quick mode counts without hashing.
        let mut quick = DigestBuilder::new(false);
        one.iter().for_each(|m| quick.add(m));
        let q = quick.finish();
        assert_eq!((q.messages, q.sha256), (2, None));
    }

    #[test]
    fn content_bytes_are_the_exact_utf16_when_carried() {
        let mut m = crate::package::Message {
            chat_id: 7,
            chat_date: 1,
            chat_date_utc: String::new(),
            poster_id: 1,
            poster_uri: None,
            is_alert: false,
            content: "A\u{fffd}".into(),
            content_utf16_base64: None,
            rtf: None,
        };
        assert_eq!(
            content_utf16le(&m).expect("text"),
            vec![0x41, 0, 0xfd, 0xff]
        );
        // An unpaired surrogate (0xD83D) carried exactly: the digest sees the stored bytes, not U+FFFD.
        m.content_utf16_base64 = Some(crate::package::content::encode_exact(&[
            0x41, 0, 0x3d, 0xd8,
        ]));
        assert_eq!(
            content_utf16le(&m).expect("exact"),
            vec![0x41, 0, 0x3d, 0xd8]
        );
    }
}
