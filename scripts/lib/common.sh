# Shared shell helpers for scripts/. Source, don't run.

# Where reference implementations and other downloaded tools live: outside
# the clone, so a fresh checkout reuses them and the repo stays clean.
MEDSEC_CACHE_DIR="${MEDSEC_CACHE_DIR:-$HOME/.cache/medsec}"
MEDSEC_ORACLE_DIR="${MEDSEC_ORACLE_DIR:-$HOME/.cache/medsec-oracles}"
export MEDSEC_CACHE_DIR MEDSEC_ORACLE_DIR

step() {
    printf '\n==> %s\n' "$*" >&2
}

die() {
    printf 'error: %s\n' "$*" >&2
    exit 1
}

ensure_rust_components() {
    command -v cargo >/dev/null || die "cargo not found: install the Rust toolchain (rustup)"
    if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
        command -v rustup >/dev/null || die "rustfmt/clippy missing and rustup not found"
        rustup component add rustfmt clippy
    fi
}
