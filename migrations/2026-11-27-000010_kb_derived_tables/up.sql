-- Derived per-CVE and per-advisory tables published beside the feeds. Keyed
-- without foreign keys to kb.vulnerabilities: they cover CVEs whose records
-- may never be imported. Each row keeps its content hash; a row replaces the
-- stored one when it is newer (its date, then its hash), as records do.

-- One row per CVE JSON 5 record of CISA vulnrichment: the CNA's and
-- CISA-ADP's CVSS vectors and CWE ids, CISA's SSVC decision and KEV flag.
CREATE TABLE kb.cve_summaries (
    cve_id                text        PRIMARY KEY CHECK (cve_id ~ '^CVE-[0-9]{4}-[0-9]{4,}$'),
    state                 text        NOT NULL,
    date_published        timestamptz,
    date_updated          timestamptz,
    cna_short_name        text,
    cna_cvss_v31          text,
    cna_cvss_v30          text,
    cna_cvss_v40          text,
    cna_cvss_v2           text,
    adp_cvss_v31          text,
    cna_cwes              text[]      NOT NULL DEFAULT '{}' CHECK (array_position(cna_cwes, NULL) IS NULL),
    adp_cwes              text[]      NOT NULL DEFAULT '{}' CHECK (array_position(adp_cwes, NULL) IS NULL),
    -- As CISA writes them (its casing varies: none/None, poc/PoC).
    ssvc_exploitation     text,
    ssvc_automatable      text,
    ssvc_technical_impact text,
    in_kev                boolean     NOT NULL,
    kev_date_added        date,
    record_hash           bytea       NOT NULL,
    generation            bigint      NOT NULL REFERENCES kb.generations (generation)
);

-- The ICS Advisory Project's master list: one row per CISA ICS advisory and
-- vendor (an advisory naming two vendors has two rows), keyed by the
-- project's row id.
CREATE TABLE kb.ics_advisories (
    row_id               integer          PRIMARY KEY,
    advisory_id          text             NOT NULL CHECK (advisory_id <> ''),
    title                text             NOT NULL,
    vendor               text             NOT NULL,
    product              text             NOT NULL,
    products_affected    text             NOT NULL,
    released             date             NOT NULL,
    last_updated         date             NOT NULL,
    cves                 text[]           NOT NULL DEFAULT '{}' CHECK (array_position(cves, NULL) IS NULL),
    cumulative_cvss      double precision CHECK (cumulative_cvss BETWEEN 0 AND 10),
    cvss_severity        text,
    cwes                 text[]           NOT NULL DEFAULT '{}' CHECK (array_position(cwes, NULL) IS NULL),
    sectors              text[]           NOT NULL DEFAULT '{}' CHECK (array_position(sectors, NULL) IS NULL),
    product_distribution text,
    headquarters         text,
    -- ICSMA advisories: medical devices.
    medical              boolean          NOT NULL,
    record_hash          bytea            NOT NULL,
    generation           bigint           NOT NULL REFERENCES kb.generations (generation)
);

CREATE INDEX ics_advisories_advisory_idx ON kb.ics_advisories (advisory_id);
-- CVE -> advisories: `cves @> ARRAY['CVE-…']`.
CREATE INDEX ics_advisories_cves_idx ON kb.ics_advisories USING gin (cves);

-- The KEV catalog joined with NVD's CVSS 3 base score and EPSS, as of the
-- date in the file's name.
CREATE TABLE kb.kev_epss (
    cve_id      text             PRIMARY KEY CHECK (cve_id ~ '^CVE-[0-9]{4}-[0-9]{4,}$'),
    cvss3       double precision CHECK (cvss3 BETWEEN 0 AND 10),
    epss        double precision NOT NULL CHECK (epss BETWEEN 0 AND 1),
    percentile  double precision NOT NULL CHECK (percentile BETWEEN 0 AND 1),
    description text             NOT NULL,
    vendor      text             NOT NULL,
    product     text             NOT NULL,
    as_of       date,
    record_hash bytea            NOT NULL,
    generation  bigint           NOT NULL REFERENCES kb.generations (generation)
);
