//! Per-room file-link figures counted while a room's messages stream past (the export's fragment writer): the
//! messages with links and the distinct files they name. One allocation-free check per message; links are
//! parsed only in the few messages that hold one.

use super::links::{file_links, has_file_link};
use super::manifest::path_key;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The figures of one room.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FileLinkCounts {
    pub messages_with_links: u64,
    /// Distinct accepted paths (case-insensitive); refused links name no file and are not counted.
    pub distinct_files: u64,
}

/// Counts one room's links.
#[derive(Debug, Default)]
pub struct LinkTally {
    messages: u64,
    files: BTreeSet<String>,
}

impl LinkTally {
    pub fn note(&mut self, content: &str) {
        if !has_file_link(content) {
            return;
        }
        self.messages += 1;
        for link in file_links(content) {
            if let Ok(path) = &link.target {
                self.files.insert(path_key(path));
            }
        }
    }

    pub fn counts(&self) -> FileLinkCounts {
        FileLinkCounts {
            messages_with_links: self.messages,
            distinct_files: u64::try_from(self.files.len()).unwrap_or(u64::MAX),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_messages_and_distinct_accepted_files() {
        let mut t = LinkTally::default();
        t.note("nothing");
        t.note("ma-filelink:///a/1.txt ma-filelink:///a/1.TXT");
        t.note("MA-FILELINK:///a/2.txt and ma-filelink:///../x");
        assert_eq!(
            t.counts(),
            FileLinkCounts {
                messages_with_links: 2,
                distinct_files: 2
            }
        );
    }
}
