//! The `sbom:` cache of whole analyses in Redis. Only an optimisation: a
//! Redis error is logged and treated as a miss.

use medsec_cache::{Cache, CacheKind, SbomKey};
use tracing::warn;

use crate::reports::CachedResult;

pub struct ResultCache {
    cache: Cache,
}

impl ResultCache {
    pub fn new(cache: Cache) -> ResultCache {
        ResultCache { cache }
    }

    /// The key of an analysis of the SBOM with SHA-256 `sha`, for this
    /// device context, knowledge-base generation and model version.
    pub fn sbom_key(
        &self,
        sha: &[u8],
        device: Option<&serde_json::Value>,
        generation: u64,
        model_version: &str,
    ) -> Option<String> {
        let content_sha256: [u8; 32] = sha.try_into().ok()?;
        Some(
            SbomKey {
                content_sha256,
                device_context: device,
                kb_generation: i64::try_from(generation).ok()?,
                model_version,
            }
            .to_key(),
        )
    }

    pub async fn get(&self, key: &str) -> Option<CachedResult> {
        match self.cache.get_json(CacheKind::Sbom, key).await {
            Ok(v) => v,
            Err(e) => {
                warn!(error = %e, "sbom cache lookup failed; analysing");
                None
            }
        }
    }

    pub async fn put(&self, key: &str, value: &CachedResult) {
        if let Err(e) = self.cache.put_json(CacheKind::Sbom, key, value).await {
            warn!(error = %e, "storing the analysis in the sbom cache failed");
        }
    }
}
