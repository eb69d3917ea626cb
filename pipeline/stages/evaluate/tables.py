"""The long tables of the evaluation marts, built once from all region-years, and their columns."""

from __future__ import annotations

import pandas as pd


def score_table(county: pd.DataFrame, measures: list[str]) -> pd.DataFrame:
    """County-years (rows: every one in the mart, those without scores all-NaN) x the measures the
    evaluation reads (its indicators, then those a deduction or veto reads)."""
    measures = list(dict.fromkeys(measures))
    keys = ["region_code", "county_code", "county_name", "year"]
    everyone = pd.MultiIndex.from_frame(county[keys].drop_duplicates().sort_values(keys))
    rows = county[county["measure"].isin(measures)]
    table = rows.set_index([*keys, "measure"])["value"].unstack("measure") if len(rows) else pd.DataFrame()
    return table.reindex(index=everyone, columns=measures).astype(float)


def indicator_table(blocks: list[tuple], indicators: list[str]) -> pd.DataFrame:
    """One row per region, year, indicator and county: raw value, normalised score, imputed flag,
    the region's mean of the delivered values (imputed cells are not data) and how many counties delivered.

    Built once from all region-years (melting each block apart cost more than evaluating it);
    rows ordered by region-year, then indicator, then county, as the blocks were evaluated.
    """
    if not blocks:
        return pd.DataFrame(columns=["county_code", "indicator", "raw", "normalised", "imputed", "imputed_by",
                                     "rank_in_region", "region_code", "year", "region_mean", "counties_with_value"])
    keys = [(region, year) for region, year, *_ in blocks]

    def stacked(position: int) -> pd.DataFrame:
        frame = pd.concat([b[position] for b in blocks], keys=keys, names=["region_code", "year", "county_code"])
        return frame.reset_index()

    ids = ["region_code", "year", "county_code"]
    raw, norm, imp, how, ranks = stacked(2), stacked(3), stacked(4), stacked(5), stacked(6)
    block = raw.groupby(["region_code", "year"], sort=False).ngroup()
    long = raw.assign(_block=block).melt(id_vars=[*ids, "_block"], value_vars=indicators, var_name="indicator",
                                         value_name="raw")
    long["normalised"] = norm.melt(id_vars=ids, value_vars=indicators)["value"].to_numpy(dtype=float)
    long["imputed"] = imp.melt(id_vars=ids, value_vars=indicators)["value"].to_numpy(dtype=bool)
    long["imputed_by"] = how.melt(id_vars=ids, value_vars=indicators)["value"].replace("", None).to_numpy()
    long["rank_in_region"] = ranks.melt(id_vars=ids, value_vars=indicators)["value"].to_numpy(dtype=float)
    order = {code: i for i, code in enumerate(indicators)}
    long = long.assign(_ind=long["indicator"].map(order)).sort_values(["_block", "_ind"], kind="stable")
    group = long.groupby(["_block", "indicator"], sort=False)["raw"]
    long["region_mean"] = group.transform("mean")
    long["counties_with_value"] = group.transform("count")
    columns = ["county_code", "indicator", "raw", "normalised", "imputed", "imputed_by", "rank_in_region",
               "region_code", "year", "region_mean", "counties_with_value"]
    return long[columns].reset_index(drop=True)


UNCERTAINTY_COLUMNS = ["median_rank", "rank_p05", "rank_p95", "modal_grade", "modal_probability", "scenarios",
                       "factors_varied", "rank_drivers", "grade_drivers"]
SENSITIVITY_COLUMNS = ["region_code", "year", "county_code", "target", "factor", "first_order", "total_order"]
# one row per winsorised value: what the county delivered and what the evaluation used instead
TREATMENT_COLUMNS = ["region_code", "year", "county_code", "indicator", "before", "after"]
COHERENCE_COLUMNS = ["region_code", "year", "indicator", "other", "r", "collinear", "negative_with_index",
                     "rank_shift_if_dropped", "moves_ranks_most"]

CONTRIBUTION_COLUMNS = ["region_code", "year", "county_code", "indicator", "normalised", "weight", "points",
                        "points_lost", "loss_rank"]
ADJUSTMENT_MART_COLUMNS = ["region_code", "year", "county_code", "kind", "measure", "condition", "value", "previous",
                           "threshold", "points_each", "cap", "points", "max_grade"]


def empty(columns: list[str], numeric: tuple[str, ...] = ()) -> pd.DataFrame:
    """A mart with no rows but its columns (so readers and DuckDB see the schema)."""
    return pd.DataFrame({c: pd.Series(dtype="float64" if c in numeric else "object") for c in columns})
