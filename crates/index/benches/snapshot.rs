//! Snapshot size, write time, load time and peak memory; build rate.
//!
//! `cargo bench -p medsec-index --bench snapshot`. Builds the index from
//! the shared `vulns/` data, then from a knowledge base scaled to 300,000
//! vulnerability records by replicating the real ones under new ids. Each
//! load is measured in a child process (this binary re-executed) so its
//! peak RSS (VmHWM) is the load's alone.

#[path = "../tests/common/mod.rs"]
mod common;

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use medsec_index::{read_snapshot_file, to_snapshot_bytes, Index, IndexBuilder};

const SCALED: usize = 300_000;
const CHILD_ENV: &str = "MEDSEC_INDEX_BENCH_LOAD";

fn vm_hwm_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

fn child(path: &str) {
    let t = Instant::now();
    match read_snapshot_file(Path::new(path)) {
        Ok(index) => {
            let secs = t.elapsed().as_secs_f64();
            println!(
                "load_s={secs:.3} vm_hwm_kib={} records={} generation={}",
                vm_hwm_kib().unwrap_or(0),
                index.len(),
                index.generation()
            );
        }
        Err(e) => {
            eprintln!("load failed: {e}");
            std::process::exit(1);
        }
    }
}

fn measure(label: &str, index: &Index, records_in: usize, build_s: f64, dir: &Path) {
    let t = Instant::now();
    let bytes = match to_snapshot_bytes(index) {
        Ok(b) => b,
        Err(e) => return eprintln!("{label}: encode failed: {e}"),
    };
    let path = dir.join(format!(
        "medsec-index-bench-{}-{label}.snap",
        std::process::id()
    ));
    if let Err(e) = std::fs::write(&path, &bytes) {
        return eprintln!("{label}: write failed: {e}");
    }
    let write_s = t.elapsed().as_secs_f64();
    println!(
        "{label}: {} vulnerability records ({records_in} given), build {build_s:.2} s = {:.0} records/s",
        index.len(),
        records_in as f64 / build_s
    );
    println!(
        "{label}: snapshot {:.1} MiB, write {write_s:.2} s",
        bytes.len() as f64 / (1024.0 * 1024.0)
    );
    drop(bytes);
    for run in 1..=3 {
        let out = std::env::current_exe()
            .and_then(|exe| Command::new(exe).env(CHILD_ENV, &path).output());
        match out {
            Ok(o) if o.status.success() => {
                let line = String::from_utf8_lossy(&o.stdout);
                let get = |k: &str| {
                    line.split_whitespace()
                        .find_map(|w| w.strip_prefix(k))
                        .unwrap_or("?")
                        .to_owned()
                };
                let hwm: f64 = get("vm_hwm_kib=").parse().unwrap_or(0.0);
                println!(
                    "{label}: load run {run}: {} s, peak RSS {:.0} MiB (child process)",
                    get("load_s="),
                    hwm / 1024.0
                );
            }
            Ok(o) => eprintln!(
                "{label}: child failed: {}",
                String::from_utf8_lossy(&o.stderr)
            ),
            Err(e) => eprintln!("{label}: child not started: {e}"),
        }
    }
    std::fs::remove_file(&path).ok();
}

fn replicate(
    base: &[medsec_kb::Vulnerability],
    copy: usize,
    v: &medsec_kb::Vulnerability,
) -> medsec_kb::Vulnerability {
    let _ = base;
    let mut r = v.clone();
    // New ids keep their scheme's shape; aliases are renamed the same way
    // so alias groups replicate too.
    let rename = |id: &str| format!("{id}-R{copy}");
    r.id = rename(&r.id);
    r.aliases = r.aliases.iter().map(|a| rename(a)).collect();
    r
}

fn main() {
    if let Ok(path) = std::env::var(CHILD_ENV) {
        return child(&path);
    }
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let Some(data) = medsec_testdata::shared_data() else {
        eprintln!("shared data not found; nothing measured");
        return;
    };
    let dir = std::env::temp_dir();
    let t = Instant::now();
    let records = common::load(&data);
    println!(
        "read the shared vulns data in {:.2} s",
        t.elapsed().as_secs_f64()
    );
    let n_in = records.vulns.len()
        + records.kev.len()
        + records.epss.len()
        + records.cwe.len()
        + records.csaf.len();
    let t = Instant::now();
    let index = common::builder(records.clone()).build(1);
    measure("real", &index, n_in, t.elapsed().as_secs_f64(), &dir);
    drop(index);

    // Scaled: every real vulnerability record, replicated under new ids
    // until there are SCALED of them, plus the real KEV, EPSS, CWE, CSAF.
    let base = records.vulns.clone();
    println!(
        "scaled: replicating {} real vulnerability records under new ids to {SCALED} (replicated data, not real records)",
        base.len()
    );
    let mut builder = IndexBuilder::new();
    let t = Instant::now();
    let mut given = 0;
    'outer: for copy in 0.. {
        for v in &base {
            if given >= SCALED {
                break 'outer;
            }
            builder.add_vulnerability(if copy == 0 {
                v.clone()
            } else {
                replicate(&base, copy, v)
            });
            given += 1;
        }
    }
    let mut rest = records;
    rest.vulns.clear();
    let n_rest = rest.kev.len() + rest.epss.len() + rest.cwe.len() + rest.csaf.len();
    for e in rest.kev {
        builder.add_kev(e);
    }
    for s in rest.epss {
        builder.add_epss(&rest.epss_meta, s);
    }
    for c in rest.cwe {
        builder.add_cwe(c);
    }
    for a in rest.csaf {
        builder.add_csaf(a);
    }
    let index = builder.build(2);
    measure(
        "scaled",
        &index,
        given + n_rest,
        t.elapsed().as_secs_f64(),
        &dir,
    );
}
