//! Reports of an analysis: canonical JSON, SARIF 2.1.0, CycloneDX 1.6 VEX, CSV, self-contained HTML and a terminal table.
