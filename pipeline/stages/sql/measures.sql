-- Measures stage. Runs on a read-only connection to data/warehouse.duckdb;
-- everything here is TEMP. Registered by pipeline/measures.py before it runs:
--   measure_catalog(code, name_zh, unit, kind, direction, origin, position)
--   scope(region_code, county_code, year)  every county x year in scope
-- Bound parameter: $rate_per (rates per this many party members).

-- Derived values per county-year, from the wide view.
CREATE TEMP TABLE derived_values AS
WITH w AS (
  SELECT *,
    CASE WHEN form1_persons IS NOT NULL AND form2_persons IS NOT NULL
          AND form3_persons IS NOT NULL AND form4_persons IS NOT NULL
         THEN form1_persons + form2_persons + form3_persons + form4_persons END AS four_forms_sum
  FROM county_year_wide
)
SELECT county_code, year, measure, value FROM (
  SELECT county_code, year,
    100.0 * new_onset_cases / NULLIF(cases_filed, 0) AS new_onset_share,
    four_forms_sum,
    100.0 * form1_persons / NULLIF(four_forms_sum, 0) AS form1_share,
    100.0 * form2_persons / NULLIF(four_forms_sum, 0) AS form2_share,
    100.0 * form3_persons / NULLIF(four_forms_sum, 0) AS form3_share,
    100.0 * form4_persons / NULLIF(four_forms_sum, 0) AS form4_share,
    -- 4th vs 3rd is not required: the national 2021 and 2023 bulletins have
    -- the 4th form slightly above the 3rd, and that is not read as inverted.
    CASE WHEN four_forms_sum IS NULL THEN NULL
         WHEN form1_persons > form2_persons AND form2_persons > form3_persons
              AND form2_persons > form4_persons THEN 1.0 ELSE 0.0 END AS pyramid_holds
  FROM w
) UNPIVOT INCLUDE NULLS (value FOR measure IN
  (new_onset_share, four_forms_sum, form1_share, form2_share, form3_share, form4_share, pyramid_holds));

-- Every county x year x measure in scope, with where the value came from.
CREATE TEMP TABLE county_values AS
SELECT s.region_code, s.county_code, d.name AS county_name, s.year,
       m.code AS measure, m.position,
       coalesce(f.value, dv.value) AS value,
       CASE
         WHEN m.origin = 'indicator' AND f.source_file IS NULL AND delivered.county_code IS NULL THEN 'not_delivered'
         WHEN m.origin = 'indicator' AND f.source_file IS NULL THEN 'column_absent'
         WHEN m.origin = 'indicator' AND f.value IS NULL THEN 'blank'
         WHEN m.origin = 'derived' AND delivered.county_code IS NULL THEN 'not_delivered'
         WHEN m.origin = 'derived' AND dv.value IS NULL THEN 'not_computable'
         ELSE 'ok' END AS status,
       f.source_file, f.source_row, f.source_cell
FROM scope s
JOIN divisions d ON d.code = s.county_code
CROSS JOIN measure_catalog m
LEFT JOIN (SELECT DISTINCT county_code, year FROM facts) delivered
       ON delivered.county_code = s.county_code AND delivered.year = s.year
LEFT JOIN facts f ON m.origin = 'indicator' AND f.county_code = s.county_code
       AND f.year = s.year AND f.indicator = m.code
LEFT JOIN derived_values dv ON m.origin = 'derived' AND dv.county_code = s.county_code
       AND dv.year = s.year AND dv.measure = m.code;

-- Year-on-year change, per-capita rate and rank in region.
CREATE TEMP TABLE county_year_measures AS
WITH v AS (
  SELECT cv.*, m.name_zh, m.unit, m.kind, m.direction,
    lag(cv.value) OVER (PARTITION BY cv.county_code, cv.measure ORDER BY cv.year) AS previous_value,
    lag(cv.year) OVER (PARTITION BY cv.county_code, cv.measure ORDER BY cv.year) AS previous_year,
    pm.value AS party_members
  FROM county_values cv
  JOIN measure_catalog m ON m.code = cv.measure
  LEFT JOIN county_values pm ON pm.county_code = cv.county_code AND pm.year = cv.year
       AND pm.measure = 'party_members'
)
SELECT region_code, county_code, county_name, year, measure, name_zh, unit, kind, direction,
  value, status, previous_value,
  CASE WHEN previous_year = year - 1 AND previous_value IS NOT NULL AND value IS NOT NULL THEN
    CASE kind WHEN 'count' THEN 100.0 * (value - previous_value) / NULLIF(previous_value, 0)
              WHEN 'flag' THEN NULL
              ELSE value - previous_value END
  END AS yoy_change,
  CASE kind WHEN 'count' THEN '%' WHEN 'share' THEN 'pp' WHEN 'score' THEN 'points' END AS yoy_unit,
  CASE WHEN kind = 'count' AND measure <> 'party_members'
       THEN $rate_per * value / NULLIF(party_members, 0) END AS rate_per_members,
  CASE WHEN value IS NOT NULL AND kind <> 'flag' THEN
    rank() OVER (PARTITION BY region_code, year, measure, value IS NULL ORDER BY value DESC) END AS rank_in_region,
  count(value) OVER (PARTITION BY region_code, year, measure) AS counties_ranked,
  source_file, source_row, source_cell, position
FROM v;

-- Region totals: counts summed over the counties that reported them, shares
-- recomputed from those sums (not averaged), scores averaged.
CREATE TEMP TABLE region_year_measures AS
WITH c AS (
  SELECT region_code, year, measure, kind, name_zh, unit, position,
    sum(value) AS total, avg(value) AS mean,
    count(value) AS counties_reporting, count(*) AS counties_in_scope
  FROM county_year_measures GROUP BY ALL
), pick AS (
  SELECT region_code, year, max(total) FILTER (WHERE measure = 'new_onset_cases') AS new_onset,
    max(total) FILTER (WHERE measure = 'cases_filed') AS filed,
    max(total) FILTER (WHERE measure = 'form1_persons') AS f1,
    max(total) FILTER (WHERE measure = 'form2_persons') AS f2,
    max(total) FILTER (WHERE measure = 'form3_persons') AS f3,
    max(total) FILTER (WHERE measure = 'form4_persons') AS f4
  FROM c GROUP BY ALL
)
SELECT c.region_code, c.year, c.measure, c.name_zh, c.unit, c.kind,
  CASE
    WHEN c.measure = 'new_onset_share' THEN 100.0 * p.new_onset / NULLIF(p.filed, 0)
    WHEN c.measure = 'four_forms_sum' THEN p.f1 + p.f2 + p.f3 + p.f4
    WHEN c.measure = 'form1_share' THEN 100.0 * p.f1 / NULLIF(p.f1 + p.f2 + p.f3 + p.f4, 0)
    WHEN c.measure = 'form2_share' THEN 100.0 * p.f2 / NULLIF(p.f1 + p.f2 + p.f3 + p.f4, 0)
    WHEN c.measure = 'form3_share' THEN 100.0 * p.f3 / NULLIF(p.f1 + p.f2 + p.f3 + p.f4, 0)
    WHEN c.measure = 'form4_share' THEN 100.0 * p.f4 / NULLIF(p.f1 + p.f2 + p.f3 + p.f4, 0)
    WHEN c.measure = 'pyramid_holds' THEN CASE WHEN p.f1 > p.f2 AND p.f2 > p.f3 AND p.f2 > p.f4 THEN 1.0 ELSE 0.0 END
    WHEN c.kind = 'count' THEN c.total
    ELSE c.mean
  END AS value,
  CASE WHEN c.kind = 'count' OR c.measure IN ('new_onset_share', 'form1_share', 'form2_share',
       'form3_share', 'form4_share', 'pyramid_holds') THEN 'sum_of_counties' ELSE 'mean_of_counties' END AS method,
  c.counties_reporting, c.counties_in_scope, c.position
FROM c JOIN pick p USING (region_code, year);
