"""Evaluate stage: composite index, grades (好/较好/一般/差), their uncertainty, coherence.

One module per step, in the order of the JRC/OECD handbook and COINr:
  settings     what is configured, as frozen dataclasses (params.py reads params.yaml into them);
  imputation   a county-year is graded only with at least `min_indicators` indicators; each missing one is
               imputed (region-year mean or median, or the county's own previous year) and flagged;
  treatment    an indicator past COINr's skewness and kurtosis limits is winsorised within the region-year
               by COINr's rule (distinct points counted), where the region has enough counties;
  normalisation  min-max, z-score (T-score, sample standard deviation), rank, percentile, distance to the best,
               or goalposts (fixed bounds, so years stay comparable); lower-is-better indicators reversed;
  weighting    manual, equal, AHP, or entropy / CRITIC / PCA from the data (equal below the minimum of counties);
  aggregation  weighted arithmetic or geometric mean, or TOPSIS; each indicator's points and points lost;
  adjustments  deductions off the index and vetoes capping the grade, as published systems apply them;
  grading      ranks within the region, grades by quantile of the ranking or by cut-offs;
  region_year  one region-year through all of the above;
  uncertainty  a Saltelli design over the assumptions listed (the evaluation's own choices always among them):
               median rank, 5-95 % interval, grade probabilities, Sobol' indices; a grade below
               `stable_probability` is provisional;
  audit        coverage and shape, Cronbach's alpha, first component, correlations, rank shift when one is dropped
               (skipped below the minimum of counties);
  stage        the loop over region-years, the marts, metrics and the console summary.

Run: python -m pipeline.stages.evaluate
"""

from pipeline.stages.evaluate.stage import main

__all__ = ["main"]
