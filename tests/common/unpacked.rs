//! A package read back whole (verified first), for tests that compare it with what was seeded.
#![allow(dead_code)]

use pchat_migrate::package::*;
use std::collections::BTreeMap;
use std::path::Path;

/// Everything in a package, history included.
pub struct Unpacked {
    pub manifest: Manifest,
    pub entities: Entities,
    pub history: BTreeMap<i32, Vec<Message>>,
}

impl Unpacked {
    /// Every message of every room, rooms in id order.
    pub fn messages(&self) -> impl Iterator<Item = &Message> {
        self.history.values().flatten()
    }
}

/// Opens, verifies and reads the whole package at `path`.
pub fn unpack(path: &Path) -> Unpacked {
    let mut reader = PackageReader::open(path).expect("package opens");
    reader.verify(|_, _| {}).expect("package verifies");
    let entities = reader.entities().expect("entities");
    let manifest = reader.manifest().clone();
    let mut history = BTreeMap::new();
    for room in &manifest.rooms {
        let mut messages = Vec::new();
        reader
            .for_each_message(room.room_id, |m, _| {
                messages.push(m);
                Ok(())
            })
            .expect("history");
        history.insert(room.room_id, messages);
    }
    Unpacked {
        manifest,
        entities,
        history,
    }
}
