//! Published model versions: a store holds `<version>/manifest.json` plus
//! the model file (and whatever else the model directory had), and a
//! pointer object `current.json` naming the served version and the ones
//! served before it.

pub mod local;
pub mod s3;

use std::future::Future;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{ModelError, Result};
use crate::inference::{read, Model, MANIFEST_FILE};
use crate::manifest::{is_version, Manifest};

/// Name of the pointer object under the store's prefix.
pub const POINTER_FILE: &str = "current.json";

/// The pointer object: the current version and, most recent last, the
/// versions it replaced (what `rollback` returns to).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pointer {
    /// The version being served.
    pub version: String,
    /// Earlier current versions, oldest first.
    #[serde(default)]
    pub previous: Vec<String>,
}

impl Pointer {
    pub(crate) fn parse(bytes: &[u8], origin: &str) -> Result<Self> {
        let p: Self = serde_json::from_slice(bytes).map_err(|e| ModelError::Store {
            operation: "read pointer",
            key: origin.to_owned(),
            message: e.to_string(),
        })?;
        if !is_version(&p.version) {
            return Err(ModelError::Store {
                operation: "read pointer",
                key: origin.to_owned(),
                message: format!("version {:?} is not <YYYY.MM.DD>-<n>", p.version),
            });
        }
        Ok(p)
    }

    pub(crate) fn to_json(&self) -> Vec<u8> {
        // A struct of strings always serialises.
        serde_json::to_vec_pretty(self).unwrap_or_default()
    }

    /// The pointer after publishing `version` on top of `old`.
    pub(crate) fn after_publish(old: Option<Pointer>, version: &str) -> Self {
        let previous = match old {
            Some(mut p) => {
                p.previous.push(p.version);
                p.previous
            }
            None => Vec::new(),
        };
        Self {
            version: version.to_owned(),
            previous,
        }
    }

    /// The pointer after rolling back from this one.
    pub(crate) fn rolled_back(mut self) -> Result<Self> {
        match self.previous.pop() {
            Some(version) => Ok(Self {
                version,
                previous: self.previous,
            }),
            None => Err(ModelError::NoPrevious(self.version)),
        }
    }
}

/// The answer to a conditional read of the pointer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PointerPoll {
    /// Same entity tag as given: nothing changed.
    Unchanged,
    /// The pointer now (`None`: nothing published) and its entity tag.
    Changed {
        pointer: Option<Pointer>,
        etag: Option<String>,
    },
}

/// Where published model versions live.
pub trait ModelStore: Send + Sync {
    /// Publishes the model directory `dir` (checked to load and serve
    /// first) as its manifest's version and makes it current.
    fn publish(&self, dir: &Path) -> impl Future<Output = Result<String>> + Send;
    /// The published versions, sorted.
    fn list(&self) -> impl Future<Output = Result<Vec<String>>> + Send;
    /// A local directory holding `version`, its model file verified against
    /// the manifest's sha256.
    fn fetch(&self, version: &str) -> impl Future<Output = Result<PathBuf>> + Send;
    /// The current version, `None` when nothing is published.
    fn current(&self) -> impl Future<Output = Result<Option<String>>> + Send;
    /// Makes the previously current version current again; returns it.
    fn rollback(&self) -> impl Future<Output = Result<String>> + Send;
    /// Reads the pointer unless its entity tag still equals `etag`.
    fn poll_pointer(&self, etag: Option<&str>) -> impl Future<Output = Result<PointerPoll>> + Send;
}

/// A file of a model directory: its name and bytes.
pub(crate) type NamedFile = (String, Vec<u8>);

/// The files of a model directory to publish, after checking that the
/// model loads: `(manifest, [(file name, bytes)])`, the manifest last so a
/// version whose manifest is visible is complete.
pub(crate) fn publishable(dir: &Path) -> Result<(Manifest, Vec<NamedFile>)> {
    let model = Model::load(dir)?;
    let manifest = model.manifest().clone();
    let entries = std::fs::read_dir(dir).map_err(|e| ModelError::io(dir, e))?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| ModelError::io(dir, e))?;
        let path = entry.path();
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        if name.starts_with('.') || name == MANIFEST_FILE || !path.is_file() {
            continue;
        }
        files.push((name, read(&path)?));
    }
    files.sort();
    files.push((MANIFEST_FILE.to_owned(), read(&dir.join(MANIFEST_FILE))?));
    Ok((manifest, files))
}

pub(crate) fn check_version(version: &str) -> Result<()> {
    if is_version(version) {
        Ok(())
    } else {
        Err(ModelError::NoSuchVersion(version.to_owned()))
    }
}

/// Writes `bytes` to `path` through a temporary file in the same directory
/// and a rename, so readers never see a partial file.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| ModelError::io(dir, e))?;
    tmp.write_all(bytes)
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| ModelError::io(tmp.path(), e))?;
    tmp.persist(path)
        .map_err(|e| ModelError::io(path, e.error))?;
    Ok(())
}
