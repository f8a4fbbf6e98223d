//! The public API around the scores: `scores()`, serde, Display round trips,
//! severities, v4.0 nomenclature, and no panics on any input.

use medsec_cvss::{parse, Cvss, Nomenclature, Severity, SeverityScale, Version};

#[test]
fn scores_agree_with_the_accessors_and_serialise() {
    for vector in [
        "AV:N/AC:L/Au:N/C:P/I:P/A:P",
        "AV:N/AC:L/Au:N/C:P/I:P/A:P/E:F/CDP:H/TD:M",
        "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:U/MAV:P",
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U/CR:L/AU:Y",
    ] {
        let cvss = parse(vector).expect(vector);
        let s = cvss.scores();
        assert_eq!(s.version, cvss.version());
        assert_eq!(s.vector, vector);
        assert_eq!(s.base, cvss.base_score());
        assert_eq!(s.temporal, cvss.temporal_score());
        assert_eq!(s.threat, cvss.threat_score());
        assert_eq!(s.environmental, cvss.environmental_score());
        assert_eq!(s.overall, cvss.overall_score());
        assert_eq!(s.severity, cvss.severity());
        assert_eq!(s.severity, s.severity_scale.rate(s.overall));
        assert_eq!(s.nomenclature, cvss.nomenclature());

        let json = serde_json::to_value(&s).expect("serialise scores");
        assert_eq!(json["vector"], vector);
        assert_eq!(json["version"], s.version.to_string());
        assert_eq!(json["overall"], s.overall);
        let back: medsec_cvss::Scores = serde_json::from_value(json).expect("deserialise");
        assert_eq!(back, s);

        // The vector itself serialises as its string, and back strictly.
        let json = serde_json::to_string(&cvss).expect("serialise vector");
        assert_eq!(json, format!("\"{vector}\""));
        let back: Cvss = serde_json::from_str(&json).expect("deserialise vector");
        assert_eq!(back, cvss);
    }
    let bad: Result<Cvss, _> = serde_json::from_str("\"CVSS:3.1/AV:N\"");
    let msg = bad.expect_err("incomplete vector").to_string();
    assert!(msg.contains("missing mandatory metric AC"), "{msg}");
}

#[test]
fn overall_is_the_most_specific_defined_score() {
    let base_only = parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:X/MAV:X").unwrap();
    assert_eq!(base_only.overall_score(), base_only.base_score());
    let temporal = parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:U").unwrap();
    assert_eq!(Some(temporal.overall_score()), temporal.temporal_score());
    let env = parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:U/MAV:P").unwrap();
    assert_eq!(Some(env.overall_score()), env.environmental_score());

    let v2 = parse("AV:N/AC:L/Au:N/C:P/I:P/A:P/E:ND/RL:ND").unwrap();
    assert_eq!(v2.temporal_score(), None);
    assert_eq!(v2.overall_score(), v2.base_score());
    assert_eq!(v2.severity_scale(), SeverityScale::NvdV2);
}

#[test]
fn v4_nomenclature_follows_the_groups_defined() {
    let base = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N";
    for (suffix, nomenclature) in [
        ("", Nomenclature::CvssB),
        ("/E:X/CR:X/S:P", Nomenclature::CvssB),
        ("/E:P", Nomenclature::CvssBT),
        ("/MAV:L", Nomenclature::CvssBE),
        ("/E:U/AR:L", Nomenclature::CvssBTE),
    ] {
        let v = parse(&format!("{base}{suffix}")).unwrap();
        assert_eq!(v.nomenclature(), Some(nomenclature), "{suffix}");
        assert_eq!(
            v.threat_score().is_some(),
            suffix.contains("E:P") || suffix.contains("E:U")
        );
        assert_eq!(v.temporal_score(), None);
        let Cvss::V4(inner) = &v else {
            panic!("not v4")
        };
        assert_eq!(v.overall_score(), inner.score());
    }
    // Supplemental metrics never change the score.
    let plain = parse(base).unwrap();
    let supplemental = parse(&format!("{base}/S:P/AU:Y/R:I/V:C/RE:H/U:Red")).unwrap();
    assert_eq!(plain.overall_score(), supplemental.overall_score());
}

#[test]
fn severity_scales_follow_their_definitions() {
    // CVSS v3.1 section 5 / v4.0 section 6: None 0.0, Low 0.1-3.9,
    // Medium 4.0-6.9, High 7.0-8.9, Critical 9.0-10.0.
    let cvss = SeverityScale::Cvss;
    assert_eq!(cvss.rate(0.0), Severity::None);
    assert_eq!(cvss.rate(0.1), Severity::Low);
    assert_eq!(cvss.rate(3.9), Severity::Low);
    assert_eq!(cvss.rate(4.0), Severity::Medium);
    assert_eq!(cvss.rate(6.9), Severity::Medium);
    assert_eq!(cvss.rate(7.0), Severity::High);
    assert_eq!(cvss.rate(8.9), Severity::High);
    assert_eq!(cvss.rate(9.0), Severity::Critical);
    assert_eq!(cvss.rate(10.0), Severity::Critical);
    // NVD's v2 bands: Low 0.0-3.9, Medium 4.0-6.9, High 7.0-10.0.
    let nvd = SeverityScale::NvdV2;
    assert_eq!(nvd.rate(0.0), Severity::Low);
    assert_eq!(nvd.rate(3.9), Severity::Low);
    assert_eq!(nvd.rate(4.0), Severity::Medium);
    assert_eq!(nvd.rate(6.9), Severity::Medium);
    assert_eq!(nvd.rate(7.0), Severity::High);
    assert_eq!(nvd.rate(10.0), Severity::High);
    assert_eq!(
        serde_json::to_string(&Severity::Critical).unwrap(),
        "\"CRITICAL\""
    );
}

#[test]
fn versions_are_reported() {
    for (vector, version) in [
        ("AV:N/AC:L/Au:N/C:P/I:P/A:P", Version::V2_0),
        (
            "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            Version::V3_0,
        ),
        (
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            Version::V3_1,
        ),
        (
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
            Version::V4_0,
        ),
    ] {
        assert_eq!(parse(vector).unwrap().version(), version);
        assert_eq!(vector.parse::<Cvss>().unwrap().version(), version);
    }
}

/// Deterministic generator for the mutation test.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Parsing never panics; whatever parses scores within 0-10 and
/// round-trips through its canonical string.
#[test]
fn mutated_vectors_never_panic() {
    let seeds = [
        "AV:N/AC:L/Au:N/C:P/I:P/A:P/E:F/RL:OF/RC:C/CDP:H/TD:M/CR:H/IR:L/AR:M",
        "CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:N/E:H/RL:O/RC:C/CR:H/IR:H/AR:H/MAV:N/MAC:L/MPR:L/MUI:N/MS:C/MC:H/MI:H/MA:H",
        "CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:N/I:N/A:L/E:U/RL:W/RC:R/MS:C/MPR:H",
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/E:U/CR:L/IR:M/AR:H/MAV:P/MAC:H/MAT:P/MPR:H/MUI:A/MVC:L/MVI:N/MVA:L/MSC:N/MSI:S/MSA:S/S:P/AU:Y/R:I/V:C/RE:H/U:Amber",
    ];
    let alphabet: Vec<char> = "/:()ACDEHILMNOPRSTUVXYZacdeilnrsuz0123456789.- \u{e9}\u{1F600}\0"
        .chars()
        .collect();
    let mut rng = Rng(7);
    let mut accepted = 0;
    let mut check = |s: &str| {
        if let Ok(v) = parse(s) {
            accepted += 1;
            for score in [
                Some(v.base_score()),
                v.temporal_score(),
                v.threat_score(),
                v.environmental_score(),
                Some(v.overall_score()),
            ]
            .into_iter()
            .flatten()
            {
                assert!((0.0..=10.0).contains(&score), "{s}: score {score}");
            }
            let again = parse(&v.to_string()).expect("canonical string parses");
            assert_eq!(again, v, "{s}");
        }
    };
    for seed in seeds {
        let chars: Vec<char> = seed.chars().collect();
        for cut in 0..=chars.len() {
            check(&chars[..cut].iter().collect::<String>());
            check(&chars[cut..].iter().collect::<String>());
        }
        for _ in 0..3000 {
            let mut m = chars.clone();
            for _ in 0..=rng.below(3) {
                let at = rng.below(m.len());
                match rng.below(3) {
                    0 if !m.is_empty() => {
                        m.remove(at);
                    }
                    1 => m.insert(at, alphabet[rng.below(alphabet.len())]),
                    _ if !m.is_empty() => m[at] = alphabet[rng.below(alphabet.len())],
                    _ => {}
                }
            }
            check(&m.iter().collect::<String>());
        }
        // Components reordered, dropped or doubled.
        let parts: Vec<&str> = seed.split('/').collect();
        for _ in 0..2000 {
            let mut p = parts.clone();
            let (a, b) = (rng.below(p.len()), rng.below(p.len()));
            match rng.below(3) {
                0 => p.swap(a, b),
                1 => {
                    p.remove(a);
                }
                _ => p.insert(a, parts[b]),
            }
            check(&p.join("/"));
        }
    }
    assert!(accepted > 0, "some mutations stay valid");
}
