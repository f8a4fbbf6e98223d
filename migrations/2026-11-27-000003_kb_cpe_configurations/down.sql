DROP TABLE kb.cve_affected_versions;
DROP TABLE kb.cve_affected;
DROP TABLE kb.cve_records;
DROP TABLE kb.cpe_matches;
DROP TABLE kb.cpe_nodes;
DROP TABLE kb.cpe_configurations;
