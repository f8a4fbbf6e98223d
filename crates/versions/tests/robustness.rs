//! No input makes the library panic or recurse without bound: generated
//! strings over the characters versions are made of, pathological
//! lengths and nestings, through every parser, comparison, vers and OSV
//! entry point.

mod common;

use common::Rng;
use medsec_versions::osv::{self, Affected, Event, Range};
use medsec_versions::vers::{from_native, VersRange};
use medsec_versions::{compare, sort_versions, Ecosystem, Version};

const ALPHABET: &[&str] = &[
    "0",
    "1",
    "2",
    "9",
    "00",
    "10",
    "99999999999999999999",
    ".",
    ".",
    "-",
    "-",
    "_",
    "+",
    "~",
    "^",
    ":",
    "!",
    "=",
    "<",
    ">",
    "*",
    "|",
    "%",
    "%2",
    "%25",
    " ",
    "v",
    "V",
    "r",
    "a",
    "b",
    "rc",
    "pre",
    "alpha",
    "beta",
    "p",
    "post",
    "dev",
    "SNAPSHOT",
    "final",
    "x",
    "z",
    "T",
    "Z",
    "é",
    "١",
    "\u{0}",
    "\t",
    "/",
    ",",
    "[",
    "]",
    "(",
    ")",
    "||",
    "vers:",
    "npm/",
    "pypi/",
];

fn random_strings(n: usize, seed: u64) -> Vec<String> {
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|_| {
            let len = rng.below(12);
            (0..len)
                .map(|_| ALPHABET[rng.below(ALPHABET.len())])
                .collect()
        })
        .collect()
}

fn nasty() -> Vec<String> {
    vec![
        String::new(),
        "1".repeat(10_000),
        "1.".repeat(5_000),
        "1-".repeat(50_000),
        "a1".repeat(50_000),
        "1a-".repeat(20_000),
        "-".repeat(10_000),
        "~".repeat(10_000),
        "1.2.3-".to_string() + &"a.".repeat(5_000),
        "9".repeat(400) + ".0.0",
        "1_".repeat(5_000),
        "1:".repeat(5_000),
        "2024-01-01T00:00:00.".to_string() + &"9".repeat(5_000) + "Z",
        "9999-12-31T23:59:60+23:59".into(),
        "0000-02-29T00:00:00Z".into(),
    ]
}

#[test]
fn parsers_and_comparisons_never_panic() {
    let mut inputs = random_strings(4_000, 7);
    inputs.extend(nasty());
    let mut parsed = 0usize;
    for eco in Ecosystem::ALL {
        let mut ok: Vec<Version> = Vec::new();
        for s in &inputs {
            if let Ok(v) = Version::parse(eco, s) {
                ok.push(v);
            }
        }
        parsed += ok.len();
        for (i, a) in ok.iter().enumerate().take(300) {
            for b in ok.iter().skip(i).take(300) {
                let _ = a.cmp(b);
                let _ = compare(eco, a.as_str(), b.as_str());
            }
        }
        sort_versions(&mut ok);
    }
    assert!(parsed > 0);
}

#[test]
fn deep_maven_nesting_is_refused_not_recursed() {
    let deep = "1-".repeat(100_000);
    let err = Version::parse(Ecosystem::Maven, &deep).expect_err("too deep");
    assert!(err.reason.contains("nested"), "{err}");
    // A long flat version is fine.
    assert!(Version::parse(Ecosystem::Maven, &"1.".repeat(10_000)).is_ok());
}

#[test]
fn vers_and_native_ranges_never_panic() {
    let mut inputs = random_strings(3_000, 11);
    inputs.extend(nasty());
    for s in &inputs {
        for candidate in [
            s.clone(),
            format!("vers:npm/{s}"),
            format!("vers:pypi/{s}|<{s}"),
        ] {
            if let Ok(r) = VersRange::parse(&candidate) {
                let _ = r.to_string();
                let _ = r.contains(s);
                let _ = r.contains("1.0.0");
                let _ = r.validate_sequence();
            }
            let _ = VersRange::parse_canonical(&candidate);
        }
        for eco in Ecosystem::ALL {
            if let Ok(r) = from_native(eco, s) {
                let _ = r.contains("1.0.0");
            }
        }
    }
}

#[test]
fn osv_evaluation_never_panics() {
    let strings = random_strings(600, 13);
    let mut rng = Rng::new(17);
    for eco in Ecosystem::ALL {
        for _ in 0..60 {
            let mut events = Vec::new();
            for _ in 0..rng.below(6) {
                let v = strings[rng.below(strings.len())].clone();
                let mut e = Event::default();
                match rng.below(4) {
                    0 => e.introduced = Some(if rng.below(3) == 0 { "0".into() } else { v }),
                    1 => e.fixed = Some(v),
                    2 => e.last_affected = Some(v),
                    _ => e.limit = Some(if rng.below(3) == 0 { "*".into() } else { v }),
                }
                events.push(e);
            }
            let kinds = ["ECOSYSTEM", "SEMVER", "GIT", "OTHER"];
            let aff = Affected {
                package: None,
                ranges: vec![Range {
                    range_type: kinds[rng.below(kinds.len())].into(),
                    repo: None,
                    events,
                }],
                versions: vec![strings[rng.below(strings.len())].clone()],
            };
            for v in strings.iter().take(40) {
                let _ = osv::evaluate(&aff, eco, v);
            }
        }
    }
}
