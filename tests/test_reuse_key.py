"""The notebooks' reuse key follows what a notebook runs, not every module of the project.

A stage's code reaches the notebooks only through the marts (hashed on their
own), so editing it must leave the key as it was; editing the rendering code,
or a shared module the rendering code imports, must change it.
"""

from __future__ import annotations

import shutil

from conftest import REPO

from pipeline.report.notebooks.reuse import code_digest


def edited(path) -> None:
    path.write_text(path.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")


def test_the_reuse_key_ignores_stage_code_and_follows_rendering_code(tmp_path):
    package = tmp_path / "pipeline"
    shutil.copytree(REPO / "pipeline", package, ignore=shutil.ignore_patterns("__pycache__"))
    key = {kind: code_digest(REPO, kind, package) for kind in ("county", "region")}
    for stage_module in ("stages/ingest/delivery.py", "stages/validate.py", "stages/evaluate/weighting.py",
                         "findings/unit.py"):
        edited(package / stage_module)
    assert {kind: code_digest(REPO, kind, package) for kind in key} == key
    edited(package / "numbers.py")  # rounding, imported by the rendering code
    after_shared = code_digest(REPO, "county", package)
    assert after_shared != key["county"]
    edited(package / "report/notebooks/execute.py")  # the runner that executes and exports the notebooks
    assert code_digest(REPO, "county", package) != after_shared


def test_each_regions_digest_is_its_own_rows_digest_and_moves_with_them_only():
    """A region's part of the key: the digest of its own rows (as frame_digest of its slice), which one
    county's corrected figure in another region leaves as it was."""
    import pandas as pd

    from pipeline.digests import frame_digest, frame_digests_by

    frame = pd.DataFrame({"region_code": ["990100", "990200", "990100", "990200"],
                          "place_code": ["990101", "990201", "990102", "990202"],
                          "topic": pd.Categorical(["trend", "grade", "grade", "trend"]),
                          "value": [30.1, 28.4, None, 25.0]})
    asked = ["990100", "990200", "990300"]  # 990300 has no rows: the digest of none
    by_region = frame_digests_by(frame, "region_code", asked)
    assert by_region == {r: frame_digest(frame[frame["region_code"] == r]) for r in asked}
    corrected = frame.assign(value=[30.1, 28.4, None, 25.5])  # 990202's figure
    after = frame_digests_by(corrected, "region_code", asked)
    assert after["990100"] == by_region["990100"] and after["990200"] != by_region["990200"]
    with_lists = frame.assign(evidence=[[1], [2], [3], [4]])  # unhashable cells: slice by slice
    assert frame_digests_by(with_lists, "region_code", asked) == {
        r: frame_digest(with_lists[with_lists["region_code"] == r]) for r in asked}
