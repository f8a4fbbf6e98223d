//! CPE 2.3 naming (NISTIR 7695) and name matching (NISTIR 7696).
