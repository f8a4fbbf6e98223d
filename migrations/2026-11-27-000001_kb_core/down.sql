DROP TABLE kb.vulnerability_cwes;
DROP TABLE kb.cwes;
DROP TABLE kb.vulnerability_references;
DROP TABLE kb.severities;
DROP TABLE kb.vulnerabilities;
DROP TABLE kb.generations;
DROP SCHEMA kb;
