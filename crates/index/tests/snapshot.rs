//! The snapshot file: round trip, determinism, damage detection.

mod common;

use std::io::Cursor;
use std::sync::OnceLock;

use medsec_index::{
    from_snapshot_bytes, read_snapshot, read_snapshot_file, snapshot_generation, to_snapshot_bytes,
    write_snapshot, write_snapshot_file, Index, SnapshotError,
};

struct Fixture {
    records: common::Records,
    index: Index,
    bytes: Vec<u8>,
}

fn fixture(test: &str) -> Option<&'static Fixture> {
    static F: OnceLock<Option<Fixture>> = OnceLock::new();
    let data = medsec_testdata::require(test)?;
    F.get_or_init(|| {
        let records = common::load(&data);
        let index = common::builder(records.clone()).build(42);
        let bytes = to_snapshot_bytes(&index).unwrap();
        Some(Fixture {
            records,
            index,
            bytes,
        })
    })
    .as_ref()
}

/// A header with a recomputed checksum, so the payload itself is tested.
fn reseal(bytes: &mut [u8]) {
    let mut h = crc32fast::Hasher::new();
    h.update(&bytes[8..36]);
    h.update(&bytes[40..]);
    let crc = h.finalize();
    bytes[36..40].copy_from_slice(&crc.to_le_bytes());
}

#[test]
fn round_trip_gives_the_same_index() {
    let Some(f) = fixture("round_trip_gives_the_same_index") else {
        return;
    };
    let mut out = Vec::new();
    write_snapshot(&f.index, &mut out).unwrap();
    assert_eq!(out, f.bytes);
    let back = read_snapshot(Cursor::new(&out)).unwrap();
    assert_eq!(back, f.index);
    assert_eq!(back.generation(), 42);
    back.verify_records().unwrap();
    assert_eq!(back.len(), f.index.len());
    let all: Vec<_> = back.records_iter().map(Result::unwrap).collect();
    let again: Vec<_> = f.index.records_iter().map(Result::unwrap).collect();
    assert_eq!(all, again);
    assert_eq!(to_snapshot_bytes(&back).unwrap(), f.bytes);
    // Lookups answer the same after loading.
    let purl = medsec_ident::purl::PackageUrl::parse("pkg:npm/undici@5.26.3").unwrap();
    assert_eq!(
        back.affected_by(&purl).unwrap(),
        f.index.affected_by(&purl).unwrap()
    );
    assert!(!back.affected_by(&purl).unwrap().is_empty());
    let kev = &f.records.kev[0].cve_id;
    assert_eq!(back.enrichment(kev), f.index.enrichment(kev));
}

#[test]
fn shuffled_input_gives_identical_bytes() {
    let Some(f) = fixture("shuffled_input_gives_identical_bytes") else {
        return;
    };
    let mut r = f.records.clone();
    common::shuffle(&mut r.vulns, 1);
    common::shuffle(&mut r.kev, 2);
    common::shuffle(&mut r.epss, 3);
    common::shuffle(&mut r.cwe, 4);
    common::shuffle(&mut r.csaf, 5);
    // Kinds in another order too.
    let mut b = medsec_index::IndexBuilder::new();
    for a in r.csaf {
        b.add_csaf(a);
    }
    for c in r.cwe {
        b.add_cwe(c);
    }
    for s in r.epss {
        b.add_epss(&r.epss_meta, s);
    }
    b.add_vulnerabilities(r.vulns);
    for e in r.kev {
        b.add_kev(e);
    }
    let shuffled = to_snapshot_bytes(&b.build(42)).unwrap();
    assert!(shuffled == f.bytes, "snapshots differ");
    // Duplicates (one CVE in several NVD files) were present and resolved.
    assert!(f.index.meta().duplicates_dropped > 0);
}

#[test]
fn generation_survives_the_round_trip() {
    let Some(f) = fixture("generation_survives_the_round_trip") else {
        return;
    };
    let mut b = medsec_index::IndexBuilder::new();
    b.add_vulnerabilities(f.records.vulns.iter().take(50).cloned());
    let gen = u64::MAX - 3;
    let bytes = to_snapshot_bytes(&b.build(gen)).unwrap();
    assert_eq!(snapshot_generation(&bytes).unwrap(), gen);
    assert_eq!(from_snapshot_bytes(&bytes).unwrap().generation(), gen);
    let path = std::env::temp_dir().join(format!("medsec-index-{}.snap", std::process::id()));
    write_snapshot_file(&f.index, &path).unwrap();
    let back = read_snapshot_file(&path).unwrap();
    std::fs::remove_file(&path).ok();
    assert_eq!(back.generation(), 42);
    assert_eq!(back, f.index);
}

#[test]
fn damaged_snapshots_are_refused_with_the_reason() {
    let Some(f) = fixture("damaged_snapshots_are_refused_with_the_reason") else {
        return;
    };
    let good = &f.bytes;
    // Truncated anywhere.
    for cut in [0, 5, 39, 40, 41, good.len() / 2, good.len() - 1] {
        let err = from_snapshot_bytes(&good[..cut]).unwrap_err();
        let ok = match (cut, &err) {
            (0, SnapshotError::NotASnapshot) => true,
            (1..40, SnapshotError::TruncatedHeader { found }) => *found == cut,
            (_, SnapshotError::Truncated { expected, found }) => {
                *expected == (good.len() - 40) as u64 && *found == (cut - 40) as u64
            }
            _ => false,
        };
        assert!(ok, "cut at {cut}: {err}");
        assert!(
            err.to_string().contains("trunc") || err.to_string().contains("cut off") || cut == 0,
            "{err}"
        );
    }
    // One flipped bit in the payload, or in the stated generation.
    for pos in [40, 48, good.len() / 3, good.len() - 1, 12] {
        let mut bad = good.clone();
        bad[pos] ^= 0x10;
        let err = from_snapshot_bytes(&bad).unwrap_err();
        assert!(
            matches!(err, SnapshotError::ChecksumMismatch { .. }),
            "byte {pos}: {err}"
        );
        assert!(err.to_string().contains("corrupted"));
    }
    let mut bad = good.clone();
    bad[0] = b'X';
    assert!(matches!(
        from_snapshot_bytes(&bad),
        Err(SnapshotError::NotASnapshot)
    ));
    let mut bad = good.clone();
    bad[8] = 9;
    assert!(matches!(
        from_snapshot_bytes(&bad),
        Err(SnapshotError::UnsupportedVersion { found: 9, .. })
    ));
    let mut bad = good.clone();
    bad.push(0);
    assert!(matches!(
        from_snapshot_bytes(&bad),
        Err(SnapshotError::TrailingBytes { extra: 1 })
    ));
    // A record store cut short, with lengths and checksum made to agree:
    // the record offsets no longer fit.
    let mut short = good[..good.len() - 10].to_vec();
    let store_len = u64::from_le_bytes(short[28..36].try_into().unwrap()) - 10;
    short[28..36].copy_from_slice(&store_len.to_le_bytes());
    reseal(&mut short);
    assert!(matches!(
        from_snapshot_bytes(&short),
        Err(SnapshotError::Inconsistent(_))
    ));
}

#[test]
fn altered_payloads_with_valid_checksums_never_panic() {
    let Some(f) = fixture("altered_payloads_with_valid_checksums_never_panic") else {
        return;
    };
    let mut b = medsec_index::IndexBuilder::new();
    b.add_vulnerabilities(f.records.vulns.iter().step_by(40).cloned());
    for e in f.records.kev.iter().take(20) {
        b.add_kev(e.clone());
    }
    for a in f.records.csaf.iter().take(3) {
        b.add_csaf(a.clone());
    }
    let good = to_snapshot_bytes(&b.build(3)).unwrap();
    let purl = medsec_ident::purl::PackageUrl::parse("pkg:pypi/django@1.2").unwrap();
    let cpe =
        medsec_ident::cpe::Wfn::parse("cpe:2.3:a:busybox:busybox:1.30.0:*:*:*:*:*:*:*").unwrap();
    let (mut refused, mut loaded) = (0, 0);
    let mut s: u64 = 0x9e37_79b9_7f4a_7c15;
    for round in 0..300 {
        let mut bad = good.clone();
        for _ in 0..(1 + round % 4) {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let pos = 40 + (s as usize) % (bad.len() - 40);
            bad[pos] = (s >> 32) as u8;
        }
        reseal(&mut bad);
        match from_snapshot_bytes(&bad) {
            Err(e) => {
                assert!(
                    matches!(e, SnapshotError::Decode(_) | SnapshotError::Inconsistent(_)),
                    "{e}"
                );
                refused += 1;
            }
            // What loads must answer queries without panicking; a damaged
            // record shows up as a record error.
            Ok(index) => {
                loaded += 1;
                let _ = index.affected_by(&purl);
                let _ = index.evaluate_cpe(&cpe);
                let _ = index.enrichment("CVE-2021-44228");
                let _ = index.records_iter().filter(Result::is_err).count();
                let _ = index.verify_records();
            }
        }
    }
    assert!(
        refused > 0 && refused + loaded == 300,
        "refused {refused}, loaded {loaded}"
    );
}
