-- CSAF 2.0 advisories (CISA ICSMA medical advisories and vendor CSAF).
-- Keyed by the publisher namespace and tracking id: tracking ids are unique
-- only per publisher.
CREATE TABLE kb.csaf_advisories (
    publisher_namespace  text        NOT NULL,
    tracking_id          text        NOT NULL CHECK (tracking_id <> ''),
    publisher_name       text        NOT NULL,
    title                text        NOT NULL,
    category             text        NOT NULL,
    tlp_label            text,
    tracking_status      text        NOT NULL CHECK (tracking_status IN ('draft', 'interim', 'final')),
    tracking_version     text        NOT NULL,
    initial_release_date timestamptz NOT NULL,
    current_release_date timestamptz NOT NULL,
    record_hash          bytea       NOT NULL CHECK (octet_length(record_hash) > 0),
    generation           bigint      NOT NULL REFERENCES kb.generations (generation),
    imported_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (publisher_namespace, tracking_id)
);

-- Every full product name of the product tree (branches and relationships
-- flattened), with its identification helper.
CREATE TABLE kb.csaf_products (
    publisher_namespace text NOT NULL,
    tracking_id         text NOT NULL,
    product_id          text NOT NULL,
    name                text NOT NULL,
    vendor              text,
    product_name        text,
    product_version     text,
    cpe                 text,
    purl                text,
    PRIMARY KEY (publisher_namespace, tracking_id, product_id),
    FOREIGN KEY (publisher_namespace, tracking_id)
        REFERENCES kb.csaf_advisories (publisher_namespace, tracking_id) ON DELETE CASCADE
);

CREATE INDEX csaf_products_vendor_idx ON kb.csaf_products (vendor, product_name);

-- `vulnerabilities[].product_status`: one row per product, vulnerability and
-- status. No foreign key to kb.csaf_products: real advisories reference
-- product ids they never define, and the row should still be kept.
CREATE TABLE kb.csaf_product_statuses (
    publisher_namespace text NOT NULL,
    tracking_id         text NOT NULL,
    -- The CVE id, or another id when the vulnerability has none.
    vulnerability_id    text NOT NULL,
    product_id          text NOT NULL,
    status              text NOT NULL CHECK (status IN (
        'first_affected', 'first_fixed', 'fixed', 'known_affected',
        'known_not_affected', 'last_affected', 'recommended', 'under_investigation')),
    PRIMARY KEY (publisher_namespace, tracking_id, vulnerability_id, product_id, status),
    FOREIGN KEY (publisher_namespace, tracking_id)
        REFERENCES kb.csaf_advisories (publisher_namespace, tracking_id) ON DELETE CASCADE
);

CREATE INDEX csaf_product_statuses_vulnerability_idx ON kb.csaf_product_statuses (vulnerability_id);

CREATE TABLE kb.csaf_remediations (
    publisher_namespace text    NOT NULL,
    tracking_id         text    NOT NULL,
    vulnerability_id    text    NOT NULL,
    ordinal             integer NOT NULL CHECK (ordinal >= 0),
    category            text    NOT NULL CHECK (category IN (
        'mitigation', 'no_fix_planned', 'none_available', 'vendor_fix', 'workaround')),
    details             text    NOT NULL,
    url                 text,
    date                timestamptz,
    product_ids         text[]  NOT NULL DEFAULT '{}' CHECK (array_position(product_ids, NULL) IS NULL),
    group_ids           text[]  NOT NULL DEFAULT '{}' CHECK (array_position(group_ids, NULL) IS NULL),
    PRIMARY KEY (publisher_namespace, tracking_id, vulnerability_id, ordinal),
    FOREIGN KEY (publisher_namespace, tracking_id)
        REFERENCES kb.csaf_advisories (publisher_namespace, tracking_id) ON DELETE CASCADE
);
