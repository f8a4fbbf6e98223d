//! The `medsec` binary driven as a user or a conformance harness drives it:
//! a real process, real files, standard input and output, exit codes.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn medsec(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_medsec"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting medsec");
    let mut input = child.stdin.take().expect("stdin");
    let stdin = stdin.to_owned();
    let writer = std::thread::spawn(move || input.write_all(stdin.as_bytes()));
    let output = child.wait_with_output().expect("medsec output");
    writer.join().expect("stdin writer").expect("writing stdin");
    output
}

fn stdout_lines(output: &Output) -> Vec<String> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name)
}

/// Components of a CycloneDX JSON document counted from the raw JSON:
/// metadata.component and every component, nested ones included.
fn raw_component_count(doc: &Value) -> usize {
    fn count(list: Option<&Value>) -> usize {
        list.and_then(Value::as_array).map_or(0, |items| {
            items.iter().map(|c| 1 + count(c.get("components"))).sum()
        })
    }
    let subject = doc
        .pointer("/metadata/component")
        .map_or(0, |c| 1 + count(c.get("components")));
    subject + count(doc.get("components"))
}

#[test]
fn sbom_inspect_json_holds_every_component() {
    let mut files = vec![example("infusion-pump.cdx.json")];
    if let Some(data) =
        medsec_testdata::require("sbom_inspect_json_holds_every_component (medical SBOMs)")
    {
        files.extend(medsec_testdata::files_under(&data.join("sboms/medical")));
    }
    for file in files {
        let output = medsec(&["sbom", "inspect", "--json", file.to_str().unwrap()], "");
        assert!(
            output.status.success(),
            "{}: {}",
            file.display(),
            String::from_utf8_lossy(&output.stderr)
        );
        let model: Value = serde_json::from_slice(&output.stdout).expect("--json prints JSON");
        let raw: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
        assert_eq!(
            model["components"].as_array().map(Vec::len),
            Some(raw_component_count(&raw)),
            "{}",
            file.display()
        );
        let summary = medsec(&["sbom", "inspect", file.to_str().unwrap()], "");
        let text = String::from_utf8_lossy(&summary.stdout);
        let no_identifier = model["components"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c.get("purl").is_none() && c.get("cpes").is_none())
            .count();
        assert!(
            text.contains(&format!("without purl or CPE: {no_identifier}\n")),
            "{}: summary does not list {no_identifier} components without identifiers:\n{text}",
            file.display()
        );
    }
}

#[test]
fn sbom_inspect_rejects_malformed_input_with_its_position_and_exit_code_1() {
    let dir = std::env::temp_dir().join(format!("medsec-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let truncated = dir.join("truncated.json");
    std::fs::write(
        &truncated,
        "{\n  \"bomFormat\": \"CycloneDX\",\n  \"specVersion\": \"1.5\",\n  \"components\": [\n",
    )
    .unwrap();
    let output = medsec(&["sbom", "inspect", truncated.to_str().unwrap()], "");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("line 5"), "error names the line: {stderr}");
    assert!(
        stderr.contains("truncated.json"),
        "error names the file: {stderr}"
    );

    let missing = dir.join("does-not-exist.json");
    let output = medsec(&["sbom", "inspect", missing.to_str().unwrap()], "");
    assert_eq!(output.status.code(), Some(3));
    std::fs::remove_dir_all(&dir).ok();
}

/// The one required parse case where the suite contradicts the purl
/// specification (qualifier keys are lowercase; the sibling gem and rpm
/// cases expect failure): see crates/ident/tests/purl_suite.rs.
const SUITE_DEFECTS: &[&str] = &["maven pom reference"];

#[test]
fn purl_parse_stdin_answers_the_spec_suite_line_for_line() {
    let Some(data) =
        medsec_testdata::require("purl_parse_stdin_answers_the_spec_suite_line_for_line")
    else {
        return;
    };
    let mut cases: Vec<(String, Value, bool)> = Vec::new();
    for file in medsec_testdata::files_under(&data.join("testvectors/purl/tests")) {
        let doc: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
        for case in doc["tests"].as_array().into_iter().flatten() {
            let description = case["description"].as_str().unwrap_or_default();
            if case["test_type"] != "parse"
                || case["test_group"] != "required"
                || SUITE_DEFECTS.contains(&description)
            {
                continue;
            }
            let input = case["input"].as_str().unwrap().to_owned();
            if input.contains('\n') {
                continue;
            }
            cases.push((
                input,
                case["expected_output"].clone(),
                case["expected_failure"] == true,
            ));
        }
    }
    assert!(cases.len() > 100, "only {} parse cases found", cases.len());
    let stdin: String = cases
        .iter()
        .map(|(input, _, _)| format!("{input}\n"))
        .collect();
    let output = medsec(&["purl", "parse", "--stdin"], &stdin);
    let lines = stdout_lines(&output);
    assert_eq!(lines.len(), cases.len(), "one line out per line in");
    let mut failures = Vec::new();
    for ((input, expected, expect_failure), line) in cases.iter().zip(&lines) {
        let answer: Value = serde_json::from_str(line).expect("each line is JSON");
        assert_eq!(
            answer["input"].as_str(),
            Some(input.as_str()),
            "answers keep input order"
        );
        let ok = if *expect_failure {
            answer.get("error").is_some()
        } else {
            ["type", "namespace", "name", "version", "subpath"]
                .iter()
                .all(|k| answer[k] == expected[k])
                && (answer["qualifiers"] == expected["qualifiers"]
                    || (answer["qualifiers"].is_null()
                        && expected["qualifiers"] == serde_json::json!({})))
        };
        if !ok {
            failures.push(format!(
                "{input}: expected {expected} (failure: {expect_failure}), got {line}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    let any_rejected = cases.iter().any(|(_, _, fail)| *fail);
    assert_eq!(output.status.code(), Some(if any_rejected { 1 } else { 0 }));
}

#[test]
fn cvss_stdin_gives_the_published_base_scores() {
    let Some(data) = medsec_testdata::require("cvss_stdin_gives_the_published_base_scores") else {
        return;
    };
    for name in ["vectors_simple2", "vectors_simple31", "vectors_simple4"] {
        let text = std::fs::read_to_string(data.join("testvectors/cvss").join(name)).unwrap();
        let cases: Vec<(&str, f64)> = text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                let (vector, scores) = l.split_once(" - ").expect("VECTOR - scores");
                let first = scores
                    .trim()
                    .trim_start_matches('(')
                    .split([',', ')'])
                    .next()
                    .unwrap();
                (
                    vector.trim(),
                    first.trim().parse().expect("published score"),
                )
            })
            .collect();
        let stdin: String = cases.iter().map(|(v, _)| format!("{v}\n")).collect();
        let output = medsec(&["cvss", "--stdin"], &stdin);
        assert!(
            output.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let lines = stdout_lines(&output);
        assert_eq!(lines.len(), cases.len(), "{name}: one line out per line in");
        for ((vector, published), line) in cases.iter().zip(&lines) {
            let answer: Value = serde_json::from_str(line).unwrap();
            assert_eq!(
                answer["base"].as_f64(),
                Some(*published),
                "{name}: {vector}"
            );
        }
    }
}

#[test]
fn version_compare_stdin_sorts_the_vers_comparison_vectors() {
    let Some(data) =
        medsec_testdata::require("version_compare_stdin_sorts_the_vers_comparison_vectors")
    else {
        return;
    };
    for (file, ecosystem) in [
        ("alpine_version_cmp_test.json", "apk"),
        ("nuget_version_cmp_test.json", "nuget"),
    ] {
        let doc: Value = serde_json::from_slice(
            &std::fs::read(data.join("testvectors/vers/tests").join(file)).unwrap(),
        )
        .unwrap();
        let mut pairs = Vec::new();
        for case in doc["tests"].as_array().unwrap() {
            if case["test_type"] != "comparison" {
                continue;
            }
            // expected_output is the two versions in ascending order.
            let sorted: Vec<&str> = case["expected_output"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap())
                .collect();
            pairs.push((sorted[0].to_owned(), sorted[1].to_owned()));
        }
        let stdin: String = pairs
            .iter()
            .map(|(a, b)| format!("{a} {b}\n{b} {a}\n"))
            .collect();
        let output = medsec(&["version", "compare", ecosystem, "--stdin"], &stdin);
        let lines = stdout_lines(&output);
        assert_eq!(
            lines.len(),
            pairs.len() * 2,
            "{file}: one line out per line in"
        );
        for (i, (a, b)) in pairs.iter().enumerate() {
            let (forward, backward) = (&lines[2 * i], &lines[2 * i + 1]);
            let ok = (forward == "<" && backward == ">") || (forward == "=" && backward == "=");
            assert!(ok, "{file}: {a} vs {b}: got {forward} and {backward}");
        }
    }
    let output = medsec(&["version", "compare", "Debian", "--stdin"], "1.0\n");
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout_lines(&output)[0].starts_with("error: "));
}
