//! `version`: the library and ABI versions, the operations of the [`super::registry`] and the build's features.

use super::registry::{names, Kind, SyncOperation};
use crate::error::PcmError;
use serde::{Deserialize, Serialize};

/// The result of `version`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionInfo {
    pub name: String,
    pub version: String,
    pub abi_version: u32,
    pub operations: OperationNames,
    pub features: Features,
}

/// The operations, from the registry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperationNames {
    pub sync: Vec<String>,
    pub jobs: Vec<String>,
}

/// What this build can do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Features {
    pub windows_authentication: bool,
    pub ntlm: bool,
    pub native_tls: bool,
}

/// Library and ABI versions.
pub fn version_info() -> VersionInfo {
    let owned = |kind| names(kind).into_iter().map(str::to_string).collect();
    VersionInfo {
        name: env!("CARGO_PKG_NAME").to_string(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        abi_version: crate::ABI_VERSION,
        operations: OperationNames {
            sync: owned(Kind::Sync),
            jobs: owned(Kind::Job),
        },
        features: Features {
            windows_authentication: cfg!(windows),
            ntlm: cfg!(any(windows, feature = "ntlm")),
            native_tls: cfg!(feature = "native-tls"),
        },
    }
}

pub struct Version;

impl SyncOperation for Version {
    const NAME: &'static str = "version";
    /// `version` takes no parameters; whatever is sent is ignored, as it always was.
    type Params = serde::de::IgnoredAny;
    type Output = VersionInfo;

    fn call(_params: Self::Params) -> Result<VersionInfo, PcmError> {
        Ok(version_info())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_operations_listed_are_the_registry_s() {
        let info = version_info();
        assert_eq!(info.operations.sync, names(Kind::Sync));
        assert_eq!(info.operations.jobs, names(Kind::Job));
        assert!(info.operations.jobs.iter().any(|j| j == "import"));
        let value = serde_json::to_value(&info).expect("serializes");
        assert_eq!(value["abiVersion"], crate::ABI_VERSION);
        assert!(value["features"]["windowsAuthentication"].is_boolean());
    }
}
