-- NVD CVE API 2.0 `configurations[]`. A configuration is an AND (or a single
-- OR) of nodes; each node is an OR/AND of CPE match criteria. "Running on"
-- configurations are an AND of two OR nodes: the vulnerable component and the
-- platform it must run on (vulnerable = false).
CREATE TABLE kb.cpe_configurations (
    vulnerability_id text    NOT NULL REFERENCES kb.vulnerabilities (id) ON DELETE CASCADE,
    ordinal          integer NOT NULL CHECK (ordinal >= 0),
    -- Absent in the feed when the configuration has a single node.
    operator         text    CHECK (operator IN ('AND', 'OR')),
    negate           boolean NOT NULL DEFAULT false,
    PRIMARY KEY (vulnerability_id, ordinal)
);

CREATE TABLE kb.cpe_nodes (
    vulnerability_id      text    NOT NULL,
    configuration_ordinal integer NOT NULL,
    ordinal               integer NOT NULL CHECK (ordinal >= 0),
    operator              text    NOT NULL CHECK (operator IN ('AND', 'OR')),
    negate                boolean NOT NULL DEFAULT false,
    PRIMARY KEY (vulnerability_id, configuration_ordinal, ordinal),
    FOREIGN KEY (vulnerability_id, configuration_ordinal)
        REFERENCES kb.cpe_configurations (vulnerability_id, ordinal) ON DELETE CASCADE
);

CREATE TABLE kb.cpe_matches (
    vulnerability_id        text    NOT NULL,
    configuration_ordinal   integer NOT NULL,
    node_ordinal            integer NOT NULL,
    ordinal                 integer NOT NULL CHECK (ordinal >= 0),
    vulnerable              boolean NOT NULL,
    -- The CPE 2.3 formatted string as published.
    criteria                text    NOT NULL,
    -- part, vendor and product of `criteria`, unescaped by the importer's CPE
    -- parser (a SQL split on ':' would break on escaped colons); they key the
    -- vendor/product lookup of CPE matching.
    part                    text    NOT NULL CHECK (part IN ('a', 'o', 'h', '*', '-')),
    vendor                  text    NOT NULL,
    product                 text    NOT NULL,
    match_criteria_id       text,
    version_start_including text,
    version_start_excluding text,
    version_end_including   text,
    version_end_excluding   text,
    CHECK (version_start_including IS NULL OR version_start_excluding IS NULL),
    CHECK (version_end_including IS NULL OR version_end_excluding IS NULL),
    PRIMARY KEY (vulnerability_id, configuration_ordinal, node_ordinal, ordinal),
    FOREIGN KEY (vulnerability_id, configuration_ordinal, node_ordinal)
        REFERENCES kb.cpe_nodes (vulnerability_id, configuration_ordinal, ordinal) ON DELETE CASCADE
);

CREATE INDEX cpe_matches_product_idx ON kb.cpe_matches (vendor, product);

-- CVE JSON 5 records (CVE Services, CISA vulnrichment). They are a feed of
-- their own with their own hash: the NVD record of the same CVE id lives in
-- kb.vulnerabilities and neither overwrites the other.
CREATE TABLE kb.cve_records (
    cve_id              text        PRIMARY KEY CHECK (cve_id ~ '^CVE-[0-9]{4}-[0-9]{4,}$'),
    state               text        NOT NULL CHECK (state IN ('PUBLISHED', 'REJECTED')),
    assigner_short_name text,
    date_published      timestamptz,
    date_updated        timestamptz,
    record_hash         bytea       NOT NULL CHECK (octet_length(record_hash) > 0),
    generation          bigint      NOT NULL REFERENCES kb.generations (generation),
    imported_at         timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX cve_records_generation_idx ON kb.cve_records (generation);

-- `containers.cna.affected[]` and `containers.adp[].affected[]`.
CREATE TABLE kb.cve_affected (
    cve_id         text    NOT NULL REFERENCES kb.cve_records (cve_id) ON DELETE CASCADE,
    ordinal        integer NOT NULL CHECK (ordinal >= 0),
    -- "cna" or "adp:<shortName>".
    container      text    NOT NULL,
    vendor         text,
    product        text,
    collection_url text,
    package_name   text,
    repo           text,
    default_status text    CHECK (default_status IN ('affected', 'unaffected', 'unknown')),
    cpes           text[]  NOT NULL DEFAULT '{}' CHECK (array_position(cpes, NULL) IS NULL),
    platforms      text[]  NOT NULL DEFAULT '{}' CHECK (array_position(platforms, NULL) IS NULL),
    PRIMARY KEY (cve_id, ordinal)
);

CREATE INDEX cve_affected_product_idx ON kb.cve_affected (vendor, product);
CREATE INDEX cve_affected_package_idx ON kb.cve_affected (collection_url, package_name)
    WHERE package_name IS NOT NULL;

CREATE TABLE kb.cve_affected_versions (
    cve_id             text    NOT NULL,
    affected_ordinal   integer NOT NULL,
    ordinal            integer NOT NULL CHECK (ordinal >= 0),
    version            text    NOT NULL,
    status             text    NOT NULL CHECK (status IN ('affected', 'unaffected', 'unknown')),
    less_than          text,
    less_than_or_equal text,
    version_type       text,
    -- `changes[]` (status changes at given versions) kept as published.
    changes            jsonb,
    CHECK (less_than IS NULL OR less_than_or_equal IS NULL),
    PRIMARY KEY (cve_id, affected_ordinal, ordinal),
    FOREIGN KEY (cve_id, affected_ordinal)
        REFERENCES kb.cve_affected (cve_id, ordinal) ON DELETE CASCADE
);
