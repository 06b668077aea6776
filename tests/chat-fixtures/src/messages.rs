//! Streaming, deterministic message generation. Each room has its own random stream, so a
//! room's messages can be regenerated alone, in any order, without holding the others.

use crate::model::{Deployment, Flavor, Room, TICKS_PER_SECOND};
use crate::rng::Rng;

/// A `tblChat` row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// `channelId` (room nodeID).
    pub room_id: i32,
    /// `chatId`, increasing per room (1, 2, 3, ... or with gaps in gappy rooms).
    pub chat_id: i64,
    /// `chatDate` in .NET ticks; never decreases within a room, often repeats.
    pub date: i64,
    /// `userId` (poster prinID).
    pub user_id: i32,
    pub is_alert: bool,
    pub content: String,
    /// 2013 `rtf`; always `None` in legacy models.
    pub rtf: Option<String>,
}

/// Number of scripted edge-case messages at the start of [`crate::EdgeCases::scripted_message_room`].
pub const SCRIPTED_COUNT: usize = 24;

/// Index (within the scripted room) of notable scripted messages.
pub mod scripted {
    pub const ACCENTS: usize = 1;
    pub const CJK: usize = 2;
    pub const RTL: usize = 3;
    pub const EMOJI: usize = 4;
    pub const FILE_LINK: usize = 5;
    pub const HTML_LINK: usize = 6;
    pub const STORY: usize = 7;
    pub const ALERT: usize = 8;
    /// Exactly 4000 UTF-16 code units (fits nvarchar(4000)).
    pub const UTF16_4000: usize = 9;
    /// 4001 UTF-16 code units (travels as PLP / nvarchar(max)).
    pub const UTF16_4001: usize = 10;
    /// > 10,000 characters with surrogate pairs.
    pub const VERY_LONG: usize = 11;
    /// Messages 12, 13 and 14 share one time stamp.
    pub const SAME_TIME_FIRST: usize = 12;
    pub const SAME_TIME_LAST: usize = 14;
    pub const SQL_METACHARS: usize = 15;
    /// Contains a line holding only `GO`.
    pub const MULTILINE_GO: usize = 16;
    pub const PADDED: usize = 17;
    pub const COMBINING: usize = 19;
    pub const NON_ASCII_ALERT: usize = 20;
    pub const NON_ASCII_FILE_LINK: usize = 21;
    /// 2000 emoji = 4000 UTF-16 units but 2000 chars.
    pub const EMOJI_4000_UNITS: usize = 22;
    /// 2001 emoji = 4002 UTF-16 units.
    pub const EMOJI_4002_UNITS: usize = 23;
}

const PLAIN_WORDS: &[&str] = &[
    "the", "build", "is", "green", "again", "please", "review", "deploy", "tonight", "market",
    "opens", "at", "nine", "rates", "moved", "ticket", "closed", "thanks", "meeting", "moved",
    "to", "room", "B", "lunch", "anyone", "ok", "done", "blocked", "on", "approval",
];

const NON_ASCII_PHRASES: &[&str] = &[
    "Ça marche, à demain !",
    "Größenänderung überprüft ✔",
    "会議は午後3時からです",
    "数据库迁移已完成",
    "회의실 예약 완료",
    "تم تحديث التقرير",
    "הפגישה נדחתה",
    "Встреча перенесена на завтра",
    "¡Excelente trabajo, equipo! 👏🏽",
    "Deploy 🚀 done 🎉 — 𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "naïve café résumé coöperate",
];

/// Streams one room's messages; see [`Deployment::room_messages`].
pub struct RoomMessages<'a> {
    room: &'a Room,
    flavor: Flavor,
    rng: Rng,
    index: u64,
    chat_id: i64,
    date: i64,
}

impl Deployment {
    /// All messages, room by room in room-id order, regenerated from the seed on each call.
    pub fn messages(&self) -> impl Iterator<Item = Message> + '_ {
        self.rooms.iter().flat_map(move |r| self.room_messages(r))
    }

    /// One room's messages, regenerated from the seed.
    pub fn room_messages<'a>(&self, room: &'a Room) -> RoomMessages<'a> {
        RoomMessages {
            room,
            flavor: self.flavor,
            rng: Rng::new(
                self.seed,
                0x4d53_4700_0000_0000 ^ ((self.flavor as u64) << 40) ^ room.id as u64,
            ),
            index: 0,
            chat_id: 0,
            date: room.first_message_on,
        }
    }
}

impl Iterator for RoomMessages<'_> {
    type Item = Message;

    fn next(&mut self) -> Option<Message> {
        if self.index >= self.room.message_count {
            return None;
        }
        let i = self.index;
        self.index += 1;
        self.chat_id += if self.room.chat_id_gaps && i > 0 && self.rng.pct(15) {
            2 + self.rng.below(3) as i64
        } else {
            1
        };
        let scripted = self.room.scripted_messages && (i as usize) < SCRIPTED_COUNT;
        let same_time = if scripted {
            (scripted::SAME_TIME_FIRST + 1..=scripted::SAME_TIME_LAST).contains(&(i as usize))
        } else {
            i > 0 && self.rng.pct(5)
        };
        if !same_time && i > 0 {
            self.date += self.rng.range(1, 3_600) as i64 * TICKS_PER_SECOND
                + self.rng.below(TICKS_PER_SECOND as u64) as i64;
        }
        let user_id = *self.rng.pick(&self.room.posters);
        let (content, is_alert) = if scripted {
            scripted_message(i as usize, self.room)
        } else {
            self.random_content()
        };
        let rtf = if self.flavor == Flavor::Mgc2013 && (scripted || self.rng.pct(30)) {
            Some(to_rtf(&content))
        } else {
            None
        };
        Some(Message {
            room_id: self.room.id,
            chat_id: self.chat_id,
            date: self.date,
            user_id,
            is_alert,
            content,
            rtf,
        })
    }
}

impl RoomMessages<'_> {
    fn words(&mut self, lo: u64, hi: u64) -> String {
        let n = self.rng.range(lo, hi);
        (0..n)
            .map(|_| *self.rng.pick(PLAIN_WORDS))
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn random_content(&mut self) -> (String, bool) {
        let roll = self.rng.below(1000);
        match roll {
            0..=9 => (format!("ALERT: {}", self.words(3, 8)), true),
            10..=39 => {
                let file = self.rng.guid();
                let n = self.rng.below(1000);
                (
                    format!(
                        "{} ma-filelink:///{}/{}/report-{n}.pdf",
                        self.words(1, 4),
                        self.room.guid.hyphenated(),
                        file.hyphenated()
                    ),
                    false,
                )
            }
            40..=69 => {
                let n = self.rng.below(10_000);
                (
                    format!(
                        "see <a href=\"https://intranet.contoso.com/kb?id={n}&amp;lang=en\">KB {n}</a> {}",
                        self.words(1, 5)
                    ),
                    false,
                )
            }
            70..=84 => (
                format!(
                    "[STORY]Title: {}\r\n{}\r\n{}",
                    self.words(2, 5),
                    self.words(20, 60),
                    self.words(20, 60)
                ),
                false,
            ),
            85..=89 => {
                let target = self.rng.range(4_001, 9_000) as usize;
                (long_text(target, &mut self.rng), false)
            }
            90..=249 => (
                format!("{} {}", self.rng.pick(NON_ASCII_PHRASES), self.words(0, 4)),
                false,
            ),
            _ => (self.words(3, 15), false),
        }
    }
}

/// ASCII/Latin-1 text of `target` characters (> 4000 means it travels as PLP).
fn long_text(target: usize, rng: &mut Rng) -> String {
    let mut s = String::with_capacity(target + 16);
    while s.chars().count() < target {
        s.push_str(PLAIN_WORDS[rng.below(PLAIN_WORDS.len() as u64) as usize]);
        s.push(if rng.pct(5) { '\n' } else { ' ' });
    }
    s.chars().take(target).collect()
}

fn repeat_to_units(unit: &str, units: usize) -> String {
    let mut s = String::new();
    while s.encode_utf16().count() + unit.encode_utf16().count() <= units {
        s.push_str(unit);
    }
    while s.encode_utf16().count() < units {
        s.push('.');
    }
    s
}

/// The scripted edge-case message number `i` (0-based) of a room.
pub fn scripted_message(i: usize, room: &Room) -> (String, bool) {
    let guid = room.guid.hyphenated();
    let text = match i {
        0 => "Hello everyone, welcome to the lobby.".to_string(),
        scripted::ACCENTS => {
            "Café crème, déjà vu — naïve façade, Ærøskøbing, Straße, Œuvre, ñandú".into()
        }
        scripted::CJK => "会議は午後3時に始まります。中文测试：数据迁移。한국어 테스트".into(),
        scripted::RTL => "مرحبا بكم في غرفة الدردشة — שלום לכולם (mixed LTR 123)".into(),
        scripted::EMOJI => "Ship it 🚀🎉 👨‍👩‍👧‍👦 🇫🇷 👍🏽 𝄞 𠜎 (surrogate pairs)".into(),
        scripted::FILE_LINK => format!(
            "Uploaded ma-filelink:///{guid}/6f1c2a9e-3b7d-4e15-9a0c-2d4b8e6f1a3c/Quarterly%20report%20Q3%20(final).xlsx"
        ),
        scripted::HTML_LINK => "Design doc: <a href=\"https://intranet.contoso.com/docs?id=42&amp;v=2\">Spec – v2</a> please review".into(),
        scripted::STORY => "[STORY]Title: Release notes 4.0\r\nThe release is out.\r\nHighlights: faster search, fewer bugs.".into(),
        scripted::ALERT => "ALERT: production database failover in progress".into(),
        scripted::UTF16_4000 => repeat_to_units("0123456789", 4000),
        scripted::UTF16_4001 => repeat_to_units("0123456789", 4001),
        scripted::VERY_LONG => {
            let chunk = "Lorem ipsum — ünïcödé 漢字 עברית 🚀 ";
            let mut s = String::new();
            while s.chars().count() < 10_500 {
                s.push_str(chunk);
            }
            s
        }
        12 => "First of three messages with the same time stamp".into(),
        13 => "Second, same time stamp".into(),
        14 => "Third, same time stamp".into(),
        scripted::SQL_METACHARS => {
            "It's O'Brien's [room]; DROP TABLE tblChat; -- 100% _done_ \"quoted\" @P1 N'x'".into()
        }
        scripted::MULTILINE_GO => "line one\r\nGO\r\ngo\nline four".into(),
        scripted::PADDED => "   padded with spaces   ".into(),
        18 => "col1\tcol2\tcol3".into(),
        scripted::COMBINING => {
            "Decomposed: e\u{301} a\u{308}; ZWJ: 👩\u{200D}💻; ZWNJ: می\u{200C}خواهم; BOM-less \u{FEFF}x".into()
        }
        scripted::NON_ASCII_ALERT => "⚠ Alerte : maintenance à 22h00 – 注意".into(),
        scripted::NON_ASCII_FILE_LINK => format!(
            "ma-filelink:///{guid}/0b5f8e2d-7c41-4a9b-8e3f-5d6c7b8a9e0f/Pr%C3%A4sentation_%E6%9D%B1%E4%BA%AC.pptx"
        ),
        scripted::EMOJI_4000_UNITS => "😀".repeat(2000),
        scripted::EMOJI_4002_UNITS => "😀".repeat(2001),
        _ => format!("scripted message {i}"),
    };
    let alert = i == scripted::ALERT || i == scripted::NON_ASCII_ALERT;
    (text, alert)
}

/// A minimal RTF rendering (ASCII only; other UTF-16 units as `\uN?`).
pub fn to_rtf(content: &str) -> String {
    let mut out =
        String::from("{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0 Segoe UI;}}\\f0\\fs20 ");
    for unit in content.encode_utf16() {
        match unit {
            0x5C => out.push_str("\\\\"),
            0x7B => out.push_str("\\{"),
            0x7D => out.push_str("\\}"),
            0x0A => out.push_str("\\par "),
            0x0D => {}
            0x20..=0x7E => out.push(unit as u8 as char),
            _ => out.push_str(&format!("\\u{}?", unit as i16)),
        }
    }
    out.push('}');
    out
}
