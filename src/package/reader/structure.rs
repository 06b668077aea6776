//! The zip's structure: unambiguous (no duplicate names, local headers that agree with the central directory, no
//! overlapping entries), plain files with safe names, and exactly the entries the manifest lists, each one the
//! format defines. Zip readers disagree on ambiguous zips; the import must read exactly what inspect checked.

use super::ENTITY_ENTRIES;
use crate::package::format::{messages_entry, Manifest, MANIFEST_ENTRY};
use std::collections::{HashMap, HashSet};
use std::io::{Read, Seek};
use zip::ZipArchive;

/// Rejects names that could escape a folder when extracted, or that no writer of this format produces.
fn check_entry_name(name: &str) -> Result<(), String> {
    let bad = name.is_empty()
        || name.starts_with('/')
        || name.starts_with('\\')
        || name.contains('\\')
        || name.contains('\0')
        || name.split('/').any(|part| part == ".." || part == ".")
        || name.chars().nth(1) == Some(':');
    if bad {
        Err(format!(
            "entry name '{name}' is not allowed (absolute, '..', '\\' or drive letter)"
        ))
    } else {
        Ok(())
    }
}

/// What the zip crate's header check means, in words (the import must read exactly what inspect read).
fn header_problem(e: &zip::result::ZipError) -> String {
    let text = e.to_string();
    if text.contains("duplicate file names") {
        "the zip holds two entries of the same name; zip readers disagree on which copy counts (this reader \
         would take the last, .NET the first), so the package is ambiguous"
            .to_string()
    } else if text.contains("filename mismatch") || text.contains("UnicodePath") {
        "an entry's local header names a different file than the zip's central directory; zip readers \
         disagree on which name counts, so the package is ambiguous"
            .to_string()
    } else if text.contains("overlapping") {
        "two zip entries share the same compressed bytes (overlapping entries, a zip bomb technique)"
            .to_string()
    } else {
        format!(
            "its zip headers disagree with each other ({e}); the file was altered or is damaged"
        )
    }
}

/// Header consistency, then every entry's name and type; returns the names.
pub fn check_zip<R: Read + Seek>(archive: &mut ZipArchive<R>) -> Result<HashSet<String>, String> {
    archive
        .validate_header_consistency()
        .map_err(|e| header_problem(&e))?;
    let mut names = HashSet::with_capacity(archive.len());
    for index in 0..archive.len() {
        let entry = archive
            .by_index_data(index)
            .map_err(|e| format!("entry #{index} cannot be read: {e}"))?;
        let name = entry
            .name()
            .map_err(|e| format!("entry #{index} has an unreadable name: {e}"))?
            .to_string();
        check_entry_name(&name)?;
        if entry.is_symlink() {
            return Err(format!(
                "entry '{name}' is a symbolic link; a package holds only plain files"
            ));
        }
        if entry.is_dir() {
            return Err(format!(
                "entry '{name}' is a folder; a package holds only plain files"
            ));
        }
        if !names.insert(name.clone()) {
            return Err(format!("the zip holds two entries named '{name}'"));
        }
    }
    Ok(names)
}

/// Every listed entry is known (an entity file, or the history of a room in `rooms`) and present; every
/// present entry is listed. Returns the position of each entry in `manifest.entries`.
pub fn check_listing(
    manifest: &Manifest,
    present: &HashSet<String>,
) -> Result<HashMap<String, usize>, String> {
    let mut index = HashMap::with_capacity(manifest.entries.len());
    for (i, entry) in manifest.entries.iter().enumerate() {
        if index.insert(entry.name.clone(), i).is_some() {
            return Err(format!("manifest.json lists entry '{}' twice", entry.name));
        }
    }
    let mut histories: HashSet<&str> = HashSet::with_capacity(manifest.rooms.len());
    for room in &manifest.rooms {
        let expected = messages_entry(room.room_id);
        if room.entry != expected {
            return Err(format!(
                "manifest.json gives the history of room {} as '{}'; it is always '{expected}'",
                room.room_id, room.entry
            ));
        }
        if !histories.insert(room.entry.as_str()) {
            return Err(format!(
                "manifest.json lists the history of room {} twice",
                room.room_id
            ));
        }
        if !present.contains(&room.entry) || !index.contains_key(&room.entry) {
            return Err(format!(
                "the manifest lists history for room {} but the entry '{}' is missing",
                room.room_id, room.entry
            ));
        }
    }
    for entry in &manifest.entries {
        let name = entry.name.as_str();
        if !ENTITY_ENTRIES.contains(&name) && !histories.contains(name) {
            return Err(format!(
                "entry '{name}' is listed in the manifest but is not an entry of the package format (an \
                 unknown entry; a history entry needs its room in the manifest's rooms); every listed entry \
                 must be one the reader verifies"
            ));
        }
        if !present.contains(name) {
            return Err(format!("entry '{name}' is missing"));
        }
    }
    if let Some(name) = ENTITY_ENTRIES.iter().find(|n| !index.contains_key(**n)) {
        return Err(format!("manifest.json does not list the entry '{name}'"));
    }
    if let Some(name) = present
        .iter()
        .find(|n| n.as_str() != MANIFEST_ENTRY && !index.contains_key(n.as_str()))
    {
        return Err(format!("entry '{name}' is not listed in the manifest"));
    }
    Ok(index)
}
