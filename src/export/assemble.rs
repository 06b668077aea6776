//! Package assembly: the entity entries, every room's fragment copied still compressed, the manifest; all of
//! it blocking file work, run on the blocking pool. A cancel is honoured between entries, between fragments
//! and last before the rename: the partial file is removed and no package appears (the staging folder stays,
//! so the next run resumes).

use super::bundles::OpenArchives;
use super::fragments::{FragmentMeta, Staging};
use crate::error::PcmError;
use crate::jobs::JobContext;
use crate::package::format::*;
use crate::package::{Entities, PackageWriter};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Writes the package at `path` from `entities` and the room `fragments` in `staging`; blocking.
pub fn write_package(
    path: &Path,
    entities: &Entities,
    fragments: &BTreeMap<i32, (FragmentMeta, bool)>,
    staging: &Staging,
    manifest: Manifest,
    ctx: &JobContext,
) -> Result<PathBuf, PcmError> {
    let mut writer = PackageWriter::create(path)?;
    writer.write_entities(entities, || ctx.check_cancelled())?;
    test_hooks::pause_if_asked(path, ctx);
    let mut archives = OpenArchives::default();
    for (meta, _) in fragments.values() {
        ctx.check_cancelled()?;
        let path = staging.entry_file(meta);
        let archive = archives
            .open(&path)
            .map_err(|e| PcmError::io("reading", &path, e))?;
        writer.copy_entry_from(archive, &path, &meta.entry.name, meta.entry.clone())?;
    }
    ctx.check_cancelled()?;
    writer.finish_unless(manifest, || ctx.check_cancelled())
}

/// [`write_package`] on the blocking pool.
pub async fn write_package_blocking(
    path: PathBuf,
    entities: Arc<Entities>,
    fragments: Arc<BTreeMap<i32, (FragmentMeta, bool)>>,
    staging: Staging,
    manifest: Manifest,
    ctx: &JobContext,
) -> Result<PathBuf, PcmError> {
    let inner = ctx.clone();
    ctx.spawn_blocking(move || {
        write_package(&path, &entities, &fragments, &staging, manifest, &inner)
    })
    .await
}

/// A hook for tests that must cancel while the package is written (a small package is written faster than a
/// test can react): pause, for one package path, after the entity entries until cancelled or the time is up.
#[doc(hidden)]
pub mod test_hooks {
    use crate::jobs::JobContext;
    use std::collections::HashMap;
    use std::path::{Path, PathBuf};
    use std::sync::{Mutex, OnceLock};
    use std::time::{Duration, Instant};

    fn pauses() -> &'static Mutex<HashMap<PathBuf, Duration>> {
        static PAUSES: OnceLock<Mutex<HashMap<PathBuf, Duration>>> = OnceLock::new();
        PAUSES.get_or_init(Default::default)
    }

    /// Makes the next exports of `package` pause while writing it (`None` clears).
    pub fn pause_while_writing(package: &Path, pause: Option<Duration>) {
        let mut map = pauses().lock().unwrap_or_else(|p| p.into_inner());
        match pause {
            Some(pause) => map.insert(package.to_path_buf(), pause),
            None => map.remove(package),
        };
    }

    pub(super) fn pause_if_asked(package: &Path, ctx: &JobContext) {
        let pause = pauses()
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(package)
            .copied();
        let Some(pause) = pause else { return };
        ctx.verbose("test hook: pausing while writing the package");
        let deadline = Instant::now() + pause;
        while Instant::now() < deadline && !ctx.is_cancelled() {
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}
