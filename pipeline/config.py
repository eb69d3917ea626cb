"""Paths and parameters shared by the stages.

Every path is built from the project root and division codes only: county and
region names are labels and never become path parts.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from pipeline.errors import ConfigError

DIVISION_CODE = re.compile(r"^\d{6}$")


def find_root(start: Path | None = None) -> Path:
    """The project root as a notebook finds it: the nearest folder upwards holding params.yaml."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "params.yaml").is_file():
            return folder
    raise FileNotFoundError("params.yaml not found above the current folder")


def project_root() -> Path:
    """The repository root; `POLIECO_ROOT` overrides it (tests run on tmp copies)."""
    env = os.environ.get("POLIECO_ROOT")
    return Path(env).resolve() if env else Path.cwd().resolve()


@dataclass(frozen=True)
class Paths:
    root: Path

    @property
    def raw(self) -> Path:
        return self.root / "data" / "raw"

    @property
    def reference(self) -> Path:
        return self.root / "data" / "reference"

    @property
    def catalog(self) -> Path:
        return self.reference / "indicators.yaml"

    @property
    def divisions(self) -> Path:
        return self.reference / "divisions.csv"

    @property
    def staging_warehouse(self) -> Path:
        """Ingested but not yet validated; validation promotes it to `warehouse`."""
        return self.root / "data" / "staging" / "warehouse.duckdb"

    @property
    def warehouse(self) -> Path:
        return self.root / "data" / "warehouse.duckdb"

    @property
    def marts(self) -> Path:
        return self.root / "data" / "marts"

    @property
    def metrics(self) -> Path:
        return self.root / "metrics"

    @property
    def plots(self) -> Path:
        return self.root / "plots"

    @property
    def expectations(self) -> Path:
        return self.root / "expectations"

    @property
    def validation_reports(self) -> Path:
        return self.root / "reports" / "validation"

    @property
    def code_changes(self) -> Path:
        return self.root / "data" / "register" / "code_changes.csv"

    def region_dir(self, region_code: str) -> Path:
        return self.raw / safe_code(region_code)


def safe_code(code: str) -> str:
    """Return `code` if it is a 6-digit division code, else raise: only codes become path parts."""
    text = str(code)
    if not DIVISION_CODE.match(text):
        raise ValueError(f"区划代码应为 6 位数字，收到「{text}」")
    return text


EARLIEST_YEAR = 2000  # with ingest.first_year: auto, a delivery dated before this is a typo, not a year


def first_year_setting(params: dict[str, Any]) -> int | None:
    """params.yaml ingest.first_year: a year, or None for `auto` (each region from its first delivery)."""
    value = params["ingest"].get("first_year", "auto")
    if value == "auto":
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not EARLIEST_YEAR <= value <= 2100:
        raise ConfigError("params.yaml", "ingest.first_year", f"「{value}」应为 auto 或 {EARLIEST_YEAR} 年以后的年份")
    return value


def load_params(root: Path | None = None) -> dict[str, Any]:
    root = root or project_root()
    with open(root / "params.yaml", encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def write_atomic(path: Path, write) -> None:
    """Call `write(tmp)` on a temporary file beside `path`, then rename it over `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def publish(writers: dict[Path, Callable[[Path], None]]) -> None:
    """Write every output of a stage to a temporary file first, then rename them all.

    A stage killed while computing or writing leaves its previous outputs in
    place, consistent with each other (the renames come last, together); DVC
    is told not to delete them first (`persist: true` in dvc.yaml).
    """
    temps = {}
    try:
        for path, write in writers.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            write(tmp)
            temps[path] = tmp
        for path, tmp in temps.items():
            os.replace(tmp, path)
    finally:
        for tmp in temps.values():
            tmp.unlink(missing_ok=True)


def remove_stale_temps(*folders: Path) -> None:
    """Temporary files a killed run left beside its outputs (`.name.PID.tmp`, DuckDB's `.wal`, scratch folders)."""
    import shutil

    for folder in folders:
        if not folder.is_dir():
            continue
        for path in folder.glob(".*"):
            if path.name.endswith((".tmp", ".tmp.wal", ".partial", ".old")):
                shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)


def replace_dir(built: Path, target: Path) -> None:
    """Swap a freshly built folder in for `target`: two renames, the old copy removed after."""
    import shutil

    old = target.with_name(f".{target.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    built.rename(target)
    shutil.rmtree(old, ignore_errors=True)


# ---------------------------------------------------------------- report.notice (the warning notices)

NOTICE_DEFAULTS = {"severities": ["high"], "letterhead": "中共{region}纪律检查委员会",
                   "number": "{region}纪函〔{issue_year}〕　号", "recipient": "{place}纪委监委",
                   "issuer": "{region}纪委监委", "seal": "（印章）", "copy_to": ["中共{place}委员会"],
                   "printed_by": "{region}纪委监委办公室", "contact": {"person": "", "phone": ""},
                   "reply_within_days": 30, "reply_contents": ["数据核实情况", "原因分析", "整改措施、责任人和完成时限"]}
NOTICE_TEXTS = ("letterhead", "number", "recipient", "issuer", "seal", "printed_by")
NOTICE_FIELDS = {"place": "", "region": "", "year": 0, "issue_year": 0}
SEVERITIES = ("high", "medium", "low")


def _notice_text(key: str, value) -> None:
    """A notice text: a string using only {place}, {region}, {year} and {issue_year}."""
    if not isinstance(value, str):
        raise ConfigError("params.yaml", f"report.notice.{key}", f"「{value}」应为一段文字")
    try:
        value.format(**NOTICE_FIELDS)
    except (KeyError, IndexError, ValueError):
        raise ConfigError("params.yaml", f"report.notice.{key}", f"「{value}」只能使用 {{place}}、{{region}}、"
                          "{year}、{issue_year} 四个占位符") from None


def notice_settings(report: dict) -> dict:
    """params.yaml report.notice with its defaults; an unknown key, a severity, a reply time or a text that
    cannot be used stops before any kernel starts, naming the key."""
    given = report.get("notice") or {}
    unknown_keys = sorted(set(given) - set(NOTICE_DEFAULTS))
    if unknown_keys:
        raise ConfigError("params.yaml", f"report.notice.{unknown_keys[0]}", "不是预警提示函的设置项",
                          list(NOTICE_DEFAULTS))
    settings = {**NOTICE_DEFAULTS, **given}
    unknown = [s for s in settings["severities"] if s not in SEVERITIES]
    if unknown:
        raise ConfigError("params.yaml", "report.notice.severities", f"「{'、'.join(unknown)}」无效", list(SEVERITIES))
    days = settings["reply_within_days"]
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise ConfigError("params.yaml", "report.notice.reply_within_days", f"「{days}」不是正整数")
    for key in NOTICE_TEXTS:
        _notice_text(key, settings[key])
    for key in ("copy_to", "reply_contents"):
        if not isinstance(settings[key], list):
            raise ConfigError("params.yaml", f"report.notice.{key}", f"「{settings[key]}」应为列表，如 [文字, 文字]")
        for i, text in enumerate(settings[key]):
            _notice_text(f"{key}[{i}]", text)
    if not settings["reply_contents"]:
        raise ConfigError("params.yaml", "report.notice.reply_contents", "至少列出一项回复内容")
    contact = settings["contact"]
    if not isinstance(contact, dict) or set(contact) - {"person", "phone"}:
        raise ConfigError("params.yaml", "report.notice.contact", f"「{contact}」应为 {{person: 联系人, phone: 电话}}")
    settings["contact"] = {"person": str(contact.get("person") or ""), "phone": str(contact.get("phone") or "")}
    return settings
