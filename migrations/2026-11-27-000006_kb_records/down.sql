DROP TABLE kb.csaf_documents;
DROP TABLE kb.ssvc_decisions;
DROP TABLE kb.vulnerability_records;
