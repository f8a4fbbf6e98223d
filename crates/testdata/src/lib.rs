//! Test support for the shared public data set.
//!
//! Tests that need the real SBOMs, feeds and published test vectors find
//! them at `$MEDSEC_SHARED_DATA`, or else at `../shared/data` beside the
//! workspace. Without them a test calls [`require`], which prints
//! `skipped: <test>: shared data not found ...` and lets the test return,
//! so a skip is always said by name.

use std::io::Read;
use std::path::{Path, PathBuf};

/// The shared data directory, when present.
pub fn shared_data() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("MEDSEC_SHARED_DATA") {
        let dir = PathBuf::from(dir);
        return dir.is_dir().then_some(dir);
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    dir.is_dir().then(|| dir.canonicalize().unwrap_or(dir))
}

/// The shared data directory, or `None` after printing that `test` was
/// skipped. Use as `let Some(data) = require("name") else { return };`.
pub fn require(test: &str) -> Option<PathBuf> {
    let dir = shared_data();
    if dir.is_none() {
        say_skipped(
            test,
            "shared data not found (set MEDSEC_SHARED_DATA or place it at ../shared/data)",
        );
    }
    dir
}

/// Prints `skipped: <test>: <why>` straight to standard error. The test
/// harness captures `eprintln!` of passing tests; a skip must be seen.
pub fn say_skipped(test: &str, why: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "skipped: {test}: {why}");
}

/// Reads a file, inflating it when its name ends in `.gz`.
pub fn read(path: &Path) -> Vec<u8> {
    let raw = std::fs::read(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    if path.extension().is_some_and(|e| e == "gz") {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .unwrap_or_else(|e| panic!("inflating {}: {e}", path.display()));
        out
    } else {
        raw
    }
}

/// Every regular file below `dir`, sorted, so test output is stable.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries =
            std::fs::read_dir(&d).unwrap_or_else(|e| panic!("listing {}: {e}", d.display()));
        for entry in entries {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.is_file() {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Reference implementations installed by `scripts/oracles/install`.
pub mod moto;
/// A PostgreSQL server of a test's own, to stop and start under load.
pub mod postgres;

pub mod oracles {
    use std::path::PathBuf;
    use std::process::{Command, Stdio};

    /// `$MEDSEC_ORACLE_DIR`, else `~/.cache/medsec-oracles`.
    pub fn dir() -> PathBuf {
        match std::env::var_os("MEDSEC_ORACLE_DIR") {
            Some(d) => PathBuf::from(d),
            None => PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
                .join(".cache/medsec-oracles"),
        }
    }

    /// A Python interpreter that can `import module`: the oracle venv's
    /// first, then `python3` on PATH.
    pub fn python_with(module: &str) -> Option<PathBuf> {
        let candidates = [dir().join("venv/bin/python"), PathBuf::from("python3")];
        candidates.into_iter().find(|python| {
            Command::new(python)
                .args(["-c", &format!("import {module}")])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        })
    }

    /// The installed version of a Python distribution, for test output.
    pub fn python_package_version(python: &PathBuf, distribution: &str) -> Option<String> {
        let out = Command::new(python)
            .args([
                "-c",
                &format!("import importlib.metadata as m; print(m.version({distribution:?}))"),
            ])
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
    }

    /// Prints the skip line the project uses for a missing oracle.
    pub fn skip(test: &str, oracle: &str) {
        super::say_skipped(
            test,
            &format!("{oracle} not installed (run scripts/oracles/install)"),
        );
    }
}
