"""The marts: the only contract between the stages that compute and the code that renders.

One place names each mart file, so a stage writes and a renderer reads the
same path, and dvc.yaml can be checked against it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.config import Paths, safe_code
from pipeline.periods import FULL_YEAR

COUNTY = "county_year_measures"
REGION = "region_year_measures"
NATIONAL = "national_benchmark"
EVALUATION = "evaluation"
EVALUATION_INDICATORS = "evaluation_indicators"
EVALUATION_WEIGHTS = "evaluation_weights"
EVALUATION_COHERENCE = "evaluation_coherence"
EVALUATION_SENSITIVITY = "evaluation_sensitivity"
EVALUATION_TREATMENT = "evaluation_treatment"
EVALUATION_AUDIT = "evaluation_audit"
# 失分分析: per county, year and indicator, the points brought into the index and lost against 100
EVALUATION_CONTRIBUTIONS = "evaluation_contributions"
# deductions and vetoes applied (or not judged for want of a value), one row per rule and county
EVALUATION_ADJUSTMENTS = "evaluation_adjustments"
WARNINGS = "warnings"
FINDINGS = "findings"
PRESENTATION = "presentation"  # the region report's tables as printed (pipeline.stages.presentation)
ALL = (COUNTY, REGION, NATIONAL, EVALUATION, EVALUATION_INDICATORS, EVALUATION_WEIGHTS, EVALUATION_COHERENCE,
       EVALUATION_SENSITIVITY, EVALUATION_TREATMENT, EVALUATION_AUDIT, EVALUATION_CONTRIBUTIONS,
       EVALUATION_ADJUSTMENTS, WARNINGS, FINDINGS, PRESENTATION)
# what the publishing stage reads (pipeline/report: renderers, planning, reuse keys): the findings and the
# presentation tables, and the evaluation and warning marts the workbook exports whole; never the measures
# marts, whose every figure a report prints comes through the presentation's figures tables
REPORTS_READ = (EVALUATION, EVALUATION_CONTRIBUTIONS, WARNINGS, FINDINGS, PRESENTATION)


def warning_key(county: str, year: int, rule: str) -> str:
    """A warning's key: the warnings mart holds one row per county, year and rule (the presentation mart lists
    warnings by it, the renderers find the row by it)."""
    return f"{county}|{int(year)}|{rule}"


def write_mart(path: Path, frame: pd.DataFrame) -> None:
    """A mart as Parquet whose bytes depend only on the frame's values.

    A frame concatenated from per-region parts (the stage cache) holds its
    strings in several Arrow chunks, and Parquet's dictionary pages follow the
    chunks: combined first, a mart assembled from parts is byte-identical to
    one computed in a single piece.

    A mart with regions is written one row group per run of a region's rows (the stages assemble each
    region's rows together): a reader asking for one region (`read_mart(..., region=)`) decodes that
    region's row group only, so a kernel's memory does not grow with the country.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False).combine_chunks()
    if "region_code" not in frame.columns or frame.empty:
        pq.write_table(table, path)
        return
    codes = frame["region_code"].to_numpy()
    starts = [0, *(i for i in range(1, len(codes)) if codes[i] != codes[i - 1]), len(codes)]
    with pq.ParquetWriter(path, table.schema) as writer:
        for start, end in zip(starts, starts[1:], strict=False):
            writer.write_table(table.slice(start, end - start), row_group_size=end - start)


def mart_path(root: Path, name: str) -> Path:
    if name not in ALL:
        raise ValueError(f"unknown mart {name!r}")
    return Paths(root).marts / f"{name}.parquet"


def read_mart(root: Path, name: str, region: str | None = None, through: int | None = None) -> pd.DataFrame:
    """A mart whole, or only `region`'s rows (a mart without regions, the national benchmark, whole), and
    only its years up to `through` (a report of 2023 reads nothing of 2024): the filters are applied while
    reading, so the rows left out never reach memory."""
    import pyarrow.parquet as pq

    # opened here, not by pyarrow, so the file shows in Python's audit events (the deps test watches them)
    with open(mart_path(root, name), "rb") as fh:
        columns = pq.read_schema(fh).names
        fh.seek(0)
        filters = [*([("region_code", "==", region)] if region is not None and "region_code" in columns else []),
                   *([("year", "<=", int(through))] if through is not None and "year" in columns else [])]
        return pd.read_parquet(fh, filters=filters or None)


def presentation_table(root: Path, table: str) -> pd.DataFrame:
    """One table of the presentation mart for every region (the cells of no other table read): what the
    notebooks stage plans from before it loads any region's report data (the period reports); empty when the
    presentation stage has not run."""
    if not mart_path(root, PRESENTATION).is_file():
        return pd.DataFrame()
    with open(mart_path(root, PRESENTATION), "rb") as fh:
        return pd.read_parquet(fh, filters=[("table", "==", table)])


def scoped_county_measures(root: Path, params: dict, period: str = FULL_YEAR) -> pd.DataFrame:
    """The county measures mart of one period (full years unless said), limited to the regions of params.yaml.

    The evaluation and the early warnings are annual: their scores, weights and
    thresholds are set for full years, so a partial period never enters them.
    """
    regions = [safe_code(r) for r in params["ingest"]["regions"]]
    county = read_mart(root, COUNTY)
    return county[county["region_code"].isin(regions) & (county["period"] == period)]
