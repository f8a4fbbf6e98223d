//! `medsec analyze`: the real binary on the example SBOMs and the committed
//! example knowledge base, and on the shared medical SBOMs against a
//! snapshot of the whole shared knowledge base.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const EXAMPLES: [&str; 3] = ["infusion-pump", "patient-monitor", "imaging-workstation"];
const AS_OF: &str = "2026-11-27";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn example(name: &str, suffix: &str) -> String {
    p(&root().join("examples").join(format!("{name}{suffix}")))
}

fn snapshot() -> String {
    p(&root().join("examples/kb.snapshot"))
}

fn p(path: &Path) -> String {
    path.display().to_string()
}

fn medsec(args: &[&str]) -> Output {
    medsec_in(args, &root())
}

fn medsec_in(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_medsec"))
        .args(args)
        .current_dir(dir)
        .env_remove("MEDSEC_DATABASE_URL")
        .output()
        .expect("run medsec")
}

fn code(out: &Output) -> i32 {
    out.status.code().expect("exit code")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn ok(out: &Output, what: &str) {
    assert_eq!(code(out), 0, "{what}: stderr:\n{}", stderr(out));
}

fn json(bytes: &[u8], what: &str) -> Value {
    serde_json::from_slice(bytes).unwrap_or_else(|e| {
        panic!(
            "{what}: not JSON ({e}):\n{}",
            String::from_utf8_lossy(bytes)
        )
    })
}

/// Components of a CycloneDX JSON document counted straight from the
/// document: the described one (`metadata.component`) and every listed
/// one, nested ones included.
fn cyclonedx_components(doc: &Value) -> usize {
    fn count(list: &Value) -> usize {
        list.as_array().map_or(0, |items| {
            items.iter().map(|c| 1 + count(&c["components"])).sum()
        })
    }
    let described = &doc["metadata"]["component"];
    let root = if described.is_object() {
        1 + count(&described["components"])
    } else {
        0
    };
    root + count(&doc["components"])
}

fn analysis_of(sbom: &str, db: &str, extra: &[&str]) -> Value {
    let mut args = vec![
        "analyze", sbom, "--db", db, "--format", "json", "--as-of", AS_OF,
    ];
    args.extend_from_slice(extra);
    let out = medsec(&args);
    ok(&out, sbom);
    json(&out.stdout, sbom)["analysis"].clone()
}

fn findings(a: &Value) -> &Vec<Value> {
    a["findings"].as_array().expect("findings array")
}

const PRIORITIES: [&str; 4] = ["critical", "high", "medium", "low"];

fn rank(priority: &str) -> usize {
    PRIORITIES
        .iter()
        .position(|p| *p == priority)
        .unwrap_or_else(|| panic!("unknown priority {priority}"))
}

#[test]
fn every_format_on_every_example() {
    let db = snapshot();
    for name in EXAMPLES {
        let sbom = example(name, ".cdx.json");
        let device = example(name, ".device.toml");
        let doc = json(&std::fs::read(&sbom).expect("read example"), &sbom);
        let base = [
            "analyze", &sbom, "--db", &db, "--device", &device, "--as-of", AS_OF,
        ];
        let run = |format: &str| {
            let mut args = base.to_vec();
            args.extend_from_slice(&["--format", format]);
            let out = medsec(&args);
            ok(&out, &format!("{name} {format}"));
            // Progress is drawn on a terminal only.
            assert!(out.stderr.is_empty(), "{name} {format}: {}", stderr(&out));
            out.stdout
        };

        let report = json(&run("json"), name);
        let a = &report["analysis"];
        let found = findings(a);
        let coverage = a["coverage"]["components"].as_array().expect("coverage");
        assert_eq!(
            coverage.len(),
            cyclonedx_components(&doc),
            "{name}: coverage"
        );
        assert_eq!(a["summary"]["findings"].as_u64(), Some(found.len() as u64));
        assert!(
            !found.is_empty(),
            "{name}: the example has known vulnerabilities"
        );
        let by_priority: Vec<String> = PRIORITIES
            .iter()
            .map(|p| {
                format!(
                    "{p}={}",
                    a["summary"]["by_priority"][p].as_u64().unwrap_or(0)
                )
            })
            .collect();
        eprintln!(
            "{name}: {} findings ({}), coverage matched={} none={} not-checkable={}",
            found.len(),
            by_priority.join(" "),
            a["coverage"]["matched"],
            a["coverage"]["no_known_vulnerabilities"],
            a["coverage"]["not_checkable"]
        );

        let sarif = json(&run("sarif"), name);
        assert_eq!(sarif["version"], "2.1.0", "{name}");
        let runs = sarif["runs"].as_array().expect("SARIF runs");
        assert_eq!(runs.len(), 1, "{name}");
        let results = runs[0]["results"].as_array().expect("SARIF results");
        assert_eq!(
            results.len(),
            found.len(),
            "{name}: one SARIF result per finding"
        );

        let vex = json(&run("vex"), name);
        assert_eq!(vex["bomFormat"], "CycloneDX", "{name}");
        assert_eq!(vex["specVersion"], "1.6", "{name}");
        let vulns = vex["vulnerabilities"]
            .as_array()
            .expect("VEX vulnerabilities");
        assert!(!vulns.is_empty(), "{name}");

        let csv = run("csv");
        let mut reader = csv::Reader::from_reader(&csv[..]);
        let mut rows = 0;
        for row in reader.records() {
            row.expect("CSV row");
            rows += 1;
        }
        assert_eq!(rows, found.len(), "{name}: one CSV row per finding");

        let html = String::from_utf8(run("html")).expect("HTML is UTF-8");
        assert!(
            html.to_ascii_lowercase().starts_with("<!doctype html"),
            "{name}"
        );
        for external in [
            "src=\"http",
            "href=\"http://",
            "<link rel=\"stylesheet\" href",
        ] {
            assert!(
                !html.contains(external),
                "{name}: external asset {external}"
            );
        }

        let table = String::from_utf8(run("table")).expect("table is UTF-8");
        let first = found[0]["id"].as_str().expect("finding id");
        assert!(table.contains(first), "{name}: the table lists {first}");
    }
}

#[test]
fn default_is_the_example_snapshot_and_a_table() {
    let out = medsec(&["analyze", "examples/infusion-pump.cdx.json"]);
    ok(&out, "default analyze");
    let table = String::from_utf8(out.stdout).expect("UTF-8");
    let a = analysis_of("examples/infusion-pump.cdx.json", &snapshot(), &[]);
    for f in findings(&a) {
        let id = f["id"].as_str().expect("id");
        assert!(table.contains(id), "table misses {id}");
    }
}

#[test]
fn no_snapshot_in_the_working_directory_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sbom = example("infusion-pump", ".cdx.json");
    let out = medsec_in(&["analyze", &sbom], dir.path());
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("--db"), "{}", stderr(&out));
}

#[test]
fn fail_on_exits_4_exactly_when_a_finding_reaches_the_threshold() {
    let db = snapshot();
    let dir = tempfile::tempdir().expect("tempdir");
    for name in EXAMPLES {
        let sbom = example(name, ".cdx.json");
        let device = example(name, ".device.toml");
        let a = analysis_of(&sbom, &db, &["--device", &device]);
        let worst = findings(&a)
            .iter()
            .map(|f| rank(f["priority"].as_str().expect("priority")))
            .min();
        for (threshold, priority) in PRIORITIES.iter().enumerate() {
            let report = dir.path().join(format!("{name}-{priority}.json"));
            let out = medsec(&[
                "analyze",
                &sbom,
                "--db",
                &db,
                "--device",
                &device,
                "--as-of",
                AS_OF,
                "--format",
                "json",
                "--output",
                &p(&report),
                "--fail-on",
                priority,
            ]);
            let expected = if worst.is_some_and(|w| w <= threshold) {
                4
            } else {
                0
            };
            assert_eq!(
                code(&out),
                expected,
                "{name} --fail-on {priority}: {}",
                stderr(&out)
            );
            // The report is written whatever the verdict.
            let written = json(&std::fs::read(&report).expect("report written"), name);
            assert_eq!(written["analysis"]["findings"], a["findings"]);
        }
    }
}

#[test]
fn output_is_whole_or_untouched() {
    let db = snapshot();
    let sbom = example("patient-monitor", ".cdx.json");
    let dir = tempfile::tempdir().expect("tempdir");
    let target = dir.path().join("report.csv");

    let out = medsec(&[
        "analyze", &sbom, "--db", &db, "--format", "csv", "--as-of", AS_OF,
    ]);
    ok(&out, "stdout");
    let written = medsec(&[
        "analyze",
        &sbom,
        "--db",
        &db,
        "--format",
        "csv",
        "--as-of",
        AS_OF,
        "--output",
        &p(&target),
    ]);
    ok(&written, "--output");
    assert!(written.stdout.is_empty(), "nothing on stdout with --output");
    assert_eq!(std::fs::read(&target).expect("report"), out.stdout);

    // Failures leave the previous file as it was and no temporary file.
    std::fs::write(&target, "previous report\n").expect("write");
    let bad = dir.path().join("bad.cdx.json");
    std::fs::write(
        &bad,
        "{\"bomFormat\": \"CycloneDX\", \"specVersion\": \"1.6\", \"components\": [",
    )
    .expect("write");
    let bad = p(&bad);
    let failures = [
        (vec!["analyze", &bad, "--db", &db], 1),
        (
            vec!["analyze", &sbom, "--db", "/nonexistent/kb.snapshot"],
            3,
        ),
    ];
    for (mut args, expected) in failures {
        let target = p(&target);
        args.extend_from_slice(&["--output", &target]);
        let out = medsec(&args);
        assert_eq!(code(&out), expected, "{args:?}: {}", stderr(&out));
        assert_eq!(
            std::fs::read_to_string(&target).expect("read"),
            "previous report\n"
        );
    }
    let names: BTreeSet<String> = std::fs::read_dir(dir.path())
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        BTreeSet::from(["bad.cdx.json".to_owned(), "report.csv".to_owned()])
    );

    let nowhere = dir.path().join("no/such/dir/report.csv");
    let out = medsec(&["analyze", &sbom, "--db", &db, "--output", &p(&nowhere)]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(!nowhere.exists());
}

#[test]
fn device_file_errors_name_the_key_and_flags_override_it() {
    let db = snapshot();
    let sbom = example("infusion-pump", ".cdx.json");
    let dir = tempfile::tempdir().expect("tempdir");
    let cases = [
        ("device-class = \"toaster\"\n", "device-class", "line 1"),
        (
            "device-class = \"monitoring\"\npatient-contact = \"yes\"\n",
            "patient-contact",
            "line 2",
        ),
        (
            "device-class = \"monitoring\"\ncolour = \"red\"\n",
            "colour",
            "line 2",
        ),
        ("device-class = \n", "", "line 1"),
    ];
    for (i, (text, key, line)) in cases.iter().enumerate() {
        let file = dir.path().join(format!("device-{i}.toml"));
        std::fs::write(&file, text).expect("write");
        let out = medsec(&["analyze", &sbom, "--db", &db, "--device", &p(&file)]);
        let err = stderr(&out);
        assert_eq!(code(&out), 1, "{text}: {err}");
        assert!(err.contains(&p(&file)), "{text}: the file is named: {err}");
        assert!(err.contains(key), "{text}: the key {key} is named: {err}");
        assert!(err.contains(line), "{text}: {line} is named: {err}");
    }

    let missing = dir.path().join("absent.toml");
    let out = medsec(&["analyze", &sbom, "--db", &db, "--device", &p(&missing)]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));

    let device = example("imaging-workstation", ".device.toml");
    let a = analysis_of(&sbom, &db, &["--device", &device]);
    assert_eq!(a["device"]["device-class"], "diagnostic");
    assert_eq!(a["device"]["network-exposure"], "internet");
    assert_eq!(a["device"]["patient-contact"], false);
    let a = analysis_of(
        &sbom,
        &db,
        &[
            "--device",
            &device,
            "--network",
            "none",
            "--device-class",
            "life-sustaining",
            "--patient-contact",
        ],
    );
    assert_eq!(a["device"]["device-class"], "life-sustaining");
    assert_eq!(a["device"]["network-exposure"], "none");
    assert_eq!(a["device"]["patient-contact"], true);
    assert_eq!(a["device"]["handles-phi"], true, "from the file");
}

#[test]
fn rejected_input_is_1_missing_files_3_usage_2() {
    let db = snapshot();
    let sbom = example("infusion-pump", ".cdx.json");
    let dir = tempfile::tempdir().expect("tempdir");

    let bad = dir.path().join("broken.cdx.json");
    std::fs::write(
        &bad,
        "{\"bomFormat\": \"CycloneDX\", \"specVersion\": \"1.6\", \"components\": 7}",
    )
    .expect("write");
    let out = medsec(&["analyze", &p(&bad), "--db", &db]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("broken.cdx.json"), "{}", stderr(&out));

    let out = medsec(&[
        "analyze",
        &p(&dir.path().join("absent.cdx.json")),
        "--db",
        &db,
    ]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(stderr(&out).contains("absent.cdx.json"), "{}", stderr(&out));

    let out = medsec(&[
        "analyze",
        &sbom,
        "--db",
        &p(&dir.path().join("absent.snapshot")),
    ]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));

    let garbage = dir.path().join("garbage.snapshot");
    std::fs::write(&garbage, b"this is not a snapshot").expect("write");
    let out = medsec(&["analyze", &sbom, "--db", &p(&garbage)]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("garbage.snapshot"),
        "{}",
        stderr(&out)
    );

    for args in [
        vec!["analyze", &sbom, "--db", &db, "--format", "xml"],
        vec!["analyze", &sbom, "--db", &db, "--fail-on", "urgent"],
        vec!["analyze", &sbom, "--db", &db, "--network", "wifi"],
        vec!["analyze", &sbom, "--db", &db, "--as-of", "yesterday"],
        vec![
            "analyze",
            &sbom,
            "--db",
            &db,
            "--model",
            "models/exploitation",
            "--no-model",
        ],
    ] {
        let out = medsec(&args);
        assert_eq!(code(&out), 2, "{args:?}: {}", stderr(&out));
    }

    let out = medsec(&[
        "analyze",
        &sbom,
        "--db",
        "postgres://postgres@127.0.0.1:1/none",
    ]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
}

fn build_kb(out: &Path) {
    let status = Command::new(root().join("scripts/examples/build-kb"))
        .arg(out)
        .env("MEDSEC_BIN", env!("CARGO_BIN_EXE_medsec"))
        .stdout(std::process::Stdio::null())
        .status()
        .expect("run build-kb");
    assert!(status.success(), "build-kb: {status}");
}

#[test]
fn committed_snapshot_is_a_fresh_build_of_facts_only() {
    let Some(_data) = medsec_testdata::require("committed_snapshot_is_a_fresh_build_of_facts_only")
    else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let fresh = dir.path().join("kb.snapshot");
    build_kb(&fresh);
    let committed = std::fs::read(snapshot()).expect("examples/kb.snapshot");
    let built = std::fs::read(&fresh).expect("fresh snapshot");
    assert!(
        committed == built,
        "examples/kb.snapshot ({} bytes) differs from a fresh scripts/examples/build-kb ({} bytes)",
        committed.len(),
        built.len()
    );
    assert!(built.len() < 5 << 20, "{} bytes", built.len());

    let index = medsec_index::from_snapshot_vec(built).expect("snapshot loads");
    let mut records = 0;
    for r in index.records_iter() {
        let r = r.expect("record decodes");
        records += 1;
        assert!(
            r.summary.is_none() && r.details.is_none(),
            "{}: text kept",
            r.id
        );
        if let Some(k) = &r.kev {
            for text in [&k.vulnerability_name, &k.required_action] {
                assert!(
                    text.as_deref().is_none_or(str::is_empty),
                    "{}: KEV text kept",
                    r.id
                );
            }
        }
        for cve in r.aliases.iter().chain([&r.id]) {
            if let Some(k) = index.kev(cve) {
                assert!(
                    k.required_action.as_deref().is_none_or(str::is_empty),
                    "{cve}"
                );
            }
            for a in index.advisories_for(cve) {
                assert_eq!(a.title, a.id, "{cve}: advisory title kept");
            }
        }
    }
    assert!(records > 0);
}

/// Findings as (component, id, priority), to compare analyses.
fn finding_keys(a: &Value) -> BTreeSet<(String, String, String)> {
    findings(a)
        .iter()
        .map(|f| {
            (
                f["component"]["reference"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                f["id"].as_str().unwrap_or_default().to_owned(),
                f["priority"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[test]
fn whole_shared_knowledge_base_covers_every_component() {
    let Some(data) = medsec_testdata::require("whole_shared_knowledge_base_covers_every_component")
    else {
        return;
    };
    let v = data.join("vulns");
    let dir = tempfile::tempdir().expect("tempdir");
    let whole = dir.path().join("whole.snapshot");
    let args: Vec<String> = [
        "db",
        "import",
        "--snapshot",
        &p(&whole),
        "--nvd",
        &p(&v.join("nvd")),
        "--cve5",
        &p(&v.join("vulnrichment")),
        "--osv",
        &p(&v.join("osv")),
        "--kev",
        &p(&v.join("kev/known_exploited_vulnerabilities.json.gz")),
        "--epss",
        &p(&v.join("epss/epss_scores-2026-08-16.emba.csv.gz")),
        "--csaf",
        &p(&v.join("icsma-csaf")),
        "--cwe",
        &p(&v.join("cwe/cwe-view-1000.csv.gz")),
        "--cwe",
        &p(&v.join("cwe/cwe-view-1003.csv")),
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = medsec(&args);
    // 1: a few shared PyPI advisories break the OSV schema and are listed.
    assert!(matches!(code(&out), 0 | 1), "{}", stderr(&out));
    assert!(whole.is_file());
    let whole = p(&whole);

    for sbom in medsec_testdata::files_under(&data.join("sboms/medical")) {
        let doc = json(&medsec_testdata::read(&sbom), &p(&sbom));
        let a = analysis_of(&p(&sbom), &whole, &[]);
        let coverage = &a["coverage"];
        let listed = coverage["components"].as_array().expect("coverage").len();
        assert_eq!(listed, cyclonedx_components(&doc), "{}", sbom.display());
        let sum = ["matched", "no_known_vulnerabilities", "not_checkable"]
            .iter()
            .map(|k| coverage[k].as_u64().expect("count"))
            .sum::<u64>();
        assert_eq!(sum as usize, listed, "{}", sbom.display());
        eprintln!(
            "{}: {listed} components, {} findings, matched={} none={} not-checkable={}",
            sbom.file_name().unwrap_or_default().to_string_lossy(),
            findings(&a).len(),
            coverage["matched"],
            coverage["no_known_vulnerabilities"],
            coverage["not_checkable"]
        );
    }

    // The example snapshot keeps everything the examples can meet: the same
    // findings, with the same priorities, as the whole knowledge base.
    for name in EXAMPLES {
        let sbom = example(name, ".cdx.json");
        let device = example(name, ".device.toml");
        let small = analysis_of(&sbom, &snapshot(), &["--device", &device, "--no-model"]);
        let full = analysis_of(&sbom, &whole, &["--device", &device, "--no-model"]);
        assert_eq!(finding_keys(&small), finding_keys(&full), "{name}");
        assert_eq!(small["coverage"], full["coverage"], "{name}");
    }
}

#[tokio::test]
async fn postgres_knowledge_base_gives_the_snapshot_analysis() {
    let Some(data) =
        medsec_testdata::require("postgres_knowledge_base_gives_the_snapshot_analysis")
    else {
        return;
    };
    let db = medsec_test_db::TestDatabase::new().await;
    let url = db.url().to_owned();
    let v = data.join("vulns");
    let feeds: Vec<String> = [
        ("--nvd", v.join("nvd")),
        ("--cve5", v.join("vulnrichment")),
        ("--osv", v.join("osv/Maven")),
        ("--osv", v.join("osv/npm")),
        (
            "--kev",
            v.join("kev/known_exploited_vulnerabilities.json.gz"),
        ),
        ("--epss", data.join("testvectors/epss/vunnel-example-1.csv")),
        ("--cwe", v.join("cwe/cwe-view-1003.csv")),
    ]
    .iter()
    .flat_map(|(flag, path)| [(*flag).to_owned(), p(path)])
    .collect();
    let feeds: Vec<&str> = feeds.iter().map(String::as_str).collect();

    let mut args = vec!["db", "import", "--json", "--database-url", &url];
    args.extend(&feeds);
    let out = medsec(&args);
    ok(&out, "db import");
    let generation = json(&out.stdout, "import summary")["generation"]
        .as_u64()
        .expect("a generation")
        .to_string();
    let dir = tempfile::tempdir().expect("tempdir");
    let snap = p(&dir.path().join("same.snapshot"));
    let mut args = vec![
        "db",
        "import",
        "--snapshot",
        &snap,
        "--generation",
        &generation,
    ];
    args.extend(&feeds);
    ok(&medsec(&args), "db import --snapshot");

    let sbom = example("imaging-workstation", ".cdx.json");
    let device = example("imaging-workstation", ".device.toml");
    let from_db = analysis_of(&sbom, &url, &["--device", &device]);
    let from_file = analysis_of(&sbom, &snap, &["--device", &device]);
    assert!(!findings(&from_db).is_empty());
    assert_eq!(from_db, from_file);
}
