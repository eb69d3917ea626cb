"""The notebooks as tasks on a Dask cluster: each worker keeps its own warm kernel, as the local pool's do.

A notebook job is already independent: its parameters in, its own folder of
outputs out. On a cluster (params.yaml `executor.kind: dask`) each job is
one task running the same `run_job` the local pool runs, so a worker process
starts one kernel on its first notebook and keeps it for the next (the
kernel lives in the worker's module state), reads its region's partition of
the marts and writes the job's files into the run's scratch folder. Workers
therefore read and write the project folder itself: it must lie at the same
path on every machine (a shared file system), which is checked before any
kernel starts (pipeline/executor.require_shared_path). The stage on the DVC
machine publishes nothing until every job succeeded, exactly as a local run:
a worker lost mid-notebook has its task run again by Dask on another worker,
and a lost scheduler ends the run with the message naming the setting and
the last good reports in place.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

from pipeline.executor import (
    SCHEDULER_LOST,
    ExecutorSetting,
    connect,
    finished,
    lost_scheduler,
    require_shared_path,
)
from pipeline.report.notebooks.jobs import Job


def check_cluster(setting: ExecutorSetting, root: Path) -> int:
    """The cluster's worker count, after checking every worker sees the project folder (before any kernel
    starts or anything is written)."""
    with connect(setting) as client:
        require_shared_path(client, root)
        return len(client.scheduler_info()["workers"])


def run_on_cluster(setting: ExecutorSetting, root: Path, jobs: list[Job], scratch: Path, keys: dict[Job, str],
                   cold: bool, run_job: Callable, step: Callable) -> list:
    """Every job as a task running `run_job` (the local pool's own, from execute.py), `step` (the stage's
    progress) called with each outcome in the order they finish."""
    run = uuid.uuid4().hex[:8]  # keys the cluster has never held: an outcome of an earlier run is never taken
    outcomes = []
    with connect(setting) as client:
        futures = [client.submit(run_job, job, str(root), str(scratch), keys[job], cold, key=f"notebook-{i}-{run}",
                                 retries=setting.retries, pure=False) for i, job in enumerate(jobs)]
        try:
            for _, outcome in finished(client, futures):
                outcomes.append(outcome)
                step(outcome)
        except SCHEDULER_LOST as err:  # the scheduler went away: the stage publishes nothing
            raise lost_scheduler(setting, err) from None
    return outcomes
