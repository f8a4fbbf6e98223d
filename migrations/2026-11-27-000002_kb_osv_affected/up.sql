-- OSV `affected[]`: one row per affected package of a record, in feed order.
-- Child rows use composite keys (record id + ordinals) instead of generated
-- ids so an importer can build a whole batch in memory and insert it without
-- reading ids back.
CREATE TABLE kb.affected_packages (
    vulnerability_id   text    NOT NULL REFERENCES kb.vulnerabilities (id) ON DELETE CASCADE,
    ordinal            integer NOT NULL CHECK (ordinal >= 0),
    -- OSV ecosystem as published, including any suffix ("Debian:12").
    ecosystem          text    NOT NULL,
    package_name       text    NOT NULL,
    purl               text,
    -- Explicitly enumerated affected versions (`affected[].versions`).
    versions           text[]  NOT NULL DEFAULT '{}' CHECK (array_position(versions, NULL) IS NULL),
    ecosystem_specific jsonb,
    database_specific  jsonb,
    PRIMARY KEY (vulnerability_id, ordinal)
);

-- The matching index is built per package; lookups go by ecosystem and name.
CREATE INDEX affected_packages_package_idx ON kb.affected_packages (ecosystem, package_name);
CREATE INDEX affected_packages_purl_idx ON kb.affected_packages (purl) WHERE purl IS NOT NULL;

CREATE TABLE kb.affected_ranges (
    vulnerability_id  text    NOT NULL,
    affected_ordinal  integer NOT NULL,
    ordinal           integer NOT NULL CHECK (ordinal >= 0),
    range_type        text    NOT NULL CHECK (range_type IN ('SEMVER', 'ECOSYSTEM', 'GIT')),
    -- Required by OSV for GIT ranges.
    repo              text    CHECK (range_type <> 'GIT' OR repo IS NOT NULL),
    database_specific jsonb,
    PRIMARY KEY (vulnerability_id, affected_ordinal, ordinal),
    FOREIGN KEY (vulnerability_id, affected_ordinal)
        REFERENCES kb.affected_packages (vulnerability_id, ordinal) ON DELETE CASCADE
);

-- Range events keep their feed order: OSV evaluates them as a sorted
-- timeline, and the ordinal is how the order survives the round trip.
CREATE TABLE kb.range_events (
    vulnerability_id text    NOT NULL,
    affected_ordinal integer NOT NULL,
    range_ordinal    integer NOT NULL,
    ordinal          integer NOT NULL CHECK (ordinal >= 0),
    kind             text    NOT NULL CHECK (kind IN ('introduced', 'fixed', 'last_affected', 'limit')),
    value            text    NOT NULL,
    PRIMARY KEY (vulnerability_id, affected_ordinal, range_ordinal, ordinal),
    FOREIGN KEY (vulnerability_id, affected_ordinal, range_ordinal)
        REFERENCES kb.affected_ranges (vulnerability_id, affected_ordinal, ordinal) ON DELETE CASCADE
);

-- Fixed versions are derived from the events, never stored twice.
CREATE VIEW kb.fixed_versions AS
SELECT e.vulnerability_id,
       e.affected_ordinal,
       e.range_ordinal,
       e.ordinal,
       p.ecosystem,
       p.package_name,
       p.purl,
       r.range_type,
       e.value AS fixed_version
FROM kb.range_events e
JOIN kb.affected_ranges r
  ON r.vulnerability_id = e.vulnerability_id
 AND r.affected_ordinal = e.affected_ordinal
 AND r.ordinal = e.range_ordinal
JOIN kb.affected_packages p
  ON p.vulnerability_id = e.vulnerability_id
 AND p.ordinal = e.affected_ordinal
WHERE e.kind = 'fixed';
