//! What a sync remembers between runs. The caller persists it (it is
//! serde-serializable) and hands it back to the next run.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Per-source cursors. [`crate::sync`] advances it as each unit of work
/// (an NVD window, an OSV archive, the KEV or EPSS file) has been handed
/// to the sink in full, so after an error it still records what was done.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncState {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nvd: Option<NvdCursor>,
    /// Keyed by ecosystem name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub osv: BTreeMap<String, Validators>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kev: Option<Validators>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epss: Option<Validators>,
}

/// The end of the last NVD `lastModified` range fetched completely.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NvdCursor {
    pub last_modified_end: DateTime<Utc>,
}

/// The HTTP validators of the last complete download of a file, for a
/// conditional GET. They are used only for the same URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validators {
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
}

impl Validators {
    pub(crate) fn is_empty(&self) -> bool {
        self.etag.is_none() && self.last_modified.is_none()
    }
}
