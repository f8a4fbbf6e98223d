//! Shared by the differential tests: version strings from the OSV data,
//! a reference process fed over stdin, and a small seeded generator.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};

#[allow(unused_imports)]
pub use medsec_testdata::oracles::{dir as oracle_dir, skip};

/// Version strings per package: (OSV ecosystem directory, package) ->
/// every `introduced`/`fixed`/`last_affected`/`limit` value and every
/// `versions` entry, first-seen order, without duplicates.
pub type Corpus = BTreeMap<(String, String), Vec<String>>;

fn add(corpus: &mut Corpus, eco: &str, pkg: &str, v: &str) {
    let list = corpus
        .entry((eco.to_string(), pkg.to_string()))
        .or_default();
    if !list.iter().any(|x| x == v) {
        list.push(v.to_string());
    }
}

fn collect_json(corpus: &mut Corpus, eco: &str, doc: &serde_json::Value) {
    for a in doc["affected"].as_array().into_iter().flatten() {
        let pkg = a["package"]["name"].as_str().unwrap_or("");
        for r in a["ranges"].as_array().into_iter().flatten() {
            if r["type"] == "GIT" {
                continue;
            }
            for e in r["events"].as_array().into_iter().flatten() {
                for key in ["introduced", "fixed", "last_affected", "limit"] {
                    if let Some(v) = e[key].as_str() {
                        if !(key == "introduced" && v == "0" || key == "limit" && v == "*") {
                            add(corpus, eco, pkg, v);
                        }
                    }
                }
            }
        }
        for v in a["versions"].as_array().into_iter().flatten() {
            if let Some(v) = v.as_str() {
                add(corpus, eco, pkg, v);
            }
        }
    }
}

/// Every version string in `vulns/osv/<eco>/` (JSON, or YAML for PyPI).
pub fn osv_versions(data: &Path, ecosystems: &[&str]) -> Corpus {
    let mut corpus = Corpus::new();
    for eco in ecosystems {
        let dir = data.join("vulns/osv").join(eco);
        for file in medsec_testdata::files_under(&dir) {
            let name = file.to_string_lossy();
            let bytes = medsec_testdata::read(&file);
            let doc: serde_json::Value = if name.ends_with(".json") {
                serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"))
            } else if name.ends_with(".yaml") || name.ends_with(".yml") {
                let y: serde_norway::Value =
                    serde_norway::from_slice(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
                serde_json::to_value(y).unwrap_or_else(|e| panic!("{name}: {e}"))
            } else {
                continue;
            };
            collect_json(&mut corpus, eco, &doc);
        }
    }
    corpus
}

/// A reference implementation run once and fed one request per line.
pub struct Oracle {
    program: String,
    args: Vec<String>,
}

impl Oracle {
    pub fn new(program: &str, args: &[&str]) -> Oracle {
        Oracle {
            program: program.to_string(),
            args: args.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// Sends every request in one process and returns one answer line per
    /// request. The writer runs on its own thread so neither side blocks.
    pub fn ask(&self, requests: &[String]) -> Vec<String> {
        let mut child = Command::new(&self.program)
            .args(&self.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", self.program));
        let mut stdin = child.stdin.take().expect("stdin");
        let input: String = requests.iter().map(|r| format!("{r}\n")).collect();
        let writer = std::thread::spawn(move || {
            stdin
                .write_all(input.as_bytes())
                .expect("writing to oracle");
        });
        let stdout = child.stdout.take().expect("stdout");
        let answers: Vec<String> = BufReader::new(stdout)
            .lines()
            .map(|l| l.expect("reading oracle"))
            .collect();
        writer.join().expect("writer thread");
        let status = child.wait().expect("oracle exit");
        assert!(status.success(), "{} exited with {status}", self.program);
        assert_eq!(
            answers.len(),
            requests.len(),
            "{} answered {} of {} requests",
            self.program,
            answers.len(),
            requests.len()
        );
        answers
    }
}

/// xorshift64*: deterministic pair sampling without a dependency.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }
    pub fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let x = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D);
        if n == 0 {
            0
        } else {
            (x % n as u64) as usize
        }
    }
}

/// Strings safe to send on a tab-separated line protocol.
pub fn line_safe(s: &str) -> bool {
    !s.contains(['\t', '\n', '\r'])
}
