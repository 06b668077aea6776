//! The history figures readiness needs, per room: messages (all, and at or after -StartDate), messages holding
//! `ma-filelink:` links, messages per month. Computed the same way from a database (one GROUP BY) and from a
//! package (each room streamed), so the two readings of the same data agree.

use crate::util::ticks::{ticks_to_datetime, MAX_TICKS};
use chrono::Datelike;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The marker of a file posted to a room (the file itself lives in the file store, not in the database).
/// Matched case-insensitively, as `LIKE` under SQL Server's default (case-insensitive) collations does.
pub use crate::files::links::{has_file_link, FILE_LINK_MARKER};

/// A calendar month (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Month {
    pub year: i32,
    pub month: u32,
}

impl Month {
    /// The month of a .NET ticks value; `None` outside 0001-01-01..=9999-12-31 (the range the database
    /// reading also uses).
    pub fn of_ticks(ticks: i64) -> Option<Month> {
        if !(0..=MAX_TICKS).contains(&ticks) {
            return None;
        }
        ticks_to_datetime(ticks).map(|t| Month {
            year: t.year(),
            month: t.month(),
        })
    }

    pub fn next(self) -> Month {
        if self.month >= 12 {
            Month {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Month {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    /// `2011-03`.
    pub fn label(self) -> String {
        format!("{:04}-{:02}", self.year, self.month)
    }
}

/// One room's history figures.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoomFigures {
    /// Every message the room holds.
    pub messages: u64,
    /// Messages at or after -StartDate (all without it): what an export would move.
    pub selected: u64,
    /// Selected messages whose content holds [`FILE_LINK_MARKER`].
    pub file_links: u64,
    /// Every message by month (all of them, whatever -StartDate: the chart is for choosing it).
    pub months: BTreeMap<Month, u64>,
    /// Messages whose time stamp is no date (negative or beyond 9999 ticks).
    pub undated: u64,
}

impl RoomFigures {
    /// Counts one message (the package path; the database path adds grouped rows with [`RoomFigures::add`]).
    pub fn count(&mut self, chat_date: i64, content: &str, start_ticks: Option<i64>) {
        let selected = start_ticks.is_none_or(|s| chat_date >= s);
        self.add(
            Month::of_ticks(chat_date),
            selected,
            1,
            u64::from(selected && has_file_link(content)),
        );
    }

    /// Adds `messages` messages of one month (`None`: undated), `file_links` of them with a link.
    pub fn add(&mut self, month: Option<Month>, selected: bool, messages: u64, file_links: u64) {
        self.messages = self.messages.saturating_add(messages);
        if selected {
            self.selected = self.selected.saturating_add(messages);
            self.file_links = self.file_links.saturating_add(file_links);
        }
        match month {
            Some(m) => {
                let n = self.months.entry(m).or_insert(0);
                *n = n.saturating_add(messages);
            }
            None => self.undated = self.undated.saturating_add(messages),
        }
    }
}

/// Messages of one month, all rooms together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MonthCount {
    /// `2011-03`.
    pub month: String,
    pub year: i32,
    pub month_number: u32,
    pub messages: u64,
}

/// Messages per month over all rooms, every month from the first to the last present (months without messages
/// included as 0, so the chart's axis is continuous).
pub fn histogram<'a>(rooms: impl IntoIterator<Item = &'a RoomFigures>) -> Vec<MonthCount> {
    let mut total: BTreeMap<Month, u64> = BTreeMap::new();
    for room in rooms {
        for (month, n) in &room.months {
            let sum = total.entry(*month).or_insert(0);
            *sum = sum.saturating_add(*n);
        }
    }
    let (Some(first), Some(last)) = (
        total.keys().next().copied(),
        total.keys().next_back().copied(),
    ) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut month = first;
    while month <= last {
        out.push(MonthCount {
            month: month.label(),
            year: month.year,
            month_number: month.month,
            messages: total.get(&month).copied().unwrap_or(0),
        });
        month = month.next();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::ticks::datetime_to_ticks;
    use chrono::TimeZone;

    fn ticks(y: i32, m: u32, d: u32) -> i64 {
        datetime_to_ticks(chrono::Utc.with_ymd_and_hms(y, m, d, 12, 0, 0).unwrap())
    }

    #[test]
    fn file_links_match_case_insensitively() {
        assert!(has_file_link("see ma-filelink:///a/b/c.pdf"));
        assert!(has_file_link("MA-FileLink:///x"));
        assert!(!has_file_link("ma-filelink///x"));
        assert!(!has_file_link("mailto:x"));
        assert!(!has_file_link(""));
    }

    #[test]
    fn start_date_selects_but_months_keep_everything() {
        let mut room = RoomFigures::default();
        let start = Some(ticks(2011, 3, 1));
        room.count(ticks(2011, 1, 5), "ma-filelink:///old", start);
        room.count(ticks(2011, 3, 2), "ma-filelink:///new", start);
        room.count(ticks(2011, 3, 9), "plain", start);
        room.count(-5, "no date", start);
        assert_eq!(room.messages, 4);
        assert_eq!(room.selected, 2);
        assert_eq!(room.file_links, 1);
        assert_eq!(room.undated, 1);
        assert_eq!(room.months.len(), 2);
    }

    #[test]
    fn histogram_fills_the_gaps_across_years() {
        let mut a = RoomFigures::default();
        a.count(ticks(2010, 11, 1), "", None);
        let mut b = RoomFigures::default();
        b.count(ticks(2011, 2, 1), "", None);
        b.count(ticks(2011, 2, 3), "", None);
        let h = histogram([&a, &b]);
        let labels: Vec<&str> = h.iter().map(|m| m.month.as_str()).collect();
        assert_eq!(labels, ["2010-11", "2010-12", "2011-01", "2011-02"]);
        assert_eq!(
            h.iter().map(|m| m.messages).collect::<Vec<_>>(),
            [1, 0, 0, 2]
        );
        assert!(histogram(std::iter::empty()).is_empty());
    }
}
