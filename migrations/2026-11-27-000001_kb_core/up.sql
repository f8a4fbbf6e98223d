-- The vulnerability knowledge base lives in its own schema so that it can be
-- dumped, restored or rebuilt from the public feeds independently of the
-- application data (jobs, results, tenants, keys, audit), which lives elsewhere.
CREATE SCHEMA kb;

-- Every import that changes something records one generation. Workers compare
-- the newest generation with the one their matching index was built from, and
-- rows carry the generation that last wrote them so a rebuild can be
-- incremental ("what changed since N"). Imports take an exclusive lock on this
-- table while they run so generations commit in order (see
-- medsec_store::kb::begin_generation).
CREATE TABLE kb.generations (
    generation   bigint      PRIMARY KEY CHECK (generation > 0),
    source       text        NOT NULL,
    started_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz,
    inserted     integer     NOT NULL DEFAULT 0 CHECK (inserted >= 0),
    updated      integer     NOT NULL DEFAULT 0 CHECK (updated >= 0),
    withdrawn    integer     NOT NULL DEFAULT 0 CHECK (withdrawn >= 0)
);

-- One row per advisory id (CVE-..., GHSA-..., PYSEC-..., GO-..., RUSTSEC-...).
-- The importer upserts batches keyed by id: a row whose record_hash is
-- unchanged is skipped, a newer `modified` replaces the row and all its child
-- rows, and a withdrawn record keeps its row with `withdrawn` set.
CREATE TABLE kb.vulnerabilities (
    id           text        PRIMARY KEY CHECK (id <> ''),
    source       text        NOT NULL,
    aliases      text[]      NOT NULL DEFAULT '{}'
                             CHECK (array_position(aliases, NULL) IS NULL),
    related      text[]      NOT NULL DEFAULT '{}'
                             CHECK (array_position(related, NULL) IS NULL),
    published    timestamptz,
    modified     timestamptz NOT NULL,
    withdrawn    timestamptz,
    summary      text,
    details      text,
    record_hash  bytea       NOT NULL CHECK (octet_length(record_hash) > 0),
    generation   bigint      NOT NULL REFERENCES kb.generations (generation),
    imported_at  timestamptz NOT NULL DEFAULT now()
);

-- Alias lookups ("which records name CVE-2021-44228?") merge findings.
CREATE INDEX vulnerabilities_aliases_idx ON kb.vulnerabilities USING gin (aliases);
CREATE INDEX vulnerabilities_generation_idx ON kb.vulnerabilities (generation);

-- CVSS (and other) severities as published, with our own computed scores so
-- disagreements between a vector and its published score are visible.
CREATE TABLE kb.severities (
    vulnerability_id            text    NOT NULL REFERENCES kb.vulnerabilities (id) ON DELETE CASCADE,
    ordinal                     integer NOT NULL CHECK (ordinal >= 0),
    -- Who scored it: "nvd@nist.gov", a CNA, "osv".
    source                      text    NOT NULL,
    -- NVD's "Primary" / "Secondary"; empty for feeds without the notion.
    source_type                 text,
    -- OSV severity type: CVSS_V2, CVSS_V3, CVSS_V4, Ubuntu, ...
    score_type                  text    NOT NULL,
    vector                      text    NOT NULL,
    base_score                  double precision CHECK (base_score BETWEEN 0 AND 10),
    base_severity               text,
    exploitability_score        double precision,
    impact_score                double precision,
    computed_base_score         double precision CHECK (computed_base_score BETWEEN 0 AND 10),
    computed_threat_score       double precision CHECK (computed_threat_score BETWEEN 0 AND 10),
    computed_environmental_score double precision CHECK (computed_environmental_score BETWEEN 0 AND 10),
    computed_severity           text,
    PRIMARY KEY (vulnerability_id, ordinal)
);

CREATE TABLE kb.vulnerability_references (
    vulnerability_id text    NOT NULL REFERENCES kb.vulnerabilities (id) ON DELETE CASCADE,
    ordinal          integer NOT NULL CHECK (ordinal >= 0),
    url              text    NOT NULL,
    -- OSV reference type (ADVISORY, FIX, WEB, ...).
    ref_type         text,
    -- NVD reference tags ("Patch", "Vendor Advisory", ...).
    tags             text[]  NOT NULL DEFAULT '{}' CHECK (array_position(tags, NULL) IS NULL),
    source           text,
    PRIMARY KEY (vulnerability_id, ordinal)
);

-- The CWE catalogue.
CREATE TABLE kb.cwes (
    id          text PRIMARY KEY CHECK (id ~ '^CWE-[0-9]+$'),
    name        text NOT NULL,
    abstraction text CHECK (abstraction IN ('Pillar', 'Class', 'Base', 'Variant', 'Compound')),
    status      text,
    description text
);

-- Weaknesses named by a record. No foreign key to kb.cwes: feeds name
-- pseudo-weaknesses (NVD-CWE-Other, NVD-CWE-noinfo) and the catalogue may be
-- imported after the records.
CREATE TABLE kb.vulnerability_cwes (
    vulnerability_id text NOT NULL REFERENCES kb.vulnerabilities (id) ON DELETE CASCADE,
    source           text NOT NULL DEFAULT '',
    cwe_id           text NOT NULL CHECK (cwe_id <> ''),
    PRIMARY KEY (vulnerability_id, source, cwe_id)
);

CREATE INDEX vulnerability_cwes_cwe_idx ON kb.vulnerability_cwes (cwe_id);
