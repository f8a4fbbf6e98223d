#![no_main]
//! A CPE name that parses must bind to both forms and read back equal.

use libfuzzer_sys::fuzz_target;
use medsec_ident::cpe::Wfn;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(name) = Wfn::parse(text) {
        let fs = name.to_fs();
        let again = Wfn::parse(&fs).unwrap_or_else(|e| panic!("{fs:?} from {text:?} does not parse: {e}"));
        assert_eq!(again, name, "formatted-string round trip changed {text:?}");
        let _ = name.to_uri();
        let _ = name.matches(&again);
    }
});
