"""Notebooks stage: execute the county and region notebooks with papermill.

For the report year, every county of the configured regions gets
reports/notebooks/<region>/<year>/<county>/county.{ipynb,html} and every
region reports/notebooks/<region>/<year>/region.{ipynb,html}; then
reports/index.html lists them all for reviewers. Paths use division codes only.

Reuse: each notebook's inputs (its region's rows of every mart, the national
benchmark, the notebook, the project's code, the reference files, the report
params and the package lock) are hashed into a key written beside its
outputs (`inputs.sha256`). A notebook whose key is unchanged is copied from the
last good reports instead of executed, so a corrected figure in one county
re-executes only its region; the log says "复用 N 个，执行 M 个".

Execution: a process pool (`report.workers` in params.yaml; 0 means one per
core); each worker keeps one warm kernel (kernels.py) and one
HTML exporter for all its notebooks. A notebook that fails in a warm kernel is
retried once in a fresh one; a kernel that dies is replaced. Executed
notebooks are made deterministic: no papermill metadata or timings, cell ids
numbered. Outputs are built in a scratch folder and moved into place only when
every notebook succeeded; a failed notebook is kept under
build/failed_notebooks/ and the stage fails after the others finish, naming
the county, the cell and the error, with the last good reports left in place.
A worker whose stage process dies (kill -9) shuts its kernel down and exits.

Run: python -m pipeline.report.notebooks [--execute-all]
"""

from __future__ import annotations

import importlib
import time  # noqa: F401 - the progress line's clock (tests set it)

# names other code takes from the package, loaded on first use: a notebook kernel imports the registry
# (jobs) through pipeline.report.views and should not pay for the pool, papermill or nbconvert
_WHERE = {"WARM_UP": "execute", "Outcome": "execute", "Progress": "execute", "run_all": "execute",
          "run_job": "execute", "OUTPUT_DIR": "jobs", "Job": "jobs", "output": "jobs",
          "plan_jobs": "jobs", "input_keys": "reuse", "reusable": "reuse", "main": "stage"}


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    raise AttributeError(name)
