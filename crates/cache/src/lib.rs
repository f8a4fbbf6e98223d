//! Redis caches: CVSS lookups, enrichment and whole SBOM analyses.
