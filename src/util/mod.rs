//! Small shared helpers.

pub mod html;
pub mod rows;
pub mod text;
pub mod ticks;
pub mod units;

/// `path` with `suffix` appended to its file name (`out.zip` → `out.zip.partial`), for files that travel with it.
pub fn sibling_path(path: &std::path::Path, suffix: &str) -> std::path::PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(suffix);
    path.with_file_name(name)
}
