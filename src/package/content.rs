//! Lossless message text (package format 1.1). SQL Server stores nvarchar as UCS-2, so a value may hold an
//! unpaired surrogate that no Unicode string (Rust `String`, JSON text, UTF-8) can carry. The export reads
//! content as its UTF-16LE bytes and decodes it here: valid UTF-16 becomes plain text; anything else keeps its
//! exact bytes (base64, beside a lossy copy with U+FFFD per unpaired surrogate), so neither the export aborts
//! nor the import writes something other than what was stored.

use base64::Engine;

const BASE64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// Text decoded from UTF-16LE bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedText {
    /// The text; when `exact_utf16le` is set, a lossy copy with U+FFFD in place of each unpaired surrogate.
    pub text: String,
    /// The original bytes, only when they are not valid UTF-16.
    pub exact_utf16le: Option<Vec<u8>>,
}

/// Decodes UTF-16LE bytes. Valid UTF-16 (the common case) takes one pass, with runs of ASCII copied without
/// per-character work; bytes with an unpaired surrogate are kept exactly. Errors only on an odd byte count,
/// which no nvarchar value has.
pub fn decode_utf16le(bytes: &[u8]) -> Result<DecodedText, String> {
    if !bytes.len().is_multiple_of(2) {
        return Err(format!(
            "holds {} bytes, which is not UTF-16 (an odd count)",
            bytes.len()
        ));
    }
    let mut utf8: Vec<u8> = Vec::with_capacity(bytes.len() / 2);
    let mut lossy = false;
    let mut rest = bytes;
    while !rest.is_empty() {
        let ascii = ascii_prefix_units(rest);
        utf8.extend(rest[..ascii * 2].iter().step_by(2));
        rest = &rest[ascii * 2..];
        if rest.is_empty() {
            break;
        }
        let unit = u16::from_le_bytes([rest[0], rest[1]]);
        let (c, used) = match unit {
            0xD800..=0xDBFF => match rest.get(2..4).map(|p| u16::from_le_bytes([p[0], p[1]])) {
                Some(low @ 0xDC00..=0xDFFF) => {
                    let scalar =
                        0x10000 + ((u32::from(unit) - 0xD800) << 10) + (u32::from(low) - 0xDC00);
                    (char::from_u32(scalar), 4)
                }
                _ => (None, 2),
            },
            0xDC00..=0xDFFF => (None, 2),
            _ => (char::from_u32(u32::from(unit)), 2),
        };
        let c = c.unwrap_or_else(|| {
            lossy = true;
            char::REPLACEMENT_CHARACTER
        });
        utf8.extend_from_slice(c.encode_utf8(&mut [0u8; 4]).as_bytes());
        rest = &rest[used..];
    }
    let text = String::from_utf8(utf8)
        .map_err(|e| format!("could not be decoded (internal error: {e})"))?;
    Ok(DecodedText {
        text,
        exact_utf16le: lossy.then(|| bytes.to_vec()),
    })
}

/// How many UTF-16LE units at the start of `bytes` are ASCII (U+0000..U+007F), checking four at a time.
fn ascii_prefix_units(bytes: &[u8]) -> usize {
    const NON_ASCII: u64 = 0xFF80_FF80_FF80_FF80;
    let mut units = 0;
    for chunk in bytes.chunks_exact(8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        if u64::from_le_bytes(word) & NON_ASCII != 0 {
            break;
        }
        units += 4;
    }
    for pair in bytes[units * 2..].chunks_exact(2) {
        if pair[1] != 0 || pair[0] >= 0x80 {
            break;
        }
        units += 1;
    }
    units
}

/// The package form of exact bytes: standard base64 with padding.
pub fn encode_exact(bytes: &[u8]) -> String {
    BASE64.encode(bytes)
}

/// Checks a package's exact-bytes field against the text beside it: the base64 decodes, to an even number of
/// bytes, that are **not** valid UTF-16 (valid text belongs in the plain field alone), and whose lossy decoding
/// is exactly the text. `field` names the base64 field in messages.
pub fn check_exact(field: &str, base64: &str, text: &str) -> Result<(), String> {
    let bytes = BASE64
        .decode(base64)
        .map_err(|e| format!("{field} is not valid base64 ({e})"))?;
    let decoded = decode_utf16le(&bytes).map_err(|e| format!("{field} {e}"))?;
    if decoded.exact_utf16le.is_none() {
        return Err(format!(
            "{field} holds valid UTF-16, which belongs in the plain text field alone"
        ));
    }
    if decoded.text != text {
        return Err(format!(
            "{field} does not match the text beside it (which must be its copy with U+FFFD for each \
             unpaired surrogate)"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn le(units: &[u16]) -> Vec<u8> {
        units.iter().flat_map(|u| u.to_le_bytes()).collect()
    }

    #[test]
    fn valid_utf16_decodes_to_plain_text() {
        for text in ["", "plain", "é ✓ \u{1F600} \0 end", "[STORY]x"] {
            let units: Vec<u16> = text.encode_utf16().collect();
            let d = decode_utf16le(&le(&units)).expect("even");
            assert_eq!(d.text, text);
            assert_eq!(d.exact_utf16le, None);
        }
    }

    #[test]
    fn unpaired_surrogates_keep_their_bytes_and_get_a_marked_copy() {
        let cases: [(&[u16], &str); 4] = [
            (&[0x61, 0xD800, 0x62], "a\u{FFFD}b"),
            (&[0xDC00], "\u{FFFD}"),
            (&[0xDE00, 0xD83D], "\u{FFFD}\u{FFFD}"),
            (&[0xD83D, 0xDE00, 0xD83D], "\u{1F600}\u{FFFD}"),
        ];
        for (units, lossy) in cases {
            let bytes = le(units);
            let d = decode_utf16le(&bytes).expect("even");
            assert_eq!(d.text, lossy);
            assert_eq!(d.exact_utf16le.as_deref(), Some(&bytes[..]));
            check_exact("contentUtf16Base64", &encode_exact(&bytes), lossy).expect("consistent");
        }
    }

    #[test]
    fn agrees_with_the_standard_library_on_every_kind_of_unit() {
        // ASCII runs of every length around the 4-unit step, BMP, pairs, NUL and unpaired surrogates mixed.
        let pieces: [&[u16]; 7] = [
            &[0x41, 0x42, 0x43, 0x44, 0x45],
            &[0xE9],
            &[0x65E5, 0x672C],
            &[0xD83D, 0xDE00],
            &[0x00],
            &[0xD800],
            &[0xDFFF, 0x7F, 0x80],
        ];
        for a in 0..pieces.len() {
            for b in 0..pieces.len() {
                for lead in 0..6 {
                    let mut units: Vec<u16> = vec![0x61; lead];
                    units.extend_from_slice(pieces[a]);
                    units.extend_from_slice(pieces[b]);
                    let d = decode_utf16le(&le(&units)).expect("even");
                    assert_eq!(d.text, String::from_utf16_lossy(&units), "{units:x?}");
                    assert_eq!(
                        d.exact_utf16le.is_some(),
                        String::from_utf16(&units).is_err()
                    );
                }
            }
        }
    }

    #[test]
    fn an_odd_byte_count_is_refused() {
        assert!(decode_utf16le(&[0x61, 0x00, 0x62]).is_err());
    }

    #[test]
    fn inconsistent_exact_fields_are_refused() {
        let f = "contentUtf16Base64";
        let lone = le(&[0xD800]);
        assert!(check_exact(f, "not base64!", "\u{FFFD}").is_err());
        assert!(check_exact(f, &encode_exact(&[0x00, 0xD8, 0x00]), "\u{FFFD}").is_err());
        let valid = check_exact(f, &encode_exact(&le(&[0x61])), "a").unwrap_err();
        assert!(valid.contains("valid UTF-16"), "{valid}");
        let other = check_exact(f, &encode_exact(&lone), "x").unwrap_err();
        assert!(other.contains("does not match"), "{other}");
        check_exact(f, &encode_exact(&lone), "\u{FFFD}").expect("consistent");
    }
}
