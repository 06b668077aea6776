//! `ma-filelink:` references in message content, and the one rule that turns a link into a path under a file
//! store root. Shared by the file manifest, the file copy and the archive, so all three agree on which files a
//! room references and none of them can be steered outside its root by a hostile link.
//!
//! The format is not published (docs/file-store.md, "Assumptions"): a link is `ma-filelink:` followed by a
//! URL path, `///<room nodeGuid>/<file GUID>/<percent-encoded file name>` in the generated data; the path after
//! the slashes is taken as relative to the legacy file repository's root.

use percent_encoding::percent_decode_str;

/// The marker, matched ASCII case-insensitively (as the readiness figures and `LIKE` on a CI collation do).
pub const FILE_LINK_MARKER: &str = "ma-filelink:";

/// One link found in a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileLink {
    /// The link exactly as written, marker included.
    pub raw: String,
    /// Byte offset of the marker in the content.
    pub offset: usize,
    /// Where the link points under a store root, or why it is refused.
    pub target: Result<RelativePath, UnsafeLink>,
}

/// A checked path below a root: non-empty segments, none `.` or `..`, no separators, drive letters, control
/// characters or names Windows reserves. Joining it to a root can only name something inside that root.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RelativePath {
    segments: Vec<String>,
}

/// Why a link cannot name a file under the store root; the text names the problem for a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsafeLink(pub String);

impl std::fmt::Display for UnsafeLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl RelativePath {
    /// The segments, decoded.
    pub fn segments(&self) -> &[String] {
        &self.segments
    }

    /// The path with `/` separators, as reports and manifests show it.
    pub fn as_slash_path(&self) -> String {
        self.segments.join("/")
    }

    /// The path under `root` (native separators).
    pub fn under(&self, root: &std::path::Path) -> std::path::PathBuf {
        let mut path = root.to_path_buf();
        for segment in &self.segments {
            path.push(segment);
        }
        path
    }

    /// Checks a `/`-separated relative path (already decoded), e.g. one read from a file store listing.
    pub fn parse(path: &str) -> Result<RelativePath, UnsafeLink> {
        if path.is_empty() {
            return Err(UnsafeLink("the path is empty".into()));
        }
        let segments = path
            .split('/')
            .map(check_segment)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(RelativePath { segments })
    }
}

/// Every `ma-filelink:` link in `content`, in order. A link ends at whitespace, a quote or an angle bracket
/// (names are percent-encoded, so none of these belong to a link).
pub fn file_links(content: &str) -> Vec<FileLink> {
    let lower = content.to_ascii_lowercase();
    let mut links = Vec::new();
    let mut from = 0;
    while let Some(found) = lower[from..].find(FILE_LINK_MARKER) {
        let offset = from + found;
        let rest = &content[offset + FILE_LINK_MARKER.len()..];
        let end = rest.find(ends_link).unwrap_or(rest.len());
        let body = &rest[..end];
        links.push(FileLink {
            raw: content[offset..offset + FILE_LINK_MARKER.len() + end].to_string(),
            offset,
            target: link_target(body),
        });
        from = offset + FILE_LINK_MARKER.len() + end;
    }
    links
}

/// True when `content` holds at least one link, ASCII case-insensitively (no allocation: the readiness
/// figures call it for every message).
pub fn has_file_link(content: &str) -> bool {
    // The marker ends in its only ':': jump from colon to colon (`find` scans a word at a time) and compare the
    // name before each, instead of comparing at every byte (1.7 % of an export's samples).
    let name = FILE_LINK_MARKER.trim_end_matches(':').as_bytes();
    let bytes = content.as_bytes();
    let mut from = 0;
    while let Some(found) = content[from..].find(':') {
        let colon = from + found;
        if colon >= name.len() && bytes[colon - name.len()..colon].eq_ignore_ascii_case(name) {
            return true;
        }
        from = colon + 1;
    }
    false
}

fn ends_link(c: char) -> bool {
    c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>')
}

/// The path a link's body (after the marker) names: `///a/b`, `/a/b` or `a/b`, percent-decoded. Two or four
/// and more slashes name a host (a UNC path) and are refused.
fn link_target(body: &str) -> Result<RelativePath, UnsafeLink> {
    let slashes = body.len() - body.trim_start_matches('/').len();
    if slashes == 2 || slashes > 3 {
        return Err(UnsafeLink(format!(
            "'{body}' names a host or network share (UNC path), not a file in the repository"
        )));
    }
    let encoded = &body[slashes..];
    if encoded.is_empty() {
        return Err(UnsafeLink("the link names no file".into()));
    }
    let decoded = percent_decode_str(encoded)
        .decode_utf8()
        .map_err(|_| UnsafeLink(format!("'{encoded}' does not decode to UTF-8 text")))?;
    RelativePath::parse(&decoded)
}

/// Device names Windows reserves in every folder (with or without an extension).
const RESERVED: &[&str] = &[
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8",
    "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];

fn check_segment(segment: &str) -> Result<String, UnsafeLink> {
    let refuse = |why: &str| Err(UnsafeLink(format!("path segment '{segment}' {why}")));
    if segment.is_empty() {
        return refuse("is empty (a doubled or leading '/')");
    }
    if segment == "." || segment == ".." {
        return refuse("leaves its folder");
    }
    if segment.contains('\\') {
        return refuse("holds a '\\' (a Windows separator)");
    }
    if segment.contains(':') {
        return refuse("holds a ':' (a drive letter or stream name)");
    }
    if segment.chars().any(char::is_control) {
        return refuse("holds a control character");
    }
    if segment.ends_with('.') || segment.ends_with(' ') {
        return refuse("ends with a dot or space, which Windows drops");
    }
    let stem = segment.split('.').next().unwrap_or(segment);
    if RESERVED
        .iter()
        .any(|r| r.eq_ignore_ascii_case(stem.trim_end()))
    {
        return refuse("is a device name Windows reserves");
    }
    Ok(segment.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(content: &str) -> Result<String, String> {
        let links = file_links(content);
        assert_eq!(links.len(), 1, "{content}");
        links[0]
            .target
            .clone()
            .map(|p| p.as_slash_path())
            .map_err(|e| e.0)
    }

    #[test]
    fn the_generated_shape_decodes_to_a_relative_path() {
        assert_eq!(
            target("Uploaded ma-filelink:///room/file/Quarterly%20report%20(final).xlsx ok"),
            Ok("room/file/Quarterly report (final).xlsx".into())
        );
        assert_eq!(
            target("MA-FILELINK:///r/f/Pr%C3%A4sentation_%E6%9D%B1%E4%BA%AC.pptx"),
            Ok("r/f/Präsentation_東京.pptx".into())
        );
        assert_eq!(target("ma-filelink:/a/b.txt"), Ok("a/b.txt".into()));
        assert_eq!(target("ma-filelink:a/b.txt"), Ok("a/b.txt".into()));
    }

    #[test]
    fn links_end_at_whitespace_quotes_and_brackets_and_all_are_found() {
        let links = file_links(
            "a ma-filelink:///x/1.txt\tb \"ma-filelink:///y/2.txt\" <ma-filelink:///z/3.txt>",
        );
        let raws: Vec<_> = links.iter().map(|l| l.raw.as_str()).collect();
        assert_eq!(
            raws,
            [
                "ma-filelink:///x/1.txt",
                "ma-filelink:///y/2.txt",
                "ma-filelink:///z/3.txt"
            ]
        );
        assert_eq!(links[0].offset, 2);
        assert!(has_file_link("see MA-FileLink:///q"));
        assert!(!has_file_link("ma-filelink///x"));
        // Colons before the marker, the marker first, after multi-byte text, and near misses.
        for (content, expected) in [
            ("http://a:b ma-filelink:///q", true),
            ("ma-filelink:x", true),
            ("Встреча:é MA-FILELINK:///q", true),
            (":ma-filelink:", true),
            ("a-filelink:///q", false),
            ("ma-filelinks:///q", false),
            ("ma_filelink:///q", false),
            ("::::", false),
            ("", false),
        ] {
            assert_eq!(has_file_link(content), expected, "{content}");
        }
    }

    #[test]
    fn hostile_links_are_refused_with_the_reason() {
        for (content, why) in [
            ("ma-filelink:///a/../../etc/passwd", "leaves its folder"),
            ("ma-filelink:///a/%2e%2e/%2E%2E/x", "leaves its folder"),
            ("ma-filelink:///a/..%5C..%5Cwindows%5Cwin.ini", "'\\'"),
            ("ma-filelink:..\\..\\boot.ini", "'\\'"),
            ("ma-filelink:///C:/Windows/win.ini", "drive letter"),
            ("ma-filelink:C:x", "':'"),
            ("ma-filelink://server/share/x", "UNC"),
            ("ma-filelink:////server/share/x", "UNC"),
            ("ma-filelink:///%5C%5Cserver%5Cshare%5Cx", "'\\'"),
            ("ma-filelink:///a//b", "is empty"),
            ("ma-filelink:///a/b%00c", "control character"),
            ("ma-filelink:///a/CON.txt", "reserves"),
            ("ma-filelink:///a/b.", "ends with a dot"),
            ("ma-filelink:///a/%FF", "UTF-8"),
            ("ma-filelink:///", "names no file"),
        ] {
            let err = target(content).expect_err(content);
            assert!(err.contains(why), "{content}: {err}");
        }
    }

    #[test]
    fn a_checked_path_joins_below_its_root() {
        let path = RelativePath::parse("a/b c/d.txt").expect("safe");
        let root = std::path::Path::new("/store");
        assert_eq!(path.under(root), root.join("a").join("b c").join("d.txt"));
        assert!(path.under(root).starts_with(root));
    }
}
