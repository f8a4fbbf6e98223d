#![no_main]
//! Any bytes through format detection and whichever reader it picks, with
//! small limits so the limit paths are exercised too.

use libfuzzer_sys::fuzz_target;
use medsec_sbom::Limits;

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_input_bytes: 1 << 20,
        max_components: 200,
        max_depth: 8,
        max_string_bytes: 4096,
        max_edges: 1000,
        max_array_items: 200,
    };
    let _ = medsec_sbom::parse_with_limits(data, &limits);
});
