//! The name map an administrator writes after the readiness check, for a generated deployment: every node whose
//! flattened name (docs/conversion-rules.md) is over 256 characters, or repeats an earlier one case-insensitively,
//! maps to `Mapped <id>`. Shared by the tests (through apply_support and import_plan) and the benchmark.

use pchat_migrate::package::{NodeKind, PackageReader};
use std::path::Path;

/// Writes the map as JSON to `file`; returns how many names it maps.
pub fn write_name_map(package: &Path, file: &Path) -> usize {
    let mut reader = PackageReader::open(package).expect("the package opens");
    let entities = reader.entities().expect("the entities read");
    let mut seen = std::collections::HashSet::new();
    let mut map = serde_json::Map::new();
    for node in entities.categories.iter().chain(&entities.rooms) {
        if node.is_root {
            continue;
        }
        let mut parts = node.path.clone();
        parts.push(node.name.clone());
        // A room in a top-level category keeps its own name.
        let flat = if node.kind == NodeKind::Room && node.path.len() <= 1 {
            node.name.clone()
        } else {
            parts.join(" - ")
        };
        if flat.chars().count() > 256 || !seen.insert(flat.to_lowercase()) {
            map.insert(
                parts.join("\\"),
                serde_json::json!(format!("Mapped {}", node.id)),
            );
        }
    }
    std::fs::write(file, serde_json::to_string(&map).expect("json"))
        .expect("the name map is written");
    map.len()
}
