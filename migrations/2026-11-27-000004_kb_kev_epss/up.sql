-- CISA Known Exploited Vulnerabilities. Keyed by CVE id without a foreign key
-- to kb.vulnerabilities: KEV can list a CVE before its NVD record is imported.
CREATE TABLE kb.kev_entries (
    cve_id               text   PRIMARY KEY CHECK (cve_id ~ '^CVE-[0-9]{4}-[0-9]{4,}$'),
    vendor_project       text   NOT NULL,
    product              text   NOT NULL,
    vulnerability_name   text   NOT NULL,
    date_added           date   NOT NULL,
    short_description    text   NOT NULL,
    required_action      text   NOT NULL,
    due_date             date,
    -- "Known" or "Unknown" as published.
    known_ransomware_use text   NOT NULL,
    notes                text   NOT NULL DEFAULT '',
    cwes                 text[] NOT NULL DEFAULT '{}' CHECK (array_position(cwes, NULL) IS NULL),
    catalog_version      text,
    generation           bigint NOT NULL REFERENCES kb.generations (generation)
);

-- FIRST EPSS: one score per CVE per day, so score drift stays queryable.
CREATE TABLE kb.epss_scores (
    cve_id        text             NOT NULL CHECK (cve_id ~ '^CVE-[0-9]{4}-[0-9]{4,}$'),
    score_date    date             NOT NULL,
    score         double precision NOT NULL CHECK (score BETWEEN 0 AND 1),
    percentile    double precision NOT NULL CHECK (percentile BETWEEN 0 AND 1),
    model_version text             NOT NULL,
    generation    bigint           NOT NULL REFERENCES kb.generations (generation),
    PRIMARY KEY (cve_id, score_date)
);

-- "Scores of the newest day" for the index build.
CREATE INDEX epss_scores_date_idx ON kb.epss_scores (score_date);
