//! Group Chat and Persistent Chat store times as .NET ticks (100 ns since 0001-01-01 UTC) in bigint columns.

use chrono::{DateTime, TimeZone, Utc};

/// Ticks at 1970-01-01T00:00:00Z.
pub const UNIX_EPOCH_TICKS: i64 = 621_355_968_000_000_000;
const TICKS_PER_SECOND: i64 = 10_000_000;

/// Converts ticks to a UTC time; `None` when outside what chrono represents (never for real chat data).
pub fn ticks_to_datetime(ticks: i64) -> Option<DateTime<Utc>> {
    let since_epoch = ticks.checked_sub(UNIX_EPOCH_TICKS)?;
    let seconds = since_epoch.div_euclid(TICKS_PER_SECOND);
    let nanos = (since_epoch.rem_euclid(TICKS_PER_SECOND) * 100) as u32;
    Utc.timestamp_opt(seconds, nanos).single()
}

/// ISO 8601 UTC with the full 7-digit tick precision, e.g. `2010-06-01T12:00:00.1234567Z`.
pub fn ticks_to_iso(ticks: i64) -> Option<String> {
    use chrono::{Datelike, Timelike};
    let t = ticks_to_datetime(ticks)?;
    let fraction = t.timestamp_subsec_nanos() / 100;
    let Ok(year @ 0..=9999) = u32::try_from(t.year()) else {
        return Some(iso_formatted(&t, fraction));
    };
    // Written digit by digit: this runs once per exported message, and `format!` was 2.5 % of an export's
    // samples (strftime-style formatting costs several times more again).
    let mut text = *b"0000-00-00T00:00:00.0000000Z";
    put_digits(&mut text[0..4], year);
    put_digits(&mut text[5..7], t.month());
    put_digits(&mut text[8..10], t.day());
    put_digits(&mut text[11..13], t.hour());
    put_digits(&mut text[14..16], t.minute());
    put_digits(&mut text[17..19], t.second());
    put_digits(&mut text[20..27], fraction);
    std::str::from_utf8(&text).ok().map(str::to_owned)
}

/// Writes `value`'s last `slot.len()` decimal digits into `slot`, zero-padded.
fn put_digits(slot: &mut [u8], mut value: u32) {
    for digit in slot.iter_mut().rev() {
        *digit = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

/// The same text through `format!`, for years outside 0..=9999 (wider or signed).
fn iso_formatted(t: &DateTime<Utc>, fraction: u32) -> String {
    use chrono::{Datelike, Timelike};
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:07}Z",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        fraction
    )
}

/// The last tick .NET's DateTime holds (9999-12-31T23:59:59.9999999Z); SQL Server bigint tick columns hold
/// nothing later.
pub const MAX_TICKS: i64 = 3_155_378_975_999_999_999;

/// Converts a UTC time to ticks, or `None` outside 0001-01-01..=9999-12-31 (where ticks would be negative,
/// beyond .NET's range, or overflow).
pub fn checked_datetime_to_ticks(time: DateTime<Utc>) -> Option<i64> {
    let ticks = time
        .timestamp()
        .checked_mul(TICKS_PER_SECOND)?
        .checked_add(i64::from(time.timestamp_subsec_nanos() / 100))?
        .checked_add(UNIX_EPOCH_TICKS)?;
    (0..=MAX_TICKS).contains(&ticks).then_some(ticks)
}

/// Converts a UTC time to ticks.
pub fn datetime_to_ticks(time: DateTime<Utc>) -> i64 {
    time.timestamp() * TICKS_PER_SECOND
        + i64::from(time.timestamp_subsec_nanos() / 100)
        + UNIX_EPOCH_TICKS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        assert_eq!(
            ticks_to_iso(UNIX_EPOCH_TICKS).as_deref(),
            Some("1970-01-01T00:00:00.0000000Z")
        );
        // The compliance adapter sample value (1212610540.9535482 s after the Unix epoch).
        let t = 633_482_073_409_535_482;
        let iso = ticks_to_iso(t).expect("in range");
        assert_eq!(iso, "2008-06-04T20:15:40.9535482Z");
        assert_eq!(
            datetime_to_ticks(ticks_to_datetime(t).expect("in range")),
            t
        );
        assert_eq!(
            ticks_to_iso(0).as_deref(),
            Some("0001-01-01T00:00:00.0000000Z")
        );
        assert_eq!(
            ticks_to_iso(UNIX_EPOCH_TICKS - 1).as_deref(),
            Some("1969-12-31T23:59:59.9999999Z")
        );
    }

    #[test]
    fn digit_by_digit_text_matches_the_formatted_one() {
        let mut ticks = 0i64;
        while ticks <= MAX_TICKS {
            let t = ticks_to_datetime(ticks).expect("in range");
            assert_eq!(
                ticks_to_iso(ticks).as_deref(),
                Some(iso_formatted(&t, t.timestamp_subsec_nanos() / 100).as_str()),
                "{ticks}"
            );
            ticks += 1_234_567_890_123_457;
        }
        assert_eq!(
            ticks_to_iso(MAX_TICKS).as_deref(),
            Some("9999-12-31T23:59:59.9999999Z")
        );
        // Past 9999 (not .NET ticks, but a bigint can hold them): the wider year through `format!`.
        let later = ticks_to_iso(MAX_TICKS + 1).expect("chrono holds it");
        assert_eq!(later, "10000-01-01T00:00:00.0000000Z");
    }
}
