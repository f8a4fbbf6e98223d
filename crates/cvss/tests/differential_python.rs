//! Differential test against Red Hat's reference implementation, the Python
//! `cvss` package (PyPI), over random vectors of every version with their
//! temporal/threat and environmental metrics.
//!
//! One `python3` process reads vectors on stdin and prints its scores; when
//! `import cvss` fails the test says it was skipped and returns.

use std::io::Write;
use std::process::{Command, Stdio};

/// Per line: `VECTOR`; prints `base|temporal|environmental` for v2/v3 (the
/// package's `scores()`), and for v4 the package's score of the base metrics
/// alone, of base + threat, of base + threat + environmental, and of the
/// whole vector, each computed on the corresponding sub-vector.
const SCRIPT: &str = r#"
import sys
from cvss import CVSS2, CVSS3, CVSS4
from cvss.constants4 import METRICS_MANDATORY

ENV4 = {"CR", "IR", "AR", "MAV", "MAC", "MAT", "MPR", "MUI", "MVC", "MVI", "MVA", "MSC", "MSI", "MSA"}

def fmt(x):
    return "None" if x is None else repr(float(x) + 0.0)

for line in sys.stdin:
    v = line.strip()
    try:
        if v.startswith("CVSS:4.0/"):
            fields = v.split("/")[1:]
            keep = lambda allowed: "CVSS:4.0/" + "/".join(f for f in fields if f.split(":")[0] in allowed)
            base = set(METRICS_MANDATORY)
            out = [
                CVSS4(keep(base)).base_score,
                CVSS4(keep(base | {"E"})).base_score,
                CVSS4(keep(base | {"E"} | ENV4)).base_score,
                CVSS4(v).base_score,
            ]
        elif v.startswith("CVSS:3"):
            out = CVSS3(v).scores()
        else:
            out = CVSS2(v).scores()
        print("|".join(fmt(x) for x in out))
    except Exception as e:
        print("ERR " + type(e).__name__ + ": " + str(e).replace("\n", " "))
    sys.stdout.flush()
"#;

/// splitmix64: a small deterministic generator, so every run tests the
/// same vectors.
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
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

type Table = &'static [(&'static str, &'static [&'static str], bool)];

// Metric tables written from the specifications' metric value lists.
const V2: Table = &[
    ("AV", &["L", "A", "N"], true),
    ("AC", &["H", "M", "L"], true),
    ("Au", &["M", "S", "N"], true),
    ("C", &["N", "P", "C"], true),
    ("I", &["N", "P", "C"], true),
    ("A", &["N", "P", "C"], true),
    ("E", &["U", "POC", "F", "H", "ND"], false),
    ("RL", &["OF", "TF", "W", "U", "ND"], false),
    ("RC", &["UC", "UR", "C", "ND"], false),
    ("CDP", &["N", "L", "LM", "MH", "H", "ND"], false),
    ("TD", &["N", "L", "M", "H", "ND"], false),
    ("CR", &["L", "M", "H", "ND"], false),
    ("IR", &["L", "M", "H", "ND"], false),
    ("AR", &["L", "M", "H", "ND"], false),
];

const V3: Table = &[
    ("AV", &["N", "A", "L", "P"], true),
    ("AC", &["L", "H"], true),
    ("PR", &["N", "L", "H"], true),
    ("UI", &["N", "R"], true),
    ("S", &["U", "C"], true),
    ("C", &["H", "L", "N"], true),
    ("I", &["H", "L", "N"], true),
    ("A", &["H", "L", "N"], true),
    ("E", &["X", "H", "F", "P", "U"], false),
    ("RL", &["X", "U", "W", "T", "O"], false),
    ("RC", &["X", "C", "R", "U"], false),
    ("CR", &["X", "H", "M", "L"], false),
    ("IR", &["X", "H", "M", "L"], false),
    ("AR", &["X", "H", "M", "L"], false),
    ("MAV", &["X", "N", "A", "L", "P"], false),
    ("MAC", &["X", "L", "H"], false),
    ("MPR", &["X", "N", "L", "H"], false),
    ("MUI", &["X", "N", "R"], false),
    ("MS", &["X", "U", "C"], false),
    ("MC", &["X", "H", "L", "N"], false),
    ("MI", &["X", "H", "L", "N"], false),
    ("MA", &["X", "H", "L", "N"], false),
];

const V4: Table = &[
    ("AV", &["N", "A", "L", "P"], true),
    ("AC", &["L", "H"], true),
    ("AT", &["N", "P"], true),
    ("PR", &["N", "L", "H"], true),
    ("UI", &["N", "P", "A"], true),
    ("VC", &["H", "L", "N"], true),
    ("VI", &["H", "L", "N"], true),
    ("VA", &["H", "L", "N"], true),
    ("SC", &["H", "L", "N"], true),
    ("SI", &["H", "L", "N"], true),
    ("SA", &["H", "L", "N"], true),
    ("E", &["X", "A", "P", "U"], false),
    ("CR", &["X", "H", "M", "L"], false),
    ("IR", &["X", "H", "M", "L"], false),
    ("AR", &["X", "H", "M", "L"], false),
    ("MAV", &["X", "N", "A", "L", "P"], false),
    ("MAC", &["X", "L", "H"], false),
    ("MAT", &["X", "N", "P"], false),
    ("MPR", &["X", "N", "L", "H"], false),
    ("MUI", &["X", "N", "P", "A"], false),
    ("MVC", &["X", "H", "L", "N"], false),
    ("MVI", &["X", "H", "L", "N"], false),
    ("MVA", &["X", "H", "L", "N"], false),
    ("MSC", &["X", "H", "L", "N"], false),
    ("MSI", &["X", "S", "H", "L", "N"], false),
    ("MSA", &["X", "S", "H", "L", "N"], false),
    ("S", &["X", "N", "P"], false),
    ("AU", &["X", "N", "Y"], false),
    ("R", &["X", "A", "U", "I"], false),
    ("V", &["X", "D", "C"], false),
    ("RE", &["X", "L", "M", "H"], false),
    ("U", &["X", "Clear", "Green", "Amber", "Red"], false),
];

/// A random vector: every mandatory metric, each optional one with
/// probability `optional_percent`; v2/v3 metrics are sometimes shuffled
/// (their specifications accept any order), v4's keep Table 23's order.
fn random_vector(rng: &mut Rng, prefix: &str, table: Table, optional_percent: u64) -> String {
    let mut parts: Vec<String> = Vec::new();
    for (key, values, mandatory) in table {
        if *mandatory || rng.chance(optional_percent) {
            parts.push(format!("{key}:{}", rng.pick(values)));
        }
    }
    if !prefix.starts_with("CVSS:4.0") && rng.chance(20) {
        for i in (1..parts.len()).rev() {
            parts.swap(i, rng.below(i + 1));
        }
    }
    format!("{prefix}{}", parts.join("/"))
}

/// The oracle Python with the `cvss` package, and the package's version.
fn python_with_cvss() -> Option<(String, String)> {
    let python = medsec_testdata::oracles::python_with("cvss")?;
    let version = medsec_testdata::oracles::python_package_version(&python, "cvss")?;
    Some((python.to_string_lossy().into_owned(), version))
}

fn reference_scores(python: &str, vectors: &[String]) -> Vec<String> {
    let mut child = Command::new(python)
        .args(["-c", SCRIPT])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start python");
    let mut stdin = child.stdin.take().expect("python stdin");
    let input = vectors.join("\n") + "\n";
    // Feed stdin from a thread so a full stdout pipe cannot deadlock us.
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().expect("python3 output");
    writer
        .join()
        .expect("stdin writer")
        .expect("write to python3");
    assert!(
        out.status.success(),
        "python3 failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("python3 prints UTF-8")
        .lines()
        .map(str::to_owned)
        .collect()
}

fn fmt(x: Option<f64>) -> String {
    x.map_or_else(|| "None".to_owned(), |v| format!("{v:?}"))
}

/// Our scores in the script's format.
fn our_scores(vector: &str) -> String {
    let cvss = match medsec_cvss::parse(vector) {
        Ok(c) => c,
        Err(e) => return format!("rejected: {e}"),
    };
    match &cvss {
        medsec_cvss::Cvss::V4(v) => {
            let base = v.base_score();
            // Python scores the sub-vector; ours leaves out undefined
            // groups, whose score is the same as the smaller vector's.
            let bt = v.threat_score().unwrap_or(base);
            let bte = v.environmental_score().unwrap_or(bt);
            [Some(base), Some(bt), Some(bte), Some(cvss.overall_score())]
                .map(fmt)
                .join("|")
        }
        _ => [
            Some(cvss.base_score()),
            cvss.temporal_score(),
            cvss.environmental_score(),
        ]
        .map(fmt)
        .join("|"),
    }
}

#[test]
fn matches_python_cvss_on_random_vectors() {
    let Some((python, version)) = python_with_cvss() else {
        medsec_testdata::oracles::skip(
            "matches_python_cvss_on_random_vectors",
            "python cvss package",
        );
        return;
    };
    println!("reference: python cvss {version} ({python})");
    let mut rng = Rng(0x00C0_FFEE_5EED_2024);
    let mut vectors = Vec::new();
    for i in 0..3000 {
        // Alternate sparse and dense optional metrics.
        let optional = if i % 2 == 0 { 30 } else { 80 };
        vectors.push(random_vector(&mut rng, "", V2, optional));
        vectors.push(random_vector(&mut rng, "CVSS:3.0/", V3, optional));
        vectors.push(random_vector(&mut rng, "CVSS:3.1/", V3, optional));
        vectors.push(random_vector(&mut rng, "CVSS:4.0/", V4, optional));
    }
    let reference = reference_scores(&python, &vectors);
    assert_eq!(
        reference.len(),
        vectors.len(),
        "python answered every vector"
    );
    let mut mismatches = 0;
    for (vector, expected) in vectors.iter().zip(&reference) {
        let got = our_scores(vector);
        if &got != expected {
            mismatches += 1;
            println!("{vector}: python {expected}, ours {got}");
        }
    }
    println!("{} vectors, {mismatches} mismatches", vectors.len());
    assert_eq!(mismatches, 0);
}
