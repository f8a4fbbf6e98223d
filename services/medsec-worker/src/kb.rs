//! The knowledge base the worker matches against: the index snapshot,
//! loaded once at start.

use std::path::{Path, PathBuf};

use medsec_engine::KnowledgeScope;
use medsec_index::Index;

/// A loaded index and what it covers.
pub struct KnowledgeBase {
    pub index: Index,
    pub scope: KnowledgeScope,
}

#[derive(Debug, thiserror::Error)]
#[error("knowledge-base snapshot {path}: {source}")]
pub struct KbError {
    path: PathBuf,
    #[source]
    source: medsec_index::SnapshotError,
}

impl KnowledgeBase {
    /// Reads and checks the snapshot; CPU-bound, so run it off the reactor.
    pub fn load(path: &Path) -> Result<KnowledgeBase, KbError> {
        let index = medsec_index::read_snapshot_file(path).map_err(|source| KbError {
            path: path.to_owned(),
            source,
        })?;
        let scope = KnowledgeScope::from_index(&index);
        Ok(KnowledgeBase { index, scope })
    }

    /// The knowledge-base generation stamped on the snapshot.
    pub fn generation(&self) -> u64 {
        self.index.generation()
    }
}
