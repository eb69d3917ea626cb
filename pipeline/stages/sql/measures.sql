-- Measures stage, the fixed part. Runs on a read-only connection to
-- data/warehouse.duckdb; everything here is TEMP. Registered by
-- pipeline/stages/measures.py before it runs:
--   measure_catalog(code, kind, direction, origin, position)
--   scope(region_code, county_code, year, period)   every county x year in scope
--       (full years), and every county x partial period its region delivered
--   derived_long(county_code, year, period, measure, value, missing_inputs)
--       derived measures per county-year, from SQL the stage generates
--       from data/reference/indicators.yaml (see derived_sql())
-- Bound parameter: $rate_per (rates per this many party members).

-- Every county x year x period x measure in scope, with where the value came from.
CREATE TEMP TABLE county_values AS
SELECT s.region_code, s.county_code, d.name AS county_name, d.level, s.year, s.period,
       m.code AS measure, m.position, m.kind, m.direction,
       coalesce(f.value, dv.value) AS value,
       CASE
         WHEN delivered.county_code IS NULL THEN 'not_delivered'
         WHEN m.origin = 'indicator' AND f.source_file IS NULL THEN 'column_absent'
         WHEN m.origin = 'indicator' AND f.value IS NULL THEN 'blank'
         WHEN m.origin = 'derived' AND dv.value IS NULL THEN 'not_computable'
         ELSE 'ok' END AS status,
       CASE WHEN m.origin = 'derived' AND dv.value IS NULL AND delivered.county_code IS NOT NULL
            THEN dv.missing_inputs END AS missing_inputs,
       f.source_file, f.source_row, f.source_cell, f.source_text
FROM scope s
JOIN divisions d ON d.code = s.county_code
CROSS JOIN measure_catalog m
LEFT JOIN (SELECT DISTINCT county_code, year, period FROM facts) delivered
       ON delivered.county_code = s.county_code AND delivered.year = s.year AND delivered.period = s.period
LEFT JOIN facts f ON m.origin = 'indicator' AND f.county_code = s.county_code
       AND f.year = s.year AND f.period = s.period AND f.indicator = m.code
LEFT JOIN derived_long dv ON m.origin = 'derived' AND dv.county_code = s.county_code
       AND dv.year = s.year AND dv.period = s.period AND dv.measure = m.code;

-- Per-capita rate and rank in region. Ranks follow the catalog's direction:
-- 1 = best for a measure with one (lowest first when higher is worse),
-- 1 = highest for a neutral one. Places are ranked among places of their own
-- level only: a county is never ranked against a city reporting in the same folder.
CREATE TEMP TABLE county_ranked AS
WITH v AS (
  SELECT cv.*, pm.value AS party_members
  FROM county_values cv
  LEFT JOIN county_values pm ON pm.county_code = cv.county_code AND pm.year = cv.year
       AND pm.period = cv.period AND pm.measure = 'party_members'
)
SELECT region_code, county_code, county_name, year, period, measure, kind, direction, value, status, missing_inputs,
  CASE WHEN kind = 'count' AND measure <> 'party_members'
       THEN $rate_per * value / NULLIF(party_members, 0) END AS rate_per_members,
  CASE WHEN value IS NOT NULL AND kind <> 'flag' THEN
    rank() OVER (PARTITION BY region_code, year, period, measure, level, value IS NULL
                 ORDER BY CASE WHEN direction = 'higher_is_worse' THEN value ELSE -value END) END AS rank_in_region,
  count(value) OVER (PARTITION BY region_code, year, period, measure, level) AS counties_ranked,
  CASE WHEN direction = 'neutral' THEN 'highest_first' ELSE 'best_first' END AS rank_order,
  source_file, source_row, source_cell, source_text, position
FROM v
