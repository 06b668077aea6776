//! `file_manifest` and `copy_files`: the file store step; the work is in [`crate::files`].

use super::registry::{Checked, JobOperation};
use crate::error::PcmError;
use crate::files::copy::result::CopyFilesResult;
use crate::files::copy::{copy_files, CopyFilesParams, CopyPlan};
use crate::files::manifest_job::{
    file_manifest, FileManifestParams, FileManifestPlan, FileManifestResult,
};
use crate::files::source::LinkSource;
use crate::jobs::JobContext;

fn checked(source: Option<&LinkSource>) -> Checked {
    match source {
        Some(LinkSource::Package(p)) => Checked {
            file_name: Some(p.display().to_string()),
            ..Checked::default()
        },
        Some(LinkSource::Database(s)) => Checked {
            db_instance: Some(s.instance_text.clone()),
            db_name: s.database.clone(),
            ..Checked::default()
        },
        None => Checked::default(),
    }
}

pub struct FileManifest;

impl JobOperation for FileManifest {
    const NAME: &'static str = "file_manifest";
    type Params = FileManifestParams;
    type Prepared = FileManifestPlan;
    type Output = FileManifestResult;

    fn prepare(params: FileManifestParams) -> Result<FileManifestPlan, PcmError> {
        params.plan()
    }

    fn describe(plan: &FileManifestPlan) -> Checked {
        checked(Some(&plan.source))
    }

    async fn run(plan: FileManifestPlan, ctx: JobContext) -> Result<FileManifestResult, PcmError> {
        file_manifest(plan, ctx).await
    }
}

pub struct CopyFiles;

impl JobOperation for CopyFiles {
    const NAME: &'static str = "copy_files";
    type Params = CopyFilesParams;
    type Prepared = CopyPlan;
    type Output = CopyFilesResult;

    fn prepare(params: CopyFilesParams) -> Result<CopyPlan, PcmError> {
        params.plan()
    }

    fn describe(plan: &CopyPlan) -> Checked {
        checked(plan.links.as_ref())
    }

    async fn run(plan: CopyPlan, ctx: JobContext) -> Result<CopyFilesResult, PcmError> {
        copy_files(plan, ctx).await
    }
}
