"""Every file the reports stage leaves beside a notebook: one module per format, registered here once.

A format module holds `FORMAT = Format(...)`: the jobs it serves (county,
region), the file it writes for each, and `produce(out)`, its one entry
point. The stage's pool worker executes a job's notebook in its kernel and
then calls every registered format on the result (`produce_all`); the kernel
only executes. Document formats (the write-up's Markdown and Word) also
`render` any `Document`, so the period reports come out in each of them too.
The index is the stage's own page over all jobs (pipeline/report/index_page.py).

A new format is one module in this package and its name in `MODULES`. The
registry is checked before any kernel starts (`registry()`): a module
missing, one without FORMAT or `produce`, a name or file registered twice
stops the stage, naming the module.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.errors import ConfigError

if TYPE_CHECKING:
    from pipeline.report.document import Document


# the formats, in the order they are produced; each is pipeline/report/formats/<name>.py
MODULES = ("page", "writeup_md", "writeup_docx", "notice", "workbook")
REGISTRY_FILE = "pipeline/report/formats/__init__.py"


@dataclass(frozen=True)
class Format:
    """One output: its role name, the file it writes per kind of job, and its entry point."""

    name: str
    files: dict[str, str]  # job kind (county, region) -> file name in the job's folder
    produce: Callable[..., Path | None]  # produce(out: formats.job.JobOutput)
    # a document format also renders any Document to bytes (the period reports use it)
    render: Callable[[Document], bytes] | None = None


def _refused(problem: str) -> ConfigError:
    return ConfigError(REGISTRY_FILE, "MODULES", problem)


def registry(modules: tuple[str, ...] | None = None) -> dict[str, Format]:
    """name -> Format of every registered module (`MODULES` unless given), checked: the notebooks stage calls
    it before any kernel starts, so a format registered twice or missing stops the run there."""
    return _checked(tuple(modules or MODULES))


@cache
def _checked(modules: tuple[str, ...]) -> dict[str, Format]:
    found: dict[str, Format] = {}
    files: dict[tuple[str, str], str] = {}
    for module in modules:
        if modules.count(module) > 1:
            raise _refused(f"格式模块「{module}」登记了两次")
        try:
            loaded = importlib.import_module(f"{__name__}.{module}")
        except ModuleNotFoundError as err:
            raise _refused(f"登记的格式模块「{module}」不存在（{err.name}）") from None
        fmt = getattr(loaded, "FORMAT", None)
        if not isinstance(fmt, Format) or not callable(fmt.produce):
            raise _refused(f"格式模块「{module}」没有 FORMAT = Format(...)（含入口 produce）")
        if fmt.name in found:
            raise _refused(f"格式名「{fmt.name}」登记了两次（{module}）")
        for kind, name in fmt.files.items():
            if (kind, name) in files:
                raise _refused(f"文件 {name} 有两个格式写出：{files[kind, name]} 和 {fmt.name}")
            files[kind, name] = fmt.name
        found[fmt.name] = fmt
    return found


def files_of(kind: str) -> dict[str, str]:
    """role -> file name of every format a job of `kind` leaves."""
    return {name: fmt.files[kind] for name, fmt in registry().items() if kind in fmt.files}


def document_formats() -> list[Format]:
    return [fmt for fmt in registry().values() if fmt.render is not None]


def produce_all(out) -> list[Path]:
    """Every registered format of the job's kind, in registry order; the files written."""
    written = []
    for fmt in registry().values():
        if out.job.kind in fmt.files and (path := fmt.produce(out)) is not None:
            written.append(path)
    return written


def write_document(doc: Document, folder: Path, stem: str = "writeup") -> list[Path]:
    """A document (a period report) in every document format, as `<stem>.<suffix>` in `folder`."""
    from pipeline.config import write_atomic

    written = []
    for fmt in document_formats():
        blob = fmt.render(doc)
        target = folder / f"{stem}{Path(next(iter(fmt.files.values()))).suffix}"
        write_atomic(target, lambda p, b=blob: p.write_bytes(b))
        written.append(target)
    return written
