use crate::SbomError;

/// Hard bounds on what a parser will accept, so that hostile input cannot
/// make it allocate without bound. Every bound is checked while reading,
/// before the allocation it guards, and a breach is reported as
/// [`SbomError::LimitExceeded`] naming the limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of input, after gzip inflation.
    pub max_input_bytes: u64,
    /// Components in one document, nested ones included.
    pub max_components: usize,
    /// Nesting depth of components inside components (and of XML elements).
    pub max_depth: usize,
    /// Bytes in any one string value (names, licence texts, descriptions...).
    pub max_string_bytes: usize,
    /// Dependency edges (CycloneDX `dependsOn`/`provides`, SPDX relationships).
    pub max_edges: usize,
    /// Items in any one array other than components and dependencies
    /// (hashes, properties, licences, external references...).
    pub max_array_items: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_input_bytes: 1 << 30,
            max_components: 2_000_000,
            max_depth: 64,
            max_string_bytes: 32 << 20,
            max_edges: 20_000_000,
            max_array_items: 1_000_000,
        }
    }
}

impl Limits {
    pub(crate) fn check_input(&self, len: u64) -> Result<(), SbomError> {
        if len > self.max_input_bytes {
            return Err(SbomError::limit(
                "max_input_bytes",
                self.max_input_bytes,
                None,
            ));
        }
        Ok(())
    }
}
