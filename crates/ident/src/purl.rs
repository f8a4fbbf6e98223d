//! Package URLs per the purl specification.
