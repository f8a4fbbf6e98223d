//! Request values parsed once at the edge into types that can only hold
//! valid values; handlers never re-check them.

mod cve_id;
mod device;
mod idempotency_key;
mod job_cursor;
mod page_limit;
mod sbom_upload;

pub use cve_id::CveId;
pub use device::DeviceContextInput;
pub use idempotency_key::IdempotencyKey;
pub use job_cursor::JobCursorToken;
pub use page_limit::PageLimit;
pub use sbom_upload::{SbomUpload, SubmittedFormat};
