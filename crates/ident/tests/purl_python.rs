//! Differential test against the reference implementation
//! packageurl-python: every purl string of the purl test suites and every
//! `"purl"` value in the shared JSON SBOMs is canonicalized by both, and
//! the canonical strings are compared.
//!
//! Both sides normalize while parsing (Python's `from_string` lowercases
//! qualifier keys), so ours is [`PackageUrl::parse_lenient`]. A mismatch
//! fails the test unless the current purl test suite shows that Python is
//! the one that is wrong:
//! * for a string that the suite itself gives a verdict on (a validate
//!   case's expected canonical form, a canonical expected output, or an
//!   expected parse failure), when ours matches the verdict; and
//! * for any other string, when the difference is of a kind that such a
//!   suite case demonstrates (for example Python leaving `/` unencoded in
//!   qualifier values, or accepting a name the type definition forbids).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use medsec_ident::purl::{ErrorKind, PackageUrl};
use serde_json::Value;

const TEST: &str = "purl_canonical_forms_match_packageurl_python";

/// Reads JSON lines of purl strings, answers a JSON line each: the
/// canonical string, or null when packageurl-python refuses the input.
const PYTHON: &str = r#"
import json, sys
from packageurl import PackageURL
for line in sys.stdin:
    s = json.loads(line)
    try:
        out = PackageURL.from_string(s).to_string()
    except Exception:
        out = None
    sys.stdout.write(json.dumps(out) + "\n")
"#;

/// What the current suite says a string canonicalizes to.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Verdict {
    Canonical(String),
    Failure,
}

/// Kinds of difference between our answer and Python's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Deviation {
    /// Python leaves `/` unencoded in qualifier values.
    SlashInQualifierValue,
    /// Python keeps letter case that the type's rules lowercase.
    LetterCase,
    /// Python accepts what a rule of this kind refuses.
    Accepts(ErrorKindKey),
    /// Python refuses a purl that we accept.
    Refuses,
}

/// `ErrorKind` with an order, for use as a set key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct ErrorKindKey(&'static str);

fn kind_key(kind: ErrorKind) -> ErrorKindKey {
    ErrorKindKey(match kind {
        ErrorKind::MissingScheme => "MissingScheme",
        ErrorKind::MissingType => "MissingType",
        ErrorKind::InvalidType => "InvalidType",
        ErrorKind::MissingName => "MissingName",
        ErrorKind::NamespaceRequired => "NamespaceRequired",
        ErrorKind::NamespaceProhibited => "NamespaceProhibited",
        ErrorKind::InvalidForType => "InvalidForType",
        ErrorKind::InvalidPercentEncoding => "InvalidPercentEncoding",
        ErrorKind::InvalidUtf8 => "InvalidUtf8",
        ErrorKind::SlashInSegment => "SlashInSegment",
        ErrorKind::MissingQualifierValueSeparator => "MissingQualifierValueSeparator",
        ErrorKind::InvalidQualifierKey => "InvalidQualifierKey",
        ErrorKind::UppercaseQualifierKey => "UppercaseQualifierKey",
        ErrorKind::DuplicateQualifierKey => "DuplicateQualifierKey",
        ErrorKind::MissingRequiredQualifier => "MissingRequiredQualifier",
        _ => "other",
    })
}

fn oracle_python() -> Option<std::path::PathBuf> {
    medsec_testdata::oracles::python_with("packageurl")
}

fn python_canonical(python: &std::path::Path, inputs: &[String]) -> Vec<Option<String>> {
    let mut child = Command::new(python)
        .args(["-c", PYTHON])
        .env("PYTHONIOENCODING", "utf-8")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("starting python3");
    let mut stdin = child.stdin.take().expect("python stdin");
    let lines: String = inputs
        .iter()
        .map(|s| format!("{}\n", Value::String(s.clone())))
        .collect();
    // Written from a thread so a full stdout pipe cannot deadlock us.
    let writer = std::thread::spawn(move || stdin.write_all(lines.as_bytes()));
    let out = child.wait_with_output().expect("running python3");
    writer
        .join()
        .expect("writer thread")
        .expect("writing to python3");
    assert!(out.status.success(), "python3 failed: {:?}", out.status);
    let answers: Vec<Option<String>> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("python answer is JSON"))
        .collect();
    assert_eq!(
        answers.len(),
        inputs.len(),
        "python answered a different number of lines"
    );
    answers
}

/// Every string the suites hold as a purl, with the current suite's
/// verdict where it gives one.
fn suite_strings(data: &Path) -> BTreeMap<String, Option<Verdict>> {
    let mut out: BTreeMap<String, Option<Verdict>> = BTreeMap::new();
    let mut add = |s: &str, v: Option<Verdict>| {
        let slot = out.entry(s.to_owned()).or_insert(None);
        // A canonical verdict wins over a failure: the failure cases are
        // the strict parser's (uppercase keys), which the lenient one repairs.
        match (&slot, v) {
            (_, None) => {}
            (Some(Verdict::Canonical(_)), Some(Verdict::Failure)) => {}
            (_, Some(v)) => *slot = Some(v),
        }
    };
    let dir = data.join("testvectors/purl/tests");
    let mut files = vec![dir.join("spec/specification-test.json")];
    files.extend(
        medsec_testdata::files_under(&dir.join("types"))
            .into_iter()
            .filter(|p| p.to_string_lossy().ends_with("-test.json")),
    );
    for file in files {
        let doc: Value = serde_json::from_slice(&medsec_testdata::read(&file)).expect("suite JSON");
        for case in doc["tests"].as_array().into_iter().flatten() {
            let failure = case["expected_failure"].as_bool().unwrap_or(false);
            let expected = case["expected_output"].as_str();
            if let Some(e) = expected {
                add(e, Some(Verdict::Canonical(e.to_owned())));
            }
            if let Some(input) = case["input"].as_str() {
                let verdict = match (case["test_type"].as_str(), failure, expected) {
                    (Some("validate"), false, Some(e)) => Some(Verdict::Canonical(e.to_owned())),
                    (Some("parse"), true, _) => Some(Verdict::Failure),
                    _ => None,
                };
                add(input, verdict);
            }
        }
    }
    let legacy = data.join("testvectors/purl/test-suite-data.json");
    let legacy: Value =
        serde_json::from_slice(&medsec_testdata::read(&legacy)).expect("legacy JSON");
    for case in legacy.as_array().into_iter().flatten() {
        for key in ["purl", "canonical_purl"] {
            if let Some(s) = case[key].as_str() {
                add(s, None);
            }
        }
    }
    out
}

/// Every string value of a `"purl"` key in the JSON SBOMs (`.json` and
/// `.json.gz`).
fn sbom_purls(data: &Path) -> BTreeSet<String> {
    fn walk(v: &Value, out: &mut BTreeSet<String>) {
        match v {
            Value::Object(m) => {
                for (k, v) in m {
                    match v {
                        Value::String(s) if k == "purl" => {
                            out.insert(s.clone());
                        }
                        _ => walk(v, out),
                    }
                }
            }
            Value::Array(a) => a.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = BTreeSet::new();
    for file in medsec_testdata::files_under(&data.join("sboms")) {
        let name = file.to_string_lossy();
        if !(name.ends_with(".json") || name.ends_with(".json.gz")) {
            continue;
        }
        if let Ok(doc) = serde_json::from_slice::<Value>(&medsec_testdata::read(&file)) {
            walk(&doc, &mut out);
        }
    }
    out
}

/// Replaces `%2F` by `/` in the qualifiers part of a canonical purl.
fn unencode_slash_in_qualifiers(purl: &str) -> String {
    let Some(q) = purl.find('?') else {
        return purl.to_owned();
    };
    let end = purl[q..].find('#').map_or(purl.len(), |i| q + i);
    format!(
        "{}{}{}",
        &purl[..q],
        purl[q..end].replace("%2F", "/"),
        &purl[end..]
    )
}

/// The kinds of difference that turn our answer into Python's, or `None`
/// when the difference is of no known kind.
fn classify(
    ours: &Result<String, ErrorKind>,
    python: &Option<String>,
) -> Option<BTreeSet<Deviation>> {
    let mut set = BTreeSet::new();
    match (ours, python) {
        (Err(kind), Some(_)) => {
            set.insert(Deviation::Accepts(kind_key(*kind)));
        }
        (Ok(_), None) => {
            set.insert(Deviation::Refuses);
        }
        (Ok(o), Some(p)) => {
            let mut o = o.clone();
            if o != *p {
                let unslashed = unencode_slash_in_qualifiers(&o);
                if unslashed != o {
                    set.insert(Deviation::SlashInQualifierValue);
                    o = unslashed;
                }
            }
            if o != *p {
                if !o.eq_ignore_ascii_case(p) {
                    return None;
                }
                set.insert(Deviation::LetterCase);
            }
        }
        (Err(_), None) => {}
    }
    Some(set)
}

#[test]
fn purl_canonical_forms_match_packageurl_python() {
    let Some(data) = medsec_testdata::require(TEST) else {
        return;
    };
    let Some(oracle) = oracle_python() else {
        medsec_testdata::oracles::skip(TEST, "packageurl-python");
        return;
    };
    let suite = suite_strings(&data);
    let sboms = sbom_purls(&data);
    assert!(
        !suite.is_empty() && !sboms.is_empty(),
        "no purl strings found"
    );
    let mut inputs: Vec<String> = suite.keys().cloned().collect();
    inputs.extend(sboms.iter().filter(|s| !suite.contains_key(*s)).cloned());
    let python = python_canonical(&oracle, &inputs);

    let ours: Vec<Result<String, ErrorKind>> = inputs
        .iter()
        .map(|s| {
            PackageUrl::parse_lenient(s)
                .map(|p| p.to_string())
                .map_err(|e| e.kind())
        })
        .collect();

    // First pass: the suite's verdicts show which deviations are Python's.
    let mut demonstrated: BTreeMap<Deviation, String> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut agreed = 0usize;
    let mut python_wrong_per_suite = Vec::new();
    let mut pending = Vec::new();
    for (i, input) in inputs.iter().enumerate() {
        let (o, p) = (&ours[i], &python[i]);
        let same = match (o, p) {
            (Ok(o), Some(p)) => o == p,
            (Err(_), None) => true,
            _ => false,
        };
        if same {
            agreed += 1;
            continue;
        }
        let verdict = suite.get(input).cloned().flatten();
        let ours_matches_verdict = match (&verdict, o) {
            (Some(Verdict::Canonical(c)), Ok(o)) => c == o,
            (Some(Verdict::Failure), Err(_)) => true,
            _ => false,
        };
        if ours_matches_verdict {
            for d in classify(o, p).into_iter().flatten() {
                demonstrated.entry(d).or_insert_with(|| input.clone());
            }
            python_wrong_per_suite.push(format!("{input}\n    ours: {o:?}\n    python: {p:?}"));
        } else {
            pending.push(i);
        }
    }

    // Second pass: other mismatches must be of a demonstrated kind.
    let mut explained: BTreeMap<Deviation, usize> = BTreeMap::new();
    for i in pending {
        let (o, p) = (&ours[i], &python[i]);
        match classify(o, p) {
            Some(set) if !set.is_empty() && set.iter().all(|d| demonstrated.contains_key(d)) => {
                eprintln!(
                    "  {set:?}: {}\n    ours:   {o:?}\n    python: {p:?}",
                    inputs[i]
                );
                for d in set {
                    *explained.entry(d).or_default() += 1;
                }
            }
            _ => failures.push(format!(
                "{}\n    ours:   {o:?}\n    python: {p:?}\n    suite verdict: {:?}",
                inputs[i],
                suite.get(&inputs[i]).cloned().flatten()
            )),
        }
    }

    eprintln!(
        "purl differential: {} strings ({} from the suites, {} more from SBOMs), {agreed} agree, {} where the suite shows Python wrong, {} of a kind the suite demonstrates, {} unexplained",
        inputs.len(),
        suite.len(),
        inputs.len() - suite.len(),
        python_wrong_per_suite.len(),
        explained.values().sum::<usize>(),
        failures.len()
    );
    for (d, example) in &demonstrated {
        eprintln!(
            "  Python deviation {d:?}: shown by suite string {example}; {} other strings",
            explained.get(d).copied().unwrap_or(0)
        );
    }
    assert!(
        failures.is_empty(),
        "{} purls canonicalize differently from packageurl-python with no suite case showing Python wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
