//! The archive's "local" time column. IANA zone names are not accepted: chrono carries no zone database and
//! Windows has none in the IANA form, so a name would need a bundled database (a heavy dependency) for one column.
//! `local` uses this machine's zone rules at each message's instant (daylight saving time included, through the
//! operating system: /etc/localtime or TZ on Unix, the Windows time zone API on Windows); a fixed offset is the
//! same for every message. docs/archive.md, "Time zones".

use crate::error::PcmError;
use chrono::{DateTime, Datelike, FixedOffset, Local, Offset, TimeZone, Timelike, Utc};

/// How the "local" column is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeZoneSpec {
    /// This machine's offset at each message's instant.
    Local,
    /// The same offset for every message.
    Fixed(FixedOffset),
}

impl TimeZoneSpec {
    /// `local`, `UTC` / `Z`, or an offset `+HH:MM`, `-HH:MM`, `+HHMM`, `+HH` (at most 14 hours).
    pub fn parse(text: &str) -> Result<TimeZoneSpec, PcmError> {
        let t = text.trim();
        if t.eq_ignore_ascii_case("local") {
            return Ok(TimeZoneSpec::Local);
        }
        if t.eq_ignore_ascii_case("utc") || t.eq_ignore_ascii_case("z") {
            return fixed(0, text);
        }
        let refuse = || {
            PcmError::invalid_parameter(
                "timeZone",
                format!(
                    "-TimeZone '{}' is not understood; give 'local' (this computer's time zone, daylight saving \
                     time included), 'UTC', or a fixed offset such as +01:00 or -05:30. Time zone names \
                     (Europe/Berlin) are not supported: see docs/archive.md",
                    crate::util::text::escape_control(text)
                ),
            )
        };
        let (sign, rest) = match t.as_bytes().first() {
            Some(b'+') => (1, &t[1..]),
            Some(b'-') => (-1, &t[1..]),
            _ => return Err(refuse()),
        };
        let digits: String = rest.chars().filter(|c| *c != ':').collect();
        let colons = rest.chars().filter(|c| *c == ':').count();
        let valid_shape = digits.chars().all(|c| c.is_ascii_digit())
            && match digits.len() {
                2 => colons == 0,
                4 => colons == 0 || (colons == 1 && rest.find(':') == Some(2)),
                _ => false,
            };
        if !valid_shape {
            return Err(refuse());
        }
        let hours: i32 = digits[..2].parse().map_err(|_| refuse())?;
        let minutes: i32 = if digits.len() == 4 {
            digits[2..].parse().map_err(|_| refuse())?
        } else {
            0
        };
        if hours > 14 || minutes > 59 || (hours == 14 && minutes > 0) {
            return Err(refuse());
        }
        fixed(sign * (hours * 3600 + minutes * 60), text)
    }

    /// What the column header says about the zone.
    pub fn label(&self) -> String {
        match self {
            TimeZoneSpec::Local => "this computer's time zone".to_string(),
            TimeZoneSpec::Fixed(offset) => format!("UTC{}", offset_text(offset.local_minus_utc())),
        }
    }

    /// The request's value as the manifest records it.
    pub fn name(&self) -> String {
        match self {
            TimeZoneSpec::Local => "local".to_string(),
            TimeZoneSpec::Fixed(offset) => offset_text(offset.local_minus_utc()),
        }
    }

    /// `2010-06-01 14:00:00 +02:00`: the instant in this zone.
    pub fn format(&self, utc: &DateTime<Utc>) -> String {
        let offset = match self {
            TimeZoneSpec::Local => Local.from_utc_datetime(&utc.naive_utc()).offset().fix(),
            TimeZoneSpec::Fixed(offset) => *offset,
        };
        let local = utc.with_timezone(&offset);
        format!(
            "{} {}",
            wall_clock(&local),
            offset_text(offset.local_minus_utc())
        )
    }
}

fn fixed(seconds: i32, text: &str) -> Result<TimeZoneSpec, PcmError> {
    FixedOffset::east_opt(seconds)
        .map(TimeZoneSpec::Fixed)
        .ok_or_else(|| {
            PcmError::invalid_parameter(
                "timeZone",
                format!("-TimeZone '{text}' is out of range (at most 14 hours from UTC)"),
            )
        })
}

/// `YYYY-MM-DD HH:MM:SS` of a time in any zone.
pub fn wall_clock<Tz: TimeZone>(t: &DateTime<Tz>) -> String {
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// `+01:00` for 3600 seconds.
fn offset_text(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let abs = seconds.unsigned_abs();
    format!("{sign}{:02}:{:02}", abs / 3600, (abs % 3600) / 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_and_names_parse() {
        let at = crate::util::ticks::ticks_to_datetime(634_000_000_000_000_000).expect("in range");
        assert_eq!(
            TimeZoneSpec::parse("+01:00").expect("offset").format(&at),
            "2010-01-25 08:06:40 +01:00"
        );
        assert_eq!(
            TimeZoneSpec::parse("-0530").expect("offset").format(&at),
            "2010-01-25 01:36:40 -05:30"
        );
        assert_eq!(
            TimeZoneSpec::parse("utc").expect("utc").format(&at),
            "2010-01-25 07:06:40 +00:00"
        );
        assert_eq!(TimeZoneSpec::parse("+14").expect("edge").name(), "+14:00");
        assert_eq!(
            TimeZoneSpec::parse(" Local ").expect("local"),
            TimeZoneSpec::Local
        );
        for bad in [
            "Europe/Berlin",
            "+15:00",
            "+1:00",
            "01:00",
            "+01:60",
            "+01:0",
            "",
            "+0a:00",
        ] {
            let e = TimeZoneSpec::parse(bad).expect_err(bad);
            assert_eq!(e.code(), "invalid_parameter", "{bad}");
            assert!(e.to_string().contains("+01:00"), "{bad}: {e}");
        }
    }

    #[test]
    fn local_follows_the_machine_at_each_instant() {
        let at = crate::util::ticks::ticks_to_datetime(634_000_000_000_000_000).expect("in range");
        let expected = Local.from_utc_datetime(&at.naive_utc());
        let shown = TimeZoneSpec::Local.format(&at);
        assert!(shown.starts_with(&wall_clock(&expected)), "{shown}");
    }
}
