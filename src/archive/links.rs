//! Where file links point: the copied file store's base (`fileStoreUrl`) and the `href` of one checked
//! `ma-filelink:` path below it. Only `http`, `https` and `file` URLs, UNC and drive paths and relative paths are
//! accepted as a base, so no link of the archive can run anything (`javascript:`, `data:`).

use crate::error::PcmError;
use crate::files::links::RelativePath;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Everything but the RFC 3986 unreserved characters is percent-encoded in a path segment.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The base of the copied file store, as a URL (absolute) or a relative URL (from the archive folder).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreUrl {
    /// Without a trailing `/`.
    base: String,
    relative: bool,
}

impl StoreUrl {
    /// `https://host/path`, `file:///C:/store`, `\\server\share\store`, `C:\store` or a relative path such as
    /// `..\files` (taken from the archive folder).
    pub fn parse(text: &str) -> Result<StoreUrl, PcmError> {
        let refuse = |why: &str| {
            PcmError::invalid_parameter(
                "fileStoreUrl",
                format!(
                    "-FileStoreUrl '{}' {why}; give an http(s):// or file:// URL, a UNC path (\\\\server\\share), a \
                     drive path, an absolute path on Linux or macOS, or a path relative to the archive folder",
                    crate::util::text::escape_control(text)
                ),
            )
        };
        if text.chars().any(|c| c.is_control()) {
            return Err(refuse("holds a control character"));
        }
        let lower = text.to_ascii_lowercase();
        if let Some(unc) = text.strip_prefix("\\\\") {
            let segments: Vec<&str> = unc.split(['\\', '/']).filter(|s| !s.is_empty()).collect();
            if segments.len() < 2 {
                return Err(refuse("names no share"));
            }
            return Ok(StoreUrl::absolute(format!(
                "file://{}/{}",
                encode_host(segments[0]).ok_or_else(|| refuse("has an invalid server name"))?,
                encode_segments(&segments[1..])
            )));
        }
        let bytes = text.as_bytes();
        if bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' {
            let segments: Vec<&str> = text[2..]
                .split(['\\', '/'])
                .filter(|s| !s.is_empty())
                .collect();
            return Ok(StoreUrl::absolute(format!(
                "file:///{}:/{}",
                char::from(bytes[0]).to_ascii_uppercase(),
                encode_segments(&segments)
            )));
        }
        for scheme in ["http://", "https://", "file:"] {
            if lower.starts_with(scheme) {
                if text
                    .chars()
                    .any(|c| c.is_whitespace() || matches!(c, '"' | '<' | '>' | '\\' | '`'))
                {
                    return Err(refuse(
                        "holds a space, quote, angle bracket or backslash; percent-encode them",
                    ));
                }
                return Ok(StoreUrl::absolute(text.trim_end_matches('/').to_string()));
            }
        }
        let first = text.split(['/', '\\']).next().unwrap_or_default();
        if first.contains(':') {
            return Err(refuse("uses a scheme that is not http, https or file"));
        }
        if let Some(posix) = posix_absolute(text) {
            return Ok(StoreUrl::absolute(format!(
                "file:///{}",
                encode_segments(&posix)
            )));
        }
        if text.starts_with('/') || text.starts_with('\\') {
            return Err(refuse("is rooted without a drive or server"));
        }
        let segments: Vec<&str> = text.split(['\\', '/']).filter(|s| !s.is_empty()).collect();
        Ok(StoreUrl {
            base: encode_segments(&segments),
            relative: true,
        })
    }

    fn absolute(base: String) -> StoreUrl {
        StoreUrl {
            base: base.trim_end_matches('/').to_string(),
            relative: false,
        }
    }

    /// The base as given, normalized (for the manifest and the result).
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The URL of `path` in the store, for a page `depth` folders below the archive folder (a relative base is
    /// taken from the archive folder). Not yet HTML-escaped.
    pub fn href(&self, path: &RelativePath, depth: usize) -> String {
        let mut url = String::new();
        if self.relative {
            url.push_str(&"../".repeat(depth));
        }
        url.push_str(&self.base);
        for segment in path.segments() {
            if !url.is_empty() && !url.ends_with('/') {
                url.push('/');
            }
            url.extend(utf8_percent_encode(segment, SEGMENT));
        }
        url
    }
}

/// `/srv/store` on Linux and macOS (the CLI's runbooks): an absolute local path, so `file:///srv/store`. On
/// Windows a path rooted without a drive means "the current drive", which differs between the machine that writes
/// the archive and the one that opens it, so there it stays refused.
fn posix_absolute(text: &str) -> Option<Vec<&str>> {
    if cfg!(windows) || !text.starts_with('/') || text.starts_with("//") || text.contains('\\') {
        return None;
    }
    Some(text.split('/').filter(|s| !s.is_empty()).collect())
}

fn encode_segments(segments: &[&str]) -> String {
    segments
        .iter()
        .map(|s| utf8_percent_encode(s, SEGMENT).to_string())
        .collect::<Vec<_>>()
        .join("/")
}

/// A server name as a URL host: letters, digits, `-`, `.` only.
fn encode_host(host: &str) -> Option<&str> {
    (!host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_')))
    .then_some(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn href(base: &str, path: &str, depth: usize) -> String {
        StoreUrl::parse(base)
            .expect(base)
            .href(&RelativePath::parse(path).expect(path), depth)
    }

    #[test]
    fn bases_of_every_kind_make_encoded_links() {
        assert_eq!(
            href(
                "https://files.contoso.com/mgc/",
                "r/f/Q3 report (final).xlsx",
                1
            ),
            "https://files.contoso.com/mgc/r/f/Q3%20report%20%28final%29.xlsx"
        );
        assert_eq!(
            href("\\\\fs01\\mgc share\\store", "r/x\"'<>.txt", 1),
            "file://fs01/mgc%20share/store/r/x%22%27%3C%3E.txt"
        );
        assert_eq!(
            href("d:\\Stores\\mgc", "r/a.txt", 1),
            "file:///D:/Stores/mgc/r/a.txt"
        );
        assert_eq!(
            href("..\\files", "r/東京.txt", 1),
            "../../files/r/%E6%9D%B1%E4%BA%AC.txt"
        );
        assert_eq!(href("files", "r/a#b?.txt", 0), "files/r/a%23b%3F.txt");
        assert_eq!(href("file:///srv/store", "a", 1), "file:///srv/store/a");
    }

    #[test]
    fn an_absolute_posix_path_is_a_file_url_except_on_windows() {
        let parsed = StoreUrl::parse("/srv/pchat files/store/");
        if cfg!(windows) {
            assert_eq!(parsed.expect_err("ambiguous").code(), "invalid_parameter");
        } else {
            let store = parsed.expect("absolute");
            assert_eq!(store.base(), "file:///srv/pchat%20files/store");
            assert_eq!(
                store.href(&RelativePath::parse("r/a.txt").expect("safe"), 1),
                "file:///srv/pchat%20files/store/r/a.txt"
            );
        }
    }

    #[test]
    fn script_schemes_and_odd_bases_are_refused() {
        for bad in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            "data:text/html,x",
            "vbscript:x",
            "https://x/\"onmouseover=\"x",
            "https://x/a b",
            "\\\\server",
            "\\\\bad host\\share",
            "\\rooted",
            "//rooted",
            "a\u{1}b",
        ] {
            let e = StoreUrl::parse(bad).expect_err(bad);
            assert_eq!(e.code(), "invalid_parameter", "{bad}");
        }
    }
}
