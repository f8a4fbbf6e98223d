DROP TABLE kb.kev_epss;
DROP TABLE kb.ics_advisories;
DROP TABLE kb.cve_summaries;
