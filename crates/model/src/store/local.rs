//! A model store in a local directory, for the one-machine deployment:
//! `<root>/<version>/...` and `<root>/current.json`.

use std::path::{Path, PathBuf};

use super::{
    check_version, publishable, write_atomic, ModelStore, Pointer, PointerPoll, POINTER_FILE,
};
use crate::error::{ModelError, Result};
use crate::inference::{read, MANIFEST_FILE};
use crate::manifest::{is_version, sha256_hex, Manifest};

/// Model versions in a local directory.
#[derive(Debug, Clone)]
pub struct LocalStore {
    root: PathBuf,
}

impl LocalStore {
    /// A store rooted at `root` (created on first publish).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The store's directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn pointer_path(&self) -> PathBuf {
        self.root.join(POINTER_FILE)
    }

    fn read_pointer(&self) -> Result<Option<(Pointer, Vec<u8>)>> {
        let path = self.pointer_path();
        match std::fs::read(&path) {
            Ok(bytes) => Ok(Some((
                Pointer::parse(&bytes, &path.display().to_string())?,
                bytes,
            ))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(ModelError::io(path, e)),
        }
    }

    fn publish_sync(&self, dir: &Path) -> Result<String> {
        let (manifest, files) = publishable(dir)?;
        let version = manifest.version;
        let target = self.root.join(&version);
        if target.exists() {
            return Err(ModelError::VersionExists(version));
        }
        std::fs::create_dir_all(&self.root).map_err(|e| ModelError::io(&self.root, e))?;
        // Staged next to the target and renamed, so a version directory is
        // either complete or absent.
        let staging = tempfile::Builder::new()
            .prefix(".staging-")
            .tempdir_in(&self.root)
            .map_err(|e| ModelError::io(&self.root, e))?;
        for (name, bytes) in &files {
            let path = staging.path().join(name);
            std::fs::write(&path, bytes).map_err(|e| ModelError::io(path, e))?;
        }
        let staged = staging.keep();
        std::fs::rename(&staged, &target).map_err(|e| ModelError::io(&target, e))?;
        let old = self.read_pointer()?.map(|(p, _)| p);
        write_atomic(
            &self.pointer_path(),
            &Pointer::after_publish(old, &version).to_json(),
        )?;
        Ok(version)
    }

    fn fetch_sync(&self, version: &str) -> Result<PathBuf> {
        check_version(version)?;
        let dir = self.root.join(version);
        let manifest_path = dir.join(MANIFEST_FILE);
        if !manifest_path.is_file() {
            return Err(ModelError::NoSuchVersion(version.to_owned()));
        }
        let manifest =
            Manifest::from_json(&read(&manifest_path)?, &manifest_path.display().to_string())?;
        manifest.check()?;
        manifest.verify_model_bytes(&read(&dir.join(&manifest.model_file))?)?;
        Ok(dir)
    }

    fn list_sync(&self) -> Result<Vec<String>> {
        let entries = match std::fs::read_dir(&self.root) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(ModelError::io(&self.root, e)),
        };
        let mut versions = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| ModelError::io(&self.root, e))?;
            if let Some(name) = entry.file_name().to_str() {
                if is_version(name) && entry.path().join(MANIFEST_FILE).is_file() {
                    versions.push(name.to_owned());
                }
            }
        }
        versions.sort();
        Ok(versions)
    }

    fn rollback_sync(&self) -> Result<String> {
        let (pointer, _) = self.read_pointer()?.ok_or(ModelError::NoCurrent)?;
        let back = pointer.rolled_back()?;
        self.fetch_sync(&back.version)?;
        write_atomic(&self.pointer_path(), &back.to_json())?;
        Ok(back.version)
    }
}

impl ModelStore for LocalStore {
    async fn publish(&self, dir: &Path) -> Result<String> {
        self.publish_sync(dir)
    }

    async fn list(&self) -> Result<Vec<String>> {
        self.list_sync()
    }

    async fn fetch(&self, version: &str) -> Result<PathBuf> {
        self.fetch_sync(version)
    }

    async fn current(&self) -> Result<Option<String>> {
        Ok(self.read_pointer()?.map(|(p, _)| p.version))
    }

    async fn rollback(&self) -> Result<String> {
        self.rollback_sync()
    }

    async fn poll_pointer(&self, etag: Option<&str>) -> Result<PointerPoll> {
        // The content hash stands in for an entity tag.
        let now = self.read_pointer()?;
        let tag = now.as_ref().map(|(_, bytes)| sha256_hex(bytes));
        if tag.is_some() && tag.as_deref() == etag {
            return Ok(PointerPoll::Unchanged);
        }
        Ok(PointerPoll::Changed {
            pointer: now.map(|(p, _)| p),
            etag: tag,
        })
    }
}
