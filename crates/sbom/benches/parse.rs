//! SBOM parse throughput and peak memory, against a plain
//! `serde_json::Value` parse of the same bytes in the same run.
//!
//! Each measurement runs in a fresh child process (this binary re-executed
//! with `MEDSEC_BENCH_CHILD` set) so that its peak RSS (`VmHWM`) belongs to
//! that one parse alone. Inputs: the large real SBOMs of the shared data set
//! and a generated 100,000-component CycloneDX JSON.
//!
//! Run with `scripts/bench` or `cargo bench -p medsec-sbom --bench parse`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const CHILD: &str = "MEDSEC_BENCH_CHILD";
const GENERATED_COMPONENTS: usize = 100_000;

fn main() {
    if let Ok(spec) = std::env::var(CHILD) {
        child(&spec);
        return;
    }
    let mut inputs: Vec<(String, PathBuf)> = Vec::new();
    match medsec_testdata::require("bench parse: large SBOMs") {
        Some(data) => {
            for path in medsec_testdata::files_under(&data.join("sboms/large")) {
                let raw = medsec_testdata::read(&path);
                let name = path
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .trim_end_matches(".gz")
                    .to_string();
                let out = scratch_dir().join(&name);
                std::fs::write(&out, raw).expect("writing inflated SBOM");
                inputs.push((name, out));
            }
        }
        None => eprintln!("(only the generated SBOM will be measured)"),
    }
    let generated = scratch_dir().join("generated-100k.cdx.json");
    write_generated(&generated, GENERATED_COMPONENTS);
    inputs.push((
        format!("generated {GENERATED_COMPONENTS} components (CycloneDX 1.6 JSON)"),
        generated,
    ));
    let generated_spdx = scratch_dir().join("generated-100k.spdx.json");
    write_generated_spdx(&generated_spdx, GENERATED_COMPONENTS);
    inputs.push((
        format!("generated {GENERATED_COMPONENTS} packages (SPDX 2.3 JSON)"),
        generated_spdx,
    ));

    println!(
        "{:<58} {:>9} {:>10} {:>10} {:>9} {:>10} {:>9} {:>9}",
        "input", "MiB", "medsec", "Value", "speed", "medsec", "Value", "RSS/file"
    );
    println!(
        "{:<58} {:>9} {:>10} {:>10} {:>9} {:>10} {:>9} {:>9}",
        "", "", "MB/s", "MB/s", "ratio", "peak MiB", "peak MiB", ""
    );
    for (name, path) in &inputs {
        let size = std::fs::metadata(path).expect("input size").len() as f64;
        let ours = measure("medsec", path);
        let value = measure("value", path);
        let mb = size / 1e6;
        println!(
            "{:<58} {:>9.1} {:>10.1} {:>10.1} {:>8.2}x {:>10.1} {:>9.1} {:>8.2}x",
            name,
            size / (1 << 20) as f64,
            mb / ours.seconds,
            mb / value.seconds,
            value.seconds / ours.seconds,
            ours.peak_rss as f64 / (1 << 20) as f64,
            value.peak_rss as f64 / (1 << 20) as f64,
            ours.peak_rss as f64 / size,
        );
        println!("    ({} components, {} edges)", ours.components, ours.edges);
    }
    println!();
    println!("speed ratio = Value time / medsec time (above 1: medsec parses faster than a bare Value parse).");
    println!("RSS/file = medsec peak RSS / file size, input bytes included (target: under 4x).");
}

struct Measurement {
    seconds: f64,
    peak_rss: u64,
    components: usize,
    edges: usize,
}

/// Best of three child runs for time; peak RSS of the same runs (max).
fn measure(kind: &str, path: &Path) -> Measurement {
    let exe = std::env::current_exe().expect("bench executable");
    let mut best: Option<Measurement> = None;
    for _ in 0..3 {
        let output = Command::new(&exe)
            .env(CHILD, format!("{kind}\n{}", path.display()))
            .output()
            .expect("running measurement child");
        assert!(
            output.status.success(),
            "child failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let text = String::from_utf8_lossy(&output.stdout);
        let fields: Vec<&str> = text.split_whitespace().collect();
        let m = Measurement {
            seconds: fields[0].parse().unwrap(),
            peak_rss: fields[1].parse().unwrap(),
            components: fields[2].parse().unwrap(),
            edges: fields[3].parse().unwrap(),
        };
        best = Some(match best {
            None => m,
            Some(b) => Measurement {
                seconds: b.seconds.min(m.seconds),
                peak_rss: b.peak_rss.max(m.peak_rss),
                components: m.components,
                edges: m.edges,
            },
        });
    }
    best.unwrap()
}

/// One measurement: read the file, parse it, report time, peak RSS, counts.
fn child(spec: &str) {
    let (kind, path) = spec.split_once('\n').expect("kind and path");
    let bytes = std::fs::read(path).expect("reading input");
    let start = Instant::now();
    let (components, edges) = match kind {
        "medsec" => {
            let sbom = medsec_sbom::parse(&bytes).expect("parse");
            (sbom.components.len(), sbom.edges.len())
        }
        "value" => {
            let value: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
            (value.as_object().map_or(0, |o| o.len()), 0)
        }
        other => panic!("unknown measurement {other}"),
    };
    let seconds = start.elapsed().as_secs_f64();
    println!("{seconds} {} {components} {edges}", peak_rss_bytes());
}

fn peak_rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

fn scratch_dir() -> PathBuf {
    let dir = std::env::temp_dir().join("medsec-bench");
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// A deterministic SPDX 2.3 document of the same shape: every package with
/// a purl and a CPE, a checksum, a declared licence and a homepage, and up
/// to three DEPENDS_ON relationships each.
fn write_generated_spdx(path: &Path, n: usize) {
    let file = std::fs::File::create(path).expect("creating generated SBOM");
    let mut w = std::io::BufWriter::new(file);
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    write!(
        w,
        r#"{{"spdxVersion":"SPDX-2.3","dataLicense":"CC0-1.0","SPDXID":"SPDXRef-DOCUMENT","name":"generated-device","documentNamespace":"https://example.org/spdx/generated-device-1.0","creationInfo":{{"created":"2026-01-01T00:00:00Z","creators":["Tool: medsec-bench"]}},"documentDescribes":["SPDXRef-p0"],"packages":["#
    )
    .unwrap();
    for i in 0..n {
        if i > 0 {
            w.write_all(b",").unwrap();
        }
        let (major, minor) = (next() % 20, next() % 50);
        write!(
            w,
            r#"{{"SPDXID":"SPDXRef-p{i}","name":"artifact-{i}","versionInfo":"{major}.{minor}.{i}","supplier":"Organization: Example {g}","downloadLocation":"NOASSERTION","homepage":"https://example.org/group{g}/artifact-{i}","licenseDeclared":"Apache-2.0","licenseConcluded":"NOASSERTION","copyrightText":"NOASSERTION","checksums":[{{"algorithm":"SHA256","checksumValue":"{h:016x}{h:016x}{h:016x}{h:016x}"}}],"externalRefs":[{{"referenceCategory":"PACKAGE-MANAGER","referenceType":"purl","referenceLocator":"pkg:maven/org.example.group{g}/artifact-{i}@{major}.{minor}.{i}"}},{{"referenceCategory":"SECURITY","referenceType":"cpe23Type","referenceLocator":"cpe:2.3:a:example{g}:artifact-{i}:{major}.{minor}.{i}:*:*:*:*:*:*:*"}}]}}"#,
            g = i % 97,
            h = next(),
        )
        .unwrap();
    }
    w.write_all(br#"],"relationships":["#).unwrap();
    let mut first = true;
    for i in 0..n {
        let mut deps: Vec<usize> = (0..(next() % 4))
            .map(|_| (next() as usize) % n)
            .filter(|&j| j != i)
            .collect();
        deps.sort_unstable();
        deps.dedup();
        for j in deps {
            if !first {
                w.write_all(b",").unwrap();
            }
            first = false;
            write!(
                w,
                r#"{{"spdxElementId":"SPDXRef-p{i}","relationshipType":"DEPENDS_ON","relatedSpdxElement":"SPDXRef-p{j}"}}"#
            )
            .unwrap();
        }
    }
    w.write_all(b"]}").unwrap();
    w.flush().unwrap();
}

/// A deterministic CycloneDX 1.6 SBOM shaped like a generator's output:
/// every component with purl, CPE, a hash, a licence, two properties and
/// an external reference, and a dependency graph of up to three edges each.
fn write_generated(path: &Path, n: usize) {
    let file = std::fs::File::create(path).expect("creating generated SBOM");
    let mut w = std::io::BufWriter::new(file);
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    write!(
        w,
        r#"{{"bomFormat":"CycloneDX","specVersion":"1.6","serialNumber":"urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79","version":1,"metadata":{{"timestamp":"2026-01-01T00:00:00Z","component":{{"bom-ref":"root","type":"device","name":"generated-device","version":"1.0.0"}}}},"components":["#
    )
    .unwrap();
    for i in 0..n {
        if i > 0 {
            w.write_all(b",").unwrap();
        }
        let major = next() % 20;
        let minor = next() % 50;
        write!(
            w,
            r#"{{"bom-ref":"c{i}","type":"library","group":"org.example.group{g}","name":"artifact-{i}","version":"{major}.{minor}.{i}","purl":"pkg:maven/org.example.group{g}/artifact-{i}@{major}.{minor}.{i}","cpe":"cpe:2.3:a:example{g}:artifact-{i}:{major}.{minor}.{i}:*:*:*:*:*:*:*","hashes":[{{"alg":"SHA-256","content":"{h:016x}{h:016x}{h:016x}{h:016x}"}}],"licenses":[{{"license":{{"id":"Apache-2.0"}}}}],"externalReferences":[{{"type":"vcs","url":"https://example.org/group{g}/artifact-{i}.git"}}],"properties":[{{"name":"Level of Support","value":"Actively maintained"}},{{"name":"End-of-Support","value":"2030-12-31"}}]}}"#,
            g = i % 97,
            h = next(),
        )
        .unwrap();
    }
    w.write_all(br#"],"dependencies":["#).unwrap();
    for i in 0..n {
        if i > 0 {
            w.write_all(b",").unwrap();
        }
        let mut deps: Vec<usize> = (0..(next() % 4))
            .map(|_| (next() as usize) % n)
            .filter(|&j| j != i)
            .collect();
        deps.sort_unstable();
        deps.dedup();
        let deps: Vec<String> = deps.iter().map(|j| format!("\"c{j}\"")).collect();
        write!(w, r#"{{"ref":"c{i}","dependsOn":[{}]}}"#, deps.join(",")).unwrap();
    }
    w.write_all(b"]}").unwrap();
    w.flush().unwrap();
}
