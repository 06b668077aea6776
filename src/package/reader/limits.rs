//! The reader's size limits, and a line reader that enforces them. A package is untrusted input: without these
//! limits a small zip that inflates to gigabytes (a "zip bomb"), or one endless line, would make the reader
//! allocate without bound. With them, memory stays at a few buffers plus the longest allowed line, whatever the
//! package holds (docs/package-format.md, "Limits").

use std::io::{BufRead, Read};

/// The longest line (one record, its `\n` included) a JSON Lines entry may hold: 16 MiB. A chat message's
/// content is `nvarchar(max)` in the database, but Group Chat clients post messages of a few thousand characters;
/// 16 MiB leaves room for several million characters even with every character escaped.
pub const MAX_LINE_BYTES: usize = 16 * 1024 * 1024;

/// The manifest's fixed allowance (tool, source, parameters, counts): 1 MiB.
pub const MANIFEST_BASE_BYTES: u64 = 1024 * 1024;

/// The manifest's allowance per zip entry (one `entries` record and at most one `rooms` record each): 1 KiB.
/// pchat-migrate writes about 460 bytes per room.
pub const MANIFEST_BYTES_PER_ENTRY: u64 = 1024;

/// The manifest's absolute cap: 64 MiB, whatever the number of entries.
pub const MAX_MANIFEST_BYTES: u64 = 64 * 1024 * 1024;

/// How large `manifest.json` may be in a zip of `entries` entries. The manifest is read whole (it is one JSON
/// document), so its size is bounded by what the zip's central directory — already in memory — justifies.
pub fn manifest_limit(entries: usize) -> u64 {
    let entries = u64::try_from(entries).unwrap_or(u64::MAX);
    MANIFEST_BASE_BYTES
        .saturating_add(entries.saturating_mul(MANIFEST_BYTES_PER_ENTRY))
        .min(MAX_MANIFEST_BYTES)
}

/// Reads at most `limit` bytes of `reader`; `Ok(None)` when there are more (the excess byte is read, never
/// kept, so a bomb costs at most `limit + 1` bytes of memory).
pub fn read_at_most(reader: impl Read, limit: u64) -> std::io::Result<Option<Vec<u8>>> {
    let mut out = Vec::new();
    reader.take(limit.saturating_add(1)).read_to_end(&mut out)?;
    if u64::try_from(out.len()).unwrap_or(u64::MAX) > limit {
        Ok(None)
    } else {
        Ok(Some(out))
    }
}

/// A `BufRead` over a caller's buffer, so that the reader allocates one read buffer per package rather than one
/// per entry (a package may hold tens of thousands of entries).
pub struct ScratchBuf<'a, R> {
    inner: R,
    buf: &'a mut [u8],
    pos: usize,
    filled: usize,
}

impl<'a, R: Read> ScratchBuf<'a, R> {
    pub fn new(inner: R, buf: &'a mut [u8]) -> ScratchBuf<'a, R> {
        ScratchBuf {
            inner,
            buf,
            pos: 0,
            filled: 0,
        }
    }
}

impl<R: Read> Read for ScratchBuf<'_, R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<R: Read> BufRead for ScratchBuf<'_, R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        if self.pos >= self.filled {
            self.filled = self.inner.read(self.buf)?;
            self.pos = 0;
        }
        Ok(&self.buf[self.pos..self.filled])
    }

    fn consume(&mut self, amount: usize) {
        self.pos = (self.pos + amount).min(self.filled);
    }
}

/// Why [`LineReader::next_line`] stopped.
#[derive(Debug)]
pub enum LineError {
    Io(std::io::Error),
    /// The entry holds more than the byte count the manifest lists for it (`limit` bytes).
    TooManyBytes {
        limit: u64,
    },
    /// A line is longer than [`MAX_LINE_BYTES`].
    LineTooLong {
        line: u64,
    },
}

/// Reads lines of an entry without ever holding more than one line, refusing a line over `max_line` bytes and an
/// entry over `max_bytes` bytes as soon as the first excess byte arrives.
pub struct LineReader<R> {
    inner: R,
    max_bytes: u64,
    max_line: usize,
    read: u64,
    lines: u64,
}

impl<R: BufRead> LineReader<R> {
    pub fn new(inner: R, max_bytes: u64, max_line: usize) -> LineReader<R> {
        LineReader {
            inner,
            max_bytes,
            max_line,
            read: 0,
            lines: 0,
        }
    }

    /// Fills `line` with the next line (its `\n` included when present); `Ok(false)` at the end of the entry.
    pub fn next_line(&mut self, line: &mut Vec<u8>) -> Result<bool, LineError> {
        line.clear();
        loop {
            let buf = self.inner.fill_buf().map_err(LineError::Io)?;
            if buf.is_empty() {
                break;
            }
            let (take, done) = match memchr::memchr(b'\n', buf) {
                Some(at) => (at + 1, true),
                None => (buf.len(), false),
            };
            let room = self.max_line.saturating_sub(line.len());
            if take > room {
                return Err(LineError::LineTooLong {
                    line: self.lines + 1,
                });
            }
            let taken = u64::try_from(take).unwrap_or(u64::MAX);
            if self.read.saturating_add(taken) > self.max_bytes {
                return Err(LineError::TooManyBytes {
                    limit: self.max_bytes,
                });
            }
            line.extend_from_slice(&buf[..take]);
            self.inner.consume(take);
            self.read += taken;
            if done {
                break;
            }
        }
        if line.is_empty() {
            return Ok(false);
        }
        self.lines += 1;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(data: &[u8], max_bytes: u64, max_line: usize) -> Result<Vec<Vec<u8>>, LineError> {
        let mut reader = LineReader::new(
            std::io::BufReader::with_capacity(4, data),
            max_bytes,
            max_line,
        );
        let mut out = Vec::new();
        let mut line = Vec::new();
        while reader.next_line(&mut line)? {
            out.push(line.clone());
        }
        Ok(out)
    }

    #[test]
    fn lines_are_split_across_buffer_refills() {
        let got = lines(b"abcdefgh\nij\nk", 100, 100).expect("reads");
        assert_eq!(
            got,
            vec![b"abcdefgh\n".to_vec(), b"ij\n".to_vec(), b"k".to_vec()]
        );
    }

    #[test]
    fn a_line_one_byte_over_the_limit_is_refused() {
        assert!(lines(b"abcd\n", 100, 5).is_ok());
        assert!(matches!(
            lines(b"ok\nabcde\n", 100, 5),
            Err(LineError::LineTooLong { line: 2 })
        ));
    }

    #[test]
    fn an_entry_one_byte_over_its_size_is_refused() {
        assert!(lines(b"ab\ncd\n", 6, 100).is_ok());
        assert!(matches!(
            lines(b"ab\ncd\ne", 6, 100),
            Err(LineError::TooManyBytes { limit: 6 })
        ));
    }

    #[test]
    fn read_at_most_stops_one_byte_past_the_limit() {
        assert_eq!(
            read_at_most(&b"abc"[..], 3).expect("io"),
            Some(b"abc".to_vec())
        );
        assert_eq!(read_at_most(&b"abcd"[..], 3).expect("io"), None);
    }

    #[test]
    fn the_manifest_limit_grows_with_entries_up_to_its_cap() {
        assert_eq!(manifest_limit(0), MANIFEST_BASE_BYTES);
        assert_eq!(manifest_limit(10), MANIFEST_BASE_BYTES + 10 * 1024);
        assert_eq!(manifest_limit(usize::MAX), MAX_MANIFEST_BYTES);
    }
}
