//! Differential tests against the reference implementations:
//! Python `packaging.version` (PyPI), node-semver (npm),
//! `dpkg --compare-versions` (Debian), Maven's own `ComparableVersion`
//! (maven-artifact, from Debian's `maven` package), RubyGems'
//! `Gem::Version` (Debian's `ruby`) and rpm's `rpm.ver` (Debian's
//! `python3-rpm`). Inputs are every version string in
//! the OSV data (vulns/osv/{Go,crates.io,Maven,npm,NuGet} JSON and PyPI
//! YAML) plus edge cases written for each scheme. Each reference runs as
//! one process fed over stdin.
//!
//! Checked: every input is accepted by us exactly when the reference
//! accepts it, and every compared pair (each package's versions in our
//! sorted order, adjacent pairs; random pairs across all inputs; all
//! pairs of edge cases) orders the same.

mod common;

use common::{line_safe, osv_versions, Corpus, Oracle, Rng};
use medsec_versions::{sort_versions, Ecosystem, Version};
use std::cmp::Ordering;
use std::collections::BTreeSet;

const ALL_OSV: [&str; 6] = ["Go", "crates.io", "Maven", "npm", "NuGet", "PyPI"];

struct Plan<'a> {
    test: &'a str,
    oracle_name: &'a str,
    ecosystem: Ecosystem,
    oracle: Oracle,
    edge_cases: &'a [&'a str],
    /// Caps on strings parse-checked and pairs compared (dpkg starts one
    /// process per query inside its loop, so its sample is smaller).
    max_strings: usize,
    max_random_pairs: usize,
    max_adjacent_pairs: usize,
    /// False when the reference's grammar is not the ecosystem's (only
    /// the order of inputs both accept is compared).
    check_acceptance: bool,
}

fn order_str(o: Ordering) -> &'static str {
    match o {
        Ordering::Less => "-1",
        Ordering::Equal => "0",
        Ordering::Greater => "1",
    }
}

fn run(plan: Plan, corpus: &Corpus) {
    let eco = plan.ecosystem;
    let mut rng = Rng::new(0x5eed_1234_abcd_0001);
    // Unique strings: edge cases first, then the corpus (sampled to the cap).
    let mut seen = BTreeSet::new();
    let mut strings: Vec<String> = Vec::new();
    for s in plan.edge_cases {
        if seen.insert(s.to_string()) {
            strings.push(s.to_string());
        }
    }
    let mut from_corpus: Vec<String> = corpus
        .values()
        .flatten()
        .filter(|s| line_safe(s) && !s.is_empty())
        .filter(|s| seen.insert(s.to_string()))
        .cloned()
        .collect();
    while strings.len() + from_corpus.len() > plan.max_strings && !from_corpus.is_empty() {
        let i = rng.below(from_corpus.len());
        from_corpus.swap_remove(i);
    }
    strings.extend(from_corpus);

    // 1. Acceptance.
    let requests: Vec<String> = strings.iter().map(|s| format!("P\t{s}")).collect();
    let answers = plan.oracle.ask(&requests);
    let mut mismatches = Vec::new();
    let mut accepted = BTreeSet::new();
    let (mut both_ok, mut both_err) = (0usize, 0usize);
    for (s, a) in strings.iter().zip(&answers) {
        let theirs = a == "OK";
        let ours = Version::parse(eco, s);
        match (theirs, &ours) {
            (true, Ok(_)) => {
                both_ok += 1;
                accepted.insert(s.clone());
            }
            (false, Err(_)) => both_err += 1,
            _ if !plan.check_acceptance => {}
            (true, Err(e)) => mismatches.push(format!(
                "{s:?}: {} accepts, we reject: {e}",
                plan.oracle_name
            )),
            (false, Ok(_)) => {
                mismatches.push(format!("{s:?}: {} rejects, we accept", plan.oracle_name))
            }
        }
    }

    // 2. Order.
    let parse = |s: &str| Version::parse(eco, s).expect("accepted above");
    let mut pairs: Vec<(String, String)> = Vec::new();
    let mut adjacent = 0usize;
    for versions in corpus.values() {
        let mut vs: Vec<Version> = versions
            .iter()
            .filter(|s| accepted.contains(*s))
            .map(|s| parse(s))
            .collect();
        sort_versions(&mut vs);
        for w in vs.windows(2) {
            if adjacent >= plan.max_adjacent_pairs {
                break;
            }
            if let [a, b] = w {
                pairs.push((a.as_str().to_string(), b.as_str().to_string()));
                adjacent += 1;
            }
        }
    }
    let pool: Vec<&String> = accepted.iter().collect();
    for _ in 0..plan.max_random_pairs.min(pool.len() * pool.len()) {
        let a = pool[rng.below(pool.len())];
        let b = pool[rng.below(pool.len())];
        pairs.push((a.clone(), b.clone()));
    }
    let edge: Vec<&&str> = plan
        .edge_cases
        .iter()
        .filter(|s| accepted.contains(**s))
        .collect();
    for a in &edge {
        for b in &edge {
            pairs.push((a.to_string(), b.to_string()));
        }
    }
    let requests: Vec<String> = pairs.iter().map(|(a, b)| format!("C\t{a}\t{b}")).collect();
    let answers = plan.oracle.ask(&requests);
    let mut order_mismatches = 0usize;
    for ((a, b), theirs) in pairs.iter().zip(&answers) {
        let ours = order_str(parse(a).cmp(&parse(b)));
        if ours != theirs {
            order_mismatches += 1;
            mismatches.push(format!(
                "{a:?} vs {b:?}: {} says {theirs}, we say {ours}",
                plan.oracle_name
            ));
        }
    }

    for m in mismatches.iter().take(100) {
        eprintln!("  {m}");
    }
    eprintln!(
        "{} ({}): vs {}: {} strings ({both_ok} accepted by both, {both_err} rejected by both), \
         {} pairs ({adjacent} adjacent in per-package order, {} random or edge): \
         {} acceptance and {order_mismatches} order mismatches",
        plan.test,
        eco,
        plan.oracle_name,
        strings.len(),
        pairs.len(),
        pairs.len() - adjacent,
        mismatches.len() - order_mismatches,
    );
    assert!(both_ok > 0 && !pairs.is_empty(), "nothing was compared");
    assert!(mismatches.is_empty(), "{} mismatches", mismatches.len());
}

const PEP440_EDGE: &[&str] = &[
    "1.0",
    "1.0.0",
    "1",
    "v1.0",
    "V1.0",
    " 1.0 ",
    "1.0a1",
    "1.0alpha1",
    "1.0-a1",
    "1.0.a1",
    "1.0_a1",
    "1.0a",
    "1.0b2",
    "1.0beta2",
    "1.0rc1",
    "1.0c1",
    "1.0pre1",
    "1.0preview1",
    "1.0RC1",
    "1.0.post1",
    "1.0-1",
    "1.0post",
    "1.0.post",
    "1.0-post1",
    "1.0_post1",
    "1.0r1",
    "1.0rev1",
    "1.0.dev1",
    "1.0dev",
    "1.0-dev",
    "1.0.dev",
    "1.0a1.dev1",
    "1.0.post1.dev1",
    "1.0a1.post1",
    "1!1.0",
    "0!2.0",
    "1!1.0a1",
    "1.0+local.1",
    "1.0+abc",
    "1.0+1.a",
    "1.0+a_b-c",
    "1.0+ABC",
    "1.0+abc.5",
    "1.0+5",
    "1.0+abc.abd",
    "1.0.0.0.0",
    "1.01",
    "01.1",
    "1.0a01",
    "1.0.post01",
    "2012.10",
    "2.0.0-beta.3",
    "1.0.0+20130313144700",
    "a1.0",
    "1.0+",
    "1..0",
    "1.0.",
    "1.0a1b2",
    "1.0-",
    "1.0 1",
    "1.0--1",
    "1.0a1-1",
    "1.0.dev1+local",
    "1.0+local-1",
    "1.0+local..1",
    "0.0.0",
    "0",
    "00",
    "1e3",
];

const NPM_EDGE: &[&str] = &[
    "1.2.3",
    "v1.2.3",
    "=1.2.3",
    "= 1.2.3",
    " v1.2.3 ",
    "v=1.2.3",
    "==1.2.3",
    "vv1.2.3",
    "1.2.3-beta",
    "1.2.3beta",
    "1.2.3-beta.1",
    "1.2.3-beta.01",
    "1.2.3-0",
    "1.2.3-00",
    "1.2.3-alpha.1",
    "1.2.3-alpha.10",
    "1.2.3-alpha.2",
    "1.2.3-alpha.beta",
    "1.2.3-alpha",
    "1.2.3+build",
    "1.2.3-rc.1+build.5",
    "1.2.3+build.5",
    "01.2.3",
    "1.02.3",
    "1.2",
    "1",
    "1.2.3.4",
    "1.2.3-",
    "1.2.3--",
    "1.2.3-a..b",
    "1.2.3-a-b",
    "1.2.3--a",
    "9007199254740991.0.0",
    "9007199254740992.0.0",
    "1.2.3-9007199254740990",
    "1.2.3-9007199254740991",
    "1.2.3 ",
    "1.2.3-ALPHA",
    "1.2.3-alpha",
    "1.2.3-Alpha",
    "1.2.3+",
    "1.2.3-+",
    "1.2.3-beta+",
    "0.0.0",
    "0.0.0-0",
    "1.2.3-x.7.z.92",
    "1.0.0-alpha.beta",
    "1.0.0-beta.2",
    "1.0.0-beta.11",
    "1.0.0-rc.1",
    "1.0.0",
    "2.0.0",
    "2.1.0",
    "2.1.1",
    "1.2.3-é",
    "v 1.2.3",
    "1.2.3-1a",
    "1.2.3-a1",
    "1.2.3-1-1",
];

const DEB_EDGE: &[&str] = &[
    "1.0",
    "1.0~rc1",
    "1.0~~",
    "1.0~~a",
    "1.0~",
    "1.0-1",
    "1:1.0",
    "0:1.0",
    "1.0+dfsg-1",
    "1.0-1ubuntu1",
    "1.0-1~bpo1",
    "1.0-1+b1",
    "a1.0",
    "1.0-",
    "-1.0",
    ":1.0",
    "1:",
    "1.0 1",
    " 1.0",
    "1.0 ",
    "1.0a",
    "1.0.",
    "1.0.0",
    "01.0",
    "1.0-0",
    "1.0-00",
    "1.0+",
    "1.0-1-2",
    "1.0:1",
    "1:1.0:1",
    "2147483647:1.0",
    "2147483648:1.0",
    "1.0_1",
    "1.0-a_b",
    "1.0a.",
    "1.0a+",
    "1.0~a",
    "1.0a~",
    "1.0.~",
    "10",
    "9",
    "1.00",
    "1.0000000000000000000000001",
    "1.0000000000000000000000002",
    "999999999999999999999999",
    "1.0-1.1",
    "1.0-1.a",
    "2:0",
    "1.2.3+git20200101.abcdef-2",
    "1.0 1.0",
    "1.0\u{00e9}",
];

const MAVEN_EDGE: &[&str] = &[
    "1",
    "1.0",
    "1.0.0",
    "1-0",
    "1.0-0",
    "1.0-SNAPSHOT",
    "1-SNAPSHOT",
    "1.0-alpha-1",
    "1.0a1",
    "1.0-a1",
    "1.0.RELEASE",
    "1.0-release",
    "1.0.Final",
    "1.0-final",
    "1.0-ga",
    "1.0-GA",
    "1.0-cr1",
    "1.0-rc1",
    "1.0-RC1",
    "1.0-sp1",
    "1.0-sp",
    "1.0-1",
    "1.0.1",
    "1.0-abc",
    "1.0.abc",
    "1.0-xyz",
    "1-1.foo-bar1baz-.1",
    "1.0.0.0",
    "2.0.0.RC1",
    "2.0.0-RC2",
    "1.0-M1",
    "1.0m1",
    "1.0-milestone-1",
    "1.0-beta-1",
    "1.0b1",
    "1.0.x",
    "1.0-x",
    "1.0-",
    "1..0",
    "-1",
    ".1",
    "1.0_1",
    "1.0+1",
    "1.0-20210101.123456-1",
    "1.0-alpha1-SNAPSHOT",
    "31.1-jre",
    "29.0-android",
    "RELEASE",
    "LATEST",
    "1.0.0-ALPHA",
    "10000000000",
    "100000000000000000000",
    "1.0-\u{3b1}",
    "1.0.0.Beta2",
    "1.0.0.CR1",
    "1.0-alpha",
    "1.0-beta",
    "1.0-milestone",
    "1.0-snapshot",
    "1.0-pre",
    "1a",
    "1b",
    "1m",
    "1c",
    "1-a",
    "1.a",
    "a1",
    "1.0.0-1-1",
    "1-1-1-1",
    "0",
    "0.0",
    "0-0",
    "000",
    "1.01",
    "1.0001",
    "2-1",
    "2.0.a",
    "2.0.0.a",
    "2-a",
    "1.0.0.RC1",
    "1.0.0-RC2",
    "1.0.RC2",
    "1.0-RC3",
    "1.0.X2",
    "1.0-X3",
];

#[test]
fn maven_vs_comparable_version() {
    let test = "maven_vs_comparable_version";
    let jar = std::path::Path::new("/usr/share/maven/lib/maven-artifact-3.x.jar");
    let java_ok = std::process::Command::new("java")
        .arg("-version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !jar.is_file() || !java_ok {
        return common::skip(test, "maven-artifact (Debian package maven)");
    }
    let Some(data) = medsec_testdata::require(test) else {
        return;
    };
    // Java runs a single source file directly; it reads requests on stdin.
    let source = r#"
import org.apache.maven.artifact.versioning.ComparableVersion;
import java.io.*;
import java.nio.charset.StandardCharsets;
public class MavenOracle {
  public static void main(String[] args) throws Exception {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    PrintWriter out = new PrintWriter(new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8)));
    String line;
    while ((line = in.readLine()) != null) {
      String[] p = line.split("\\t", -1);
      if (p[0].equals("P")) {
        try { new ComparableVersion(p[1]); out.println("OK"); } catch (RuntimeException e) { out.println("ERR"); }
      } else {
        int c = new ComparableVersion(p[1]).compareTo(new ComparableVersion(p[2]));
        out.println(c < 0 ? "-1" : c == 0 ? "0" : "1");
      }
    }
    out.flush();
  }
}
"#;
    let dir = std::env::temp_dir().join(format!("medsec-maven-oracle-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("MavenOracle.java");
    std::fs::write(&file, source).expect("writing the oracle source");
    // Running a source file needs a JDK (jdk.compiler), not only a JRE.
    let runs = std::process::Command::new("java")
        .args(["-cp", &jar.to_string_lossy(), &file.to_string_lossy()])
        .stdin(std::process::Stdio::null())
        .output()
        .is_ok_and(|o| o.status.success());
    if !runs {
        let _ = std::fs::remove_dir_all(&dir);
        return common::skip(test, "a JDK that runs MavenOracle.java with maven-artifact");
    }
    let corpus = osv_versions(&data, &ALL_OSV);
    run(
        Plan {
            test,
            oracle_name: "maven-artifact 3.8.7 ComparableVersion",
            ecosystem: Ecosystem::Maven,
            oracle: Oracle::new(
                "java",
                &["-cp", &jar.to_string_lossy(), &file.to_string_lossy()],
            ),
            edge_cases: MAVEN_EDGE,
            max_strings: usize::MAX,
            max_random_pairs: 30_000,
            max_adjacent_pairs: usize::MAX,
            check_acceptance: true,
        },
        &corpus,
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn pep440_vs_packaging() {
    let test = "pep440_vs_packaging";
    let python = common::oracle_dir().join("venv/bin/python");
    if !python.is_file() {
        return common::skip(test, "python packaging");
    }
    let Some(data) = medsec_testdata::require(test) else {
        return;
    };
    let script = r#"
import sys
from packaging.version import Version, InvalidVersion
out = []
for line in sys.stdin:
    p = line.rstrip("\n").split("\t")
    if p[0] == "P":
        try:
            Version(p[1]); out.append("OK")
        except InvalidVersion:
            out.append("ERR")
    else:
        a, b = Version(p[1]), Version(p[2])
        out.append("-1" if a < b else "0" if a == b else "1")
sys.stdout.write("".join(o + "\n" for o in out))
"#;
    let corpus = osv_versions(&data, &ALL_OSV);
    run(
        Plan {
            test,
            oracle_name: "packaging 24.2",
            ecosystem: Ecosystem::PyPI,
            oracle: Oracle::new(&python.to_string_lossy(), &["-c", script]),
            edge_cases: PEP440_EDGE,
            max_strings: usize::MAX,
            max_random_pairs: 30_000,
            max_adjacent_pairs: usize::MAX,
            check_acceptance: true,
        },
        &corpus,
    );
}

fn node_semver_script(module: &std::path::Path, loose: bool) -> String {
    format!(
        r#"
const semver = require({module:?});
const opts = {{ loose: {loose} }};
const lines = require("fs").readFileSync(0, "utf8").split("\n");
lines.pop();
const out = lines.map((l) => {{
  const p = l.split("\t");
  if (p[0] === "P") {{
    try {{ new semver.SemVer(p[1], opts); return "OK"; }} catch (e) {{ return "ERR"; }}
  }}
  return String(semver.compare(p[1], p[2], opts));
}});
process.stdout.write(out.map((o) => o + "\n").join(""));
"#,
        module = module.to_string_lossy()
    )
}

/// SemVer 2.0.0 precedence for Cargo (the `semver` crate), Go and the
/// OSV `SEMVER` type, against node-semver's strict mode on the Go and
/// crates.io versions. Only order is compared: node-semver's grammar
/// takes a `v` prefix that Cargo does not.
#[test]
fn semver_precedence_vs_node_semver() {
    let test = "semver_precedence_vs_node_semver";
    let module = common::oracle_dir().join("node/node_modules/semver");
    if !module.join("package.json").is_file()
        || std::process::Command::new("node")
            .arg("--version")
            .output()
            .is_err()
    {
        return common::skip(test, "node-semver");
    }
    let Some(data) = medsec_testdata::require(test) else {
        return;
    };
    let corpus = osv_versions(&data, &["Go", "crates.io"]);
    let script = node_semver_script(&module, false);
    for eco in [Ecosystem::Cargo, Ecosystem::Go, Ecosystem::Semver] {
        run(
            Plan {
                test,
                oracle_name: "node-semver 7.7.2 (strict)",
                ecosystem: eco,
                oracle: Oracle::new("node", &["-e", &script]),
                edge_cases: &[
                    "1.0.0",
                    "1.0.0-alpha",
                    "1.0.0-alpha.1",
                    "1.0.0-0.3.7",
                    "1.0.0-x.7.z.92",
                    "1.0.0-alpha.beta",
                    "1.0.0-beta.2",
                    "1.0.0-beta.11",
                    "1.0.0-rc.1",
                    "1.0.0+build",
                    "2.0.0+incompatible",
                    "0.0.0-20210101000000-abcdefabcdef",
                ],
                max_strings: usize::MAX,
                max_random_pairs: 10_000,
                max_adjacent_pairs: usize::MAX,
                check_acceptance: false,
            },
            &corpus,
        );
    }
}

#[test]
fn npm_vs_node_semver() {
    let test = "npm_vs_node_semver";
    let module = common::oracle_dir().join("node/node_modules/semver");
    if !module.join("package.json").is_file()
        || std::process::Command::new("node")
            .arg("--version")
            .output()
            .is_err()
    {
        return common::skip(test, "node-semver");
    }
    let Some(data) = medsec_testdata::require(test) else {
        return;
    };
    let script = node_semver_script(&module, true);
    let corpus = osv_versions(&data, &ALL_OSV);
    run(
        Plan {
            test,
            oracle_name: "node-semver 7.7.2",
            ecosystem: Ecosystem::Npm,
            oracle: Oracle::new("node", &["-e", &script]),
            edge_cases: NPM_EDGE,
            max_strings: usize::MAX,
            max_random_pairs: 30_000,
            max_adjacent_pairs: usize::MAX,
            check_acceptance: true,
        },
        &corpus,
    );
}

#[test]
fn debian_vs_dpkg() {
    let test = "debian_vs_dpkg";
    let dpkg_ok = std::process::Command::new("dpkg")
        .args(["--compare-versions", "1.0", "lt", "1.1"])
        .status()
        .is_ok_and(|s| s.success());
    if !dpkg_ok {
        return common::skip(test, "dpkg");
    }
    let Some(data) = medsec_testdata::require(test) else {
        return;
    };
    // dpkg's warnings ("has bad syntax: ... does not start with digit",
    // "invalid character") count as rejection, as do its errors. An empty
    // argument means "no version" to --compare-versions, so no input is
    // empty.
    let script = r#"
while IFS=$'\t' read -r op a b; do
  if [ "$op" = P ]; then
    err=$(dpkg --compare-versions "$a" eq "$a" 2>&1 >/dev/null); rc=$?
    if [ "$rc" -ne 0 ] || [ -n "$err" ]; then echo ERR; else echo OK; fi
  elif dpkg --compare-versions "$a" lt "$b" 2>/dev/null; then echo -1
  elif dpkg --compare-versions "$a" eq "$b" 2>/dev/null; then echo 0
  else echo 1
  fi
done
"#;
    let corpus = osv_versions(&data, &ALL_OSV);
    run(
        Plan {
            test,
            oracle_name: "dpkg",
            ecosystem: Ecosystem::Debian,
            oracle: Oracle::new("bash", &["-c", script]),
            edge_cases: DEB_EDGE,
            max_strings: 1_500,
            max_random_pairs: 1_500,
            max_adjacent_pairs: 1_500,
            check_acceptance: true,
        },
        &corpus,
    );
}

/// npm native ranges (every `native_range` of the vers suite's npm file)
/// converted with `from_native` and evaluated with vers containment,
/// against node-semver's `satisfies` on release versions: the range's own
/// bounds, their neighbours, and versions from the OSV npm data.
/// Ranges whose vers form breaks the spec's alternation rule (overlapping
/// alternatives such as `<2.0.18 || <3.0.16`, which the suite writes
/// as is) cannot mean the same under vers containment and are counted,
/// not compared. Pre-releases are left out: node-semver only lets them
/// match comparators of their own tuple, which vers has no notion of.
#[test]
fn npm_ranges_vs_node_semver_satisfies() {
    use medsec_versions::vers::from_native;
    let test = "npm_ranges_vs_node_semver_satisfies";
    let module = common::oracle_dir().join("node/node_modules/semver");
    if !module.join("package.json").is_file()
        || std::process::Command::new("node")
            .arg("--version")
            .output()
            .is_err()
    {
        return common::skip(test, "node-semver");
    }
    let Some(data) = medsec_testdata::require(test) else {
        return;
    };
    let path = data.join("testvectors/vers/tests/npm_range_from_native_test.json");
    let doc: serde_json::Value =
        serde_json::from_slice(&medsec_testdata::read(&path)).expect("vers npm tests");
    let ranges: Vec<String> = doc["tests"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["input"]["native_range"].as_str().map(str::to_string))
        .collect();
    let corpus = osv_versions(&data, &["npm"]);
    let releases: Vec<Version> = corpus
        .values()
        .flatten()
        .filter_map(|s| Version::parse(Ecosystem::Npm, s).ok())
        .filter(|v| !v.is_prerelease())
        .collect();
    let mut rng = Rng::new(99);
    let mut requests = Vec::new();
    let mut expected = Vec::new();
    let (mut compared_ranges, mut skipped_ranges) = (0usize, 0usize);
    for native in &ranges {
        let Ok(vers) = from_native(Ecosystem::Npm, native) else {
            // Only a range that matches nothing has no vers form.
            for v in releases.iter().take(50) {
                requests.push(format!("S\t{}\t{native}", v.as_str().trim()));
                expected.push((
                    v.as_str().to_string(),
                    native.clone(),
                    "(none)".into(),
                    false,
                ));
            }
            compared_ranges += 1;
            continue;
        };
        if vers.validate_sequence().is_err() {
            skipped_ranges += 1;
            continue;
        }
        compared_ranges += 1;
        let mut probes: Vec<String> = Vec::new();
        for c in vers.constraints() {
            let Ok(v) = Version::parse(Ecosystem::Npm, &c.version) else {
                continue;
            };
            let core = v
                .as_str()
                .split(['-', '+'])
                .next()
                .unwrap_or("")
                .to_string();
            let nums: Vec<u64> = core.split('.').filter_map(|n| n.parse().ok()).collect();
            if let [ma, mi, pa] = nums[..] {
                probes.push(format!("{ma}.{mi}.{pa}"));
                probes.push(format!("{ma}.{mi}.{}", pa + 1));
                probes.push(format!("{ma}.{}.0", mi + 1));
                probes.push(format!("{}.0.0", ma + 1));
                if pa > 0 {
                    probes.push(format!("{ma}.{mi}.{}", pa - 1));
                }
                if mi > 0 {
                    probes.push(format!("{ma}.{}.99", mi - 1));
                }
            }
        }
        for _ in 0..20 {
            if !releases.is_empty() {
                probes.push(
                    releases[rng.below(releases.len())]
                        .as_str()
                        .trim()
                        .to_string(),
                );
            }
        }
        for p in probes {
            let ours = vers.contains(&p).expect("release version");
            requests.push(format!("S\t{p}\t{native}"));
            expected.push((p, native.clone(), vers.to_string(), ours));
        }
    }
    let script = format!(
        r#"
const semver = require({module:?});
const lines = require("fs").readFileSync(0, "utf8").split("\n");
lines.pop();
process.stdout.write(lines.map((l) => {{
  const p = l.split("\t");
  return String(semver.satisfies(p[1], p[2])) + "\n";
}}).join(""));
"#,
        module = module.to_string_lossy()
    );
    let answers = Oracle::new("node", &["-e", &script]).ask(&requests);
    let mut mismatches = Vec::new();
    for ((v, native, vers, ours), theirs) in expected.iter().zip(&answers) {
        if theirs != &ours.to_string() {
            mismatches.push(format!(
                "{v} in {native:?} ({vers}): node-semver {theirs}, we {ours}"
            ));
        }
    }
    for m in mismatches.iter().take(50) {
        eprintln!("  {m}");
    }
    eprintln!(
        "{test}: {compared_ranges} ranges compared ({skipped_ranges} with overlapping alternatives \
         not comparable), {} version checks, {} mismatches",
        expected.len(),
        mismatches.len()
    );
    assert!(
        compared_ranges > 400,
        "only {compared_ranges} ranges compared"
    );
    assert!(mismatches.is_empty(), "{} mismatches", mismatches.len());
}

const GEM_EDGE: &[&str] = &[
    "1.0",
    "1.0.0",
    "1",
    "1.0.a",
    "1.0a",
    "1.0.0.pre",
    "1.0-pre",
    "1.0.pre.1",
    "1.0-beta.1",
    "1.0.beta1",
    "1.0.rc1",
    "1.0.RC1",
    "1.0.b",
    "1.0.B",
    " 1.0 ",
    "1.0-",
    "-1",
    "1.0.-1",
    "1..0",
    "a",
    "1.a",
    "1.0.0.0.0.1",
    "1.01",
    "01",
    "1.0-1",
    "1.0-1-1",
    "1.0-a-b",
    "1.0.0-alpha.1",
    "1.0 1",
    "9999999999999999999999",
    "1.0.0a1",
    "2.0.0.rc1",
    "0",
    "0.0",
    "1.0.0.a.0",
    "1.0.a.0.b",
    "1.0.z",
    "1.0.A",
    "1.0.0-x",
    "\u{b}1.0",
];

const RPM_EDGE: &[&str] = &[
    "1.0",
    "1.0~rc1",
    "1.0^git1",
    "1.0^",
    "1.0~",
    "1:1.0",
    "0:1.0",
    "1.0-1",
    "1.0-1.el8",
    "1.0-1.el8_2",
    "2.0a",
    "2.0",
    "2.0.1",
    "1.0_1",
    "1.0.a",
    "1.0a",
    "a",
    "1.0-",
    "-1",
    "1:",
    ":1",
    "a:1",
    "1.0 1",
    "1..0",
    "01.0",
    "1.00",
    "1.0~~",
    "1.0~^",
    "1.0^~",
    "1.0+git",
    "1.0-1~rc1",
    "10:0",
    "1.0.0-0",
    "1e10",
    "1.0-0",
    "1.0-00",
    "1.0-1-2",
    "2:1.0-1",
    "1.0.\u{3b1}",
];

#[test]
fn rubygems_vs_gem_version() {
    let test = "rubygems_vs_gem_version";
    let ruby_ok = std::process::Command::new("ruby")
        .args(["-e", "Gem::Version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ruby_ok {
        return common::skip(test, "ruby (Gem::Version)");
    }
    let Some(data) = medsec_testdata::require(test) else {
        return;
    };
    let script = r#"
out = []
STDIN.each_line do |line|
  p = line.chomp.split("\t", -1)
  if p[0] == "P"
    out << (Gem::Version.correct?(p[1]) ? "OK" : "ERR")
  else
    out << (Gem::Version.new(p[1]) <=> Gem::Version.new(p[2])).to_s
  end
end
STDOUT.write(out.map { |o| o + "\n" }.join)
"#;
    let corpus = osv_versions(&data, &ALL_OSV);
    run(
        Plan {
            test,
            oracle_name: "RubyGems Gem::Version",
            ecosystem: Ecosystem::RubyGems,
            oracle: Oracle::new("ruby", &["-e", script]),
            edge_cases: GEM_EDGE,
            max_strings: usize::MAX,
            max_random_pairs: 30_000,
            max_adjacent_pairs: usize::MAX,
            check_acceptance: true,
        },
        &corpus,
    );
}

#[test]
fn rpm_vs_librpm() {
    let test = "rpm_vs_librpm";
    // Debian's python3-rpm binds to the system interpreter.
    let python = "/usr/bin/python3";
    let rpm_ok = std::process::Command::new(python)
        .args(["-c", "import rpm; rpm.ver"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !rpm_ok {
        return common::skip(test, "python3-rpm (rpm.ver)");
    }
    let Some(data) = medsec_testdata::require(test) else {
        return;
    };
    let script = r#"
import sys, rpm
out = []
for line in sys.stdin:
    p = line.rstrip("\n").split("\t")
    if p[0] == "P":
        try:
            rpm.ver(p[1]); out.append("OK")
        except Exception:
            out.append("ERR")
    else:
        a, b = rpm.ver(p[1]), rpm.ver(p[2])
        out.append("-1" if a < b else "0" if a == b else "1")
sys.stdout.write("".join(o + "\n" for o in out))
"#;
    let corpus = osv_versions(&data, &ALL_OSV);
    run(
        Plan {
            test,
            oracle_name: "librpm 4.18 rpm.ver",
            ecosystem: Ecosystem::Rpm,
            oracle: Oracle::new(python, &["-c", script]),
            edge_cases: RPM_EDGE,
            max_strings: usize::MAX,
            max_random_pairs: 30_000,
            max_adjacent_pairs: usize::MAX,
            check_acceptance: true,
        },
        &corpus,
    );
}
