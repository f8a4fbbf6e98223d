//! Fingerprints the workspace's `migrations/` so the template database is
//! rebuilt whenever a migration is added or edited.

use std::collections::hash_map::DefaultHasher;
use std::fs;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, files);
        } else {
            files.push(path);
        }
    }
}

fn main() {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let migrations = manifest_dir.join("../../migrations");
    println!("cargo:rerun-if-changed={}", migrations.display());
    let mut files = Vec::new();
    collect(&migrations, &mut files);
    files.sort();
    let mut hasher = DefaultHasher::new();
    for file in &files {
        file.strip_prefix(&migrations)
            .unwrap_or(file)
            .hash(&mut hasher);
        fs::read(file).unwrap_or_default().hash(&mut hasher);
    }
    println!(
        "cargo:rustc-env=MEDSEC_MIGRATIONS_FINGERPRINT={:016x}",
        hasher.finish()
    );
}
