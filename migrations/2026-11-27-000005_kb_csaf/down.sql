DROP TABLE kb.csaf_remediations;
DROP TABLE kb.csaf_product_statuses;
DROP TABLE kb.csaf_products;
DROP TABLE kb.csaf_advisories;
