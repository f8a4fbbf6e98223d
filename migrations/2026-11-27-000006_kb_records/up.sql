-- Every vulnerability record of every feed, keyed by feed and id, as the
-- canonical JSON of the medsec-kb model. kb.vulnerabilities holds one row per
-- id (NVD before OSV before legacy NVD when several feeds use the same id) and
-- kb.cve_records the CVE JSON 5 view, both normalised for queries; this table
-- keeps each feed's record whole, so the matching index built from PostgreSQL
-- is the one built from the feed files (SSVC decisions, affected-level
-- severities, upstream ids and database_specific have no normalised columns).
-- Import decisions (unchanged, newer, older) are taken per (source, id) here.
CREATE TABLE kb.vulnerability_records (
    source       text        NOT NULL CHECK (source IN ('nvd', 'nvd_legacy', 'cve5', 'osv')),
    id           text        NOT NULL CHECK (id <> ''),
    -- NULL when the feed gives none: sorts before every date.
    modified     timestamptz,
    withdrawn    timestamptz,
    document     jsonb       NOT NULL,
    record_hash  bytea       NOT NULL CHECK (octet_length(record_hash) = 32),
    generation   bigint      NOT NULL REFERENCES kb.generations (generation),
    imported_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, id)
);

CREATE INDEX vulnerability_records_id_idx ON kb.vulnerability_records (id);
CREATE INDEX vulnerability_records_generation_idx ON kb.vulnerability_records (generation);

-- CISA SSVC decisions (NVD ssvc, vulnrichment ADP), queryable for ranking.
CREATE TABLE kb.ssvc_decisions (
    source           text    NOT NULL,
    vulnerability_id text    NOT NULL,
    ordinal          integer NOT NULL CHECK (ordinal >= 0),
    provider         text,
    role             text,
    version          text,
    decided_at       timestamptz,
    exploitation     text,
    automatable      text,
    technical_impact text,
    PRIMARY KEY (source, vulnerability_id, ordinal),
    FOREIGN KEY (source, vulnerability_id)
        REFERENCES kb.vulnerability_records (source, id) ON DELETE CASCADE
);

CREATE INDEX ssvc_decisions_vulnerability_idx ON kb.ssvc_decisions (vulnerability_id);

-- The whole CSAF advisory as the medsec-kb model reads it (product tree
-- relationships, branch paths, scores per product set), beside its
-- normalised rows.
CREATE TABLE kb.csaf_documents (
    publisher_namespace text  NOT NULL,
    tracking_id         text  NOT NULL,
    document            jsonb NOT NULL,
    PRIMARY KEY (publisher_namespace, tracking_id),
    FOREIGN KEY (publisher_namespace, tracking_id)
        REFERENCES kb.csaf_advisories (publisher_namespace, tracking_id) ON DELETE CASCADE
);
