"""Marts are written one row group per region and read by region: a kernel decodes its region only."""

from __future__ import annotations

import pandas as pd
import pyarrow.parquet as pq

from pipeline import marts


def test_a_region_is_read_from_its_own_row_group(tmp_path):
    frame = pd.DataFrame({"region_code": ["990100"] * 3 + ["990200"] * 2 + ["990300"],
                          "county_code": ["990101", "990102", "990103", "990201", "990202", "990301"],
                          "value": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]})
    (tmp_path / "data" / "marts").mkdir(parents=True)
    path = marts.mart_path(tmp_path, marts.EVALUATION)
    marts.write_mart(path, frame)
    meta = pq.ParquetFile(path).metadata
    assert [meta.row_group(i).num_rows for i in range(meta.num_row_groups)] == [3, 2, 1]
    assert marts.read_mart(tmp_path, marts.EVALUATION).equals(frame)
    mine = marts.read_mart(tmp_path, marts.EVALUATION, region="990200")
    assert mine["county_code"].tolist() == ["990201", "990202"] and mine.index.tolist() == [0, 1]
    assert marts.read_mart(tmp_path, marts.EVALUATION, region="990900").empty


def test_a_report_reads_its_region_up_to_its_year_and_a_mart_without_years_whole(tmp_path):
    """A 2023 report reads 990100's 2022 and 2023 rows, nothing of 2024 nor of 990200; the nation's figures
    (no regions) up to 2023; a mart with no year column is read whole whatever `through` says."""
    frame = pd.DataFrame({"region_code": ["990100"] * 3 + ["990200"], "year": [2022, 2023, 2024, 2023],
                          "value": [1.0, 2.0, 3.0, 4.0]})
    (tmp_path / "data" / "marts").mkdir(parents=True)
    marts.write_mart(marts.mart_path(tmp_path, marts.EVALUATION), frame)
    assert marts.read_mart(tmp_path, marts.EVALUATION, region="990100", through=2023)["value"].tolist() == [1.0, 2.0]
    national = pd.DataFrame({"measure": ["form1_share"] * 2, "year": [2023, 2024], "value": [63.8, 64.0]})
    marts.write_mart(marts.mart_path(tmp_path, marts.NATIONAL), national)
    assert marts.read_mart(tmp_path, marts.NATIONAL, region="990100", through=2023)["year"].tolist() == [2023]
    weights = pd.DataFrame({"region_code": ["990100"], "indicator": ["x"], "weight": [1.0]})
    marts.write_mart(marts.mart_path(tmp_path, marts.EVALUATION_WEIGHTS), weights)
    assert marts.read_mart(tmp_path, marts.EVALUATION_WEIGHTS, region="990100", through=2023).equals(weights)


def test_a_mart_without_regions_is_read_whole_whatever_the_region(tmp_path):
    frame = pd.DataFrame({"measure": ["form1_share", "form2_share"], "year": [2023, 2023], "value": [72.7, 21.6]})
    (tmp_path / "data" / "marts").mkdir(parents=True)
    marts.write_mart(marts.mart_path(tmp_path, marts.NATIONAL), frame)
    assert marts.read_mart(tmp_path, marts.NATIONAL, region="990100").equals(frame)


def test_the_report_data_key_changes_when_a_mart_is_replaced_or_edited_in_place(tmp_path):
    """A warm kernel keeps the marts it read while the key holds: replacing a mart (as a stage publishes it) or
    rewriting it in place must change the key, and nothing else may."""
    import os

    from pipeline.report.data import _inputs_key

    (tmp_path / "data" / "marts").mkdir(parents=True)
    path = marts.mart_path(tmp_path, marts.EVALUATION)
    marts.write_mart(path, pd.DataFrame({"region_code": ["990100"], "value": [1.0]}))
    first = _inputs_key(tmp_path, "zh", "990100")
    assert _inputs_key(tmp_path, "zh", "990100") == first
    marts.write_mart(path, pd.DataFrame({"region_code": ["990100"], "value": [2.0]}))  # same size, new file
    replaced = _inputs_key(tmp_path, "zh", "990100")
    assert replaced != first
    stat = path.stat()
    with open(path, "r+b") as fh:  # the same bytes written over in place: only the mtime tells
        fh.write(fh.read())
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert _inputs_key(tmp_path, "zh", "990100") != replaced
    assert _inputs_key(tmp_path, "en", "990100") != _inputs_key(tmp_path, "zh", "990100")
