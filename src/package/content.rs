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

/// Decodes UTF-16LE bytes. Valid UTF-16 (the common case) takes one pass and one allocation; bytes with an
/// unpaired surrogate are kept exactly. Errors only on an odd byte count, which no nvarchar value has.
pub fn decode_utf16le(bytes: &[u8]) -> Result<DecodedText, String> {
    if !bytes.len().is_multiple_of(2) {
        return Err(format!(
            "holds {} bytes, which is not UTF-16 (an odd count)",
            bytes.len()
        ));
    }
    let units = bytes
        .chunks_exact(2)
        .map(|pair| u16::from_le_bytes([pair[0], pair[1]]));
    let mut text = String::with_capacity(bytes.len() / 2);
    let mut lossy = false;
    for decoded in char::decode_utf16(units) {
        match decoded {
            Ok(c) => text.push(c),
            Err(_) => {
                lossy = true;
                text.push(char::REPLACEMENT_CHARACTER);
            }
        }
    }
    Ok(DecodedText {
        text,
        exact_utf16le: lossy.then(|| bytes.to_vec()),
    })
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
