//! Shared helpers for the feed tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The path relative to the data root, as the error messages show it.
pub fn name(data: &Path, path: &Path) -> String {
    path.strip_prefix(data)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// Files below `dir` whose name ends with one of `suffixes`.
pub fn files(dir: &Path, suffixes: &[&str]) -> Vec<PathBuf> {
    medsec_testdata::files_under(dir)
        .into_iter()
        .filter(|p| {
            let n = p.to_string_lossy();
            suffixes.iter().any(|s| n.ends_with(s))
        })
        .collect()
}

pub fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&medsec_testdata::read(path))
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Length of the array at `pointer`, 0 when absent.
pub fn len_at(v: &serde_json::Value, pointer: &str) -> usize {
    v.pointer(pointer)
        .and_then(serde_json::Value::as_array)
        .map_or(0, Vec::len)
}

pub fn arr<'a>(v: &'a serde_json::Value, key: &str) -> &'a [serde_json::Value] {
    v.get(key)
        .and_then(serde_json::Value::as_array)
        .map_or(&[], Vec::as_slice)
}
