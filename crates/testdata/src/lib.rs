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
        eprintln!(
            "skipped: {test}: shared data not found (set MEDSEC_SHARED_DATA or place it at ../shared/data)"
        );
    }
    dir
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
