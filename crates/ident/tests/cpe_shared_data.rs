//! Every CPE string in the shared SBOMs and NVD records reads, and each
//! binding reads back to the same name.

mod cpe_support;

use medsec_ident::cpe::Wfn;

#[test]
fn every_shared_cpe_parses_and_round_trips() {
    let Some(data) = medsec_testdata::require("every_shared_cpe_parses_and_round_trips") else {
        return;
    };
    let all = cpe_support::shared_cpe_strings(&data);
    assert!(
        all.len() > 500,
        "expected the shared data's CPE strings, found {}",
        all.len()
    );
    let mut failures = Vec::new();
    for s in &all {
        match Wfn::parse(s) {
            Ok(w) => {
                let fs = w.to_fs();
                assert_eq!(Wfn::parse_fs(&fs).as_ref(), Ok(&w), "{s} -> {fs}");
                // The URI binding lowercases on the way back (6.1.3.2 decode).
                let uri = w.to_uri();
                assert_eq!(Wfn::parse_uri(&uri), Ok(w.normalized()), "{s} -> {uri}");
                // A name is equal to itself and matches itself.
                assert!(w.is_equal(&w) && w.matches(&w), "{s}");
                // serde writes the formatted string and reads it back.
                let json = serde_json::to_string(&w).unwrap();
                assert_eq!(
                    serde_json::from_str::<Wfn>(&json).ok().as_ref(),
                    Some(&w),
                    "{json}"
                );
            }
            Err(e) => failures.push(format!("{s}: {e}")),
        }
    }
    println!("{} CPE strings, {} rejected", all.len(), failures.len());
    for f in &failures {
        println!("rejected {f}");
    }
    assert!(failures.is_empty(), "rejected:\n{}", failures.join("\n"));
}
