"""Every delivered file parsed once: read back from the stage cache, or parsed region by region on the executor.

Parsing a file (decoding, finding the header, reading every cell) is pure
Python and the bulk of the ingest stage; a file's result depends only on its
bytes, its region, year and period, the reader's code and the catalog. So the
files whose bytes are new are handed to the executor (pipeline/executor.py)
one task per region, and the checks across files (two files for one period,
a county in two files, a resent file) stay with the stage, which has every
file's result. On a Dask cluster a task carries its files' bytes, so a worker
needs the project's code and packages, not its folder; the worker parses them
from a private temporary folder under a fixed name (a delivered file's name
never becomes a path there). Only a file that parsed cleanly is kept in the
cache: a file with problems is parsed, and its problems said, on every run.
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pipeline.digests import digest, settings_digest
from pipeline.errors import DataError, Problem
from pipeline.executor import ExecutorSetting, compute_parts
from pipeline.stage_cache import StageCache
from pipeline.stages.ingest.delivery import parse_delivery
from pipeline.stages.ingest.folder import read_table
from pipeline.stages.ingest.table import DEBUG, Context, Delivery

READER_FAILED = ("读取这个文件时程序出错，文件未能读入。请在 Excel 或 WPS 中打开核对后另存一份再放入；"
                 "仍然出错时加 --debug 运行，把显示的详细信息发给维护人员")
Parsed = Delivery | list[Problem]  # a delivery, or what is wrong with the file


@dataclass(frozen=True)
class DeliveredFile:
    """One file to parse: where it lies, the year and period its name gives, and its bytes when the task
    leaves this machine (None: parsed from `path`)."""

    path: Path
    display: str
    region: str
    year: int
    period: str | None
    data: bytes | None = None


def parse_one(file: DeliveredFile, ctx: Context, debug: bool) -> Parsed:
    """The file's delivery, or its problems (any reader failure named by its file, never a traceback)."""
    DEBUG.on = debug
    try:
        if file.data is None:
            table = read_table(file.path, file.display, ctx.catalog)
            return parse_delivery(table, file.region, file.year, ctx, file.period)
        with tempfile.TemporaryDirectory(prefix="polieco-ingest-") as folder:
            local = Path(folder) / f"delivery{file.path.suffix.lower()}"
            local.write_bytes(file.data)
            return parse_delivery(read_table(local, file.display, ctx.catalog), file.region, file.year, ctx,
                                  file.period)
    except DataError as err:
        return list(err.problems)
    except Exception:  # noqa: BLE001 - any reader failure names its file
        if debug:
            raise
        return [Problem(file.display, READER_FAILED)]


class ParseRegion:
    """A task: one region's files parsed (picklable, so a Dask worker can run it)."""

    def __init__(self, ctx: Context, debug: bool) -> None:
        self.ctx, self.debug = ctx, debug

    def __call__(self, region: str, files: list[DeliveredFile]) -> dict[str, Parsed]:
        return {f.display: parse_one(f, self.ctx, self.debug) for f in files}


def parse_files(files: list[DeliveredFile], ctx: Context, cache: StageCache, setting: ExecutorSetting
                ) -> dict[str, Parsed]:
    """display -> the file's delivery or problems, for every file: clean deliveries whose bytes were parsed
    before read back, the others parsed on the executor (one task per region)."""
    found: dict[str, Parsed] = {}
    todo: dict[str, list[DeliveredFile]] = {}
    keys: dict[str, str] = {}
    remote = setting.kind != "local"
    for file in files:
        data = file.path.read_bytes()
        keys[file.display] = cache.key(file.display, digest(hashlib.sha256(data).hexdigest().encode(),
                                                            settings_digest([file.region, file.year, file.period])))
        hit, value = cache.get(keys[file.display], file.display)
        if hit:
            found[file.display] = value  # type: ignore[assignment]
            cache.reused.append(file.display)
            continue
        todo.setdefault(file.region, []).append(
            DeliveredFile(file.path, file.display, file.region, file.year, file.period, data if remote else None))
    for parsed in compute_parts(setting, "ingest", todo, ParseRegion(ctx, DEBUG.on)).values():
        for display, result in parsed.items():
            if isinstance(result, Delivery):
                cache.put(keys[display], result)
            cache.computed.append(display)
            found[display] = result
    return found
