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
