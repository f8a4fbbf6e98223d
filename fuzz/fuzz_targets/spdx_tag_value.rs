#![no_main]
//! Bytes straight into one reader, skipping detection, so inputs that
//! detection would turn away still reach the reader's own checks.

use libfuzzer_sys::fuzz_target;
use medsec_sbom::Limits;

fuzz_target!(|data: &[u8]| {
    let _ = medsec_sbom::spdx::parse_tag_value(data, &Limits::default());
});
