DROP TABLE kb.epss_scores;
DROP TABLE kb.kev_entries;
