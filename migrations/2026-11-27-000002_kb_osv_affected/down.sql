DROP VIEW kb.fixed_versions;
DROP TABLE kb.range_events;
DROP TABLE kb.affected_ranges;
DROP TABLE kb.affected_packages;
