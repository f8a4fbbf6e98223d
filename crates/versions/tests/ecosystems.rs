//! Ecosystem names against the OSV schema's own list (ecosystems.json).

use medsec_versions::Ecosystem;

#[test]
fn osv_names_we_map_exist_in_the_osv_schema() {
    let Some(data) = medsec_testdata::require("osv_names_we_map_exist_in_the_osv_schema") else {
        return;
    };
    let path = data.join("schemas/osv/ecosystems.json");
    let list: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(&medsec_testdata::read(&path)).expect("ecosystems.json");
    let mut missing = Vec::new();
    for (name, eco) in Ecosystem::osv_names() {
        if !list.contains_key(*name) {
            missing.push(*name);
        }
        assert_eq!(Ecosystem::from_osv(name), Some(*eco));
        assert_eq!(
            Ecosystem::from_osv(&format!("{name}:1.0")),
            Some(*eco),
            "{name}:suffix"
        );
    }
    assert!(missing.is_empty(), "not OSV ecosystems: {missing:?}");
    // Every name of the schema has an answer: an exact order or generic.
    let mut generic = 0;
    for name in list.keys() {
        if Ecosystem::from_osv_or_generic(name) == Ecosystem::Generic {
            generic += 1;
            assert!(!Ecosystem::from_osv_or_generic(name).is_exact());
        }
    }
    eprintln!(
        "{} of {} OSV ecosystems have an exact order, {generic} fall back to generic",
        list.len() - generic,
        list.len()
    );
}

#[test]
fn purl_types_we_map_exist_in_the_purl_type_index() {
    let Some(data) = medsec_testdata::require("purl_types_we_map_exist_in_the_purl_type_index")
    else {
        return;
    };
    let path = data.join("testvectors/purl/purl-types-index.json");
    let index: Vec<String> =
        serde_json::from_slice(&medsec_testdata::read(&path)).expect("purl-types-index.json");
    for (t, eco) in Ecosystem::purl_types() {
        assert!(index.iter().any(|i| i == t), "{t} is not a purl type");
        assert_eq!(Ecosystem::from_purl_type(&t.to_uppercase()), Some(*eco));
    }
    assert_eq!(Ecosystem::from_purl_type("generic"), None);
}

#[test]
fn vers_types_round_trip() {
    for eco in Ecosystem::ALL {
        assert_eq!(Ecosystem::from_vers_type(eco.vers_type()), Some(eco));
    }
}
