#![no_main]
//! A purl that parses must print canonically, and the canonical form must
//! parse back to itself.

use libfuzzer_sys::fuzz_target;
use medsec_ident::purl::PackageUrl;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(purl) = PackageUrl::parse(text) {
        let canonical = purl.to_string();
        let again = PackageUrl::parse(&canonical)
            .unwrap_or_else(|e| panic!("canonical {canonical:?} of {text:?} does not parse: {e}"));
        assert_eq!(again.to_string(), canonical, "canonical form is not stable for {text:?}");
    }
});
