//! Version order per ecosystem, OSV ranges and vers ranges.
