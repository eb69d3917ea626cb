"""Problems found in the data, worded for the analyst who has to fix the file."""

from __future__ import annotations

import errno
import os
import re
import sys
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# Characters a cell can hold that print as nothing (or as a plain space): shown escaped in messages,
# else "区划代码「990101」应为 6 位数字" would look absurd. Named for the reader.
INVISIBLE_NAMES = {"\u200b": "零宽空格", "\u200c": "零宽非连接符", "\u200d": "零宽连接符", "\u2060": "零宽不换行空格",
                   "\ufeff": "字节序标记（BOM）", "\x00": "空字符（NUL）", "\u00a0": "不换行空格", "\u202e": "文字方向控制符"}


def is_invisible(char: str) -> bool:
    return char in INVISIBLE_NAMES or (unicodedata.category(char) in ("Cc", "Cf") and char not in "\n\t")


def escaped(char: str) -> str:
    return f"\\u{ord(char):04x}" if ord(char) > 0xFF else f"\\x{ord(char):02x}"


def visible(text: str) -> str:
    """`text` with its invisible characters written out (\\u200b, \\x00) and, once, what they are."""
    found = dict.fromkeys(c for c in text if is_invisible(c))
    if not found:
        return text
    shown = "".join(escaped(c) if is_invisible(c) else c for c in text)
    named = "、".join(escaped(c) for c in found)
    what = "、".join(INVISIBLE_NAMES.get(c, f"控制字符 U+{ord(c):04X}") for c in found)
    return f"{shown}（其中 {named} 是看不见的字符：{what}，常由网页、聊天软件或其他系统复制带入；请在单元格中删去）"


def column_letter(index: int) -> str:
    """Spreadsheet letter of a 0-based column index: 0 -> A, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@dataclass(frozen=True)
class Problem:
    """One thing wrong, located as precisely as the data allow."""

    file: str
    message: str
    row: int | None = None  # 1-based, as Excel and text editors number lines
    column: int | None = None  # 0-based index
    header: str | None = None
    place: str | None = None  # the county the row is of, when the row says which (青山县)

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"第 {self.row} 行" + (f"（{visible(self.place)}）" if self.place else ""))
        if self.column is not None:
            label = f"第 {column_letter(self.column)} 列"
            if self.header:
                label += f"「{visible(self.header)}」"
            where.append(label)
        elif self.header:
            where.append(f"列「{visible(self.header)}」")
        return "，".join(where) + "：" + visible(self.message)


class DataError(Exception):
    """Raised by a stage when the input is wrong; carries every problem found."""

    def __init__(self, stage_zh: str, problems: list[Problem]):
        self.stage_zh = stage_zh
        self.problems = problems
        super().__init__(self.report())

    def __reduce__(self) -> tuple:  # a worker process's DataError reaches the stage whole
        return (DataError, (self.stage_zh, self.problems))

    def report(self, limit: int = 50) -> str:
        lines = [f"{self.stage_zh}失败：发现 {len(self.problems)} 处问题，未写入任何结果。"]
        lines += [f"  - {p}" for p in self.problems[:limit]]
        if len(self.problems) > limit:
            lines.append(f"  …… 另有 {len(self.problems) - limit} 处未列出")
        return "\n".join(lines)


class ConfigError(Exception):
    """A setting that names something the project does not define (a weight key, a rule measure...).

    Raised before anything is written, so a refused stage leaves its last outputs in place.
    """

    def __init__(self, source: str, key: str, problem: str, accepted: list[str] | None = None):
        self.source, self.key, self.problem, self.accepted = source, key, problem, accepted or []
        text = f"配置错误：{source} 中的 {key}：{problem}。"
        if self.accepted:
            text += f"可用的代码：{'、'.join(self.accepted)}。"
        text += "请修改后重新运行；本阶段未写入任何结果。"
        super().__init__(text)

    def __reduce__(self) -> tuple:  # a worker process's ConfigError reaches the stage whole
        return (ConfigError, (self.source, self.key, self.problem, self.accepted))


# ---------------------------------------------------------------- the stage boundary


def run_stage(stage_zh: str, body: Callable[[], None], kept: str, debug: bool | None = None) -> None:
    """Run a stage's body; whatever it raises ends as one message in Chinese and exit status 1.

    Bad input (DataError) and bad settings (ConfigError) carry their own words;
    a file or folder that cannot be read or written (OSError, DuckDB's
    IOException, a database another program holds) is named with what to do;
    anything else is said to be a fault of the program, with --debug to see
    it. `kept` says which outputs are left as they were (every stage writes
    to temporary files and renames them only when done). --debug lets the
    exception through with its traceback.
    """
    debug = ("--debug" in sys.argv[1:]) if debug is None else debug
    try:
        body()
    except SystemExit:
        raise
    except KeyboardInterrupt:
        print(f"{stage_zh}已中断；{kept}。", file=sys.stderr)
        sys.exit(130)
    except (DataError, ConfigError) as err:
        if debug:
            raise
        print(err.report() if isinstance(err, DataError) else str(err), file=sys.stderr)
        sys.exit(1)
    except Exception as exc:  # noqa: BLE001 - the stage boundary: a message, the last outputs kept
        if debug:
            raise
        print(f"{stage_zh}失败：{failure_text(exc)}{kept}。", file=sys.stderr)
        sys.exit(1)


def failure_text(exc: BaseException) -> str:
    """What went wrong, for the analyst: the path and what to do, no exception names (those are under --debug)."""
    path = getattr(exc, "filename", None) or quoted_path(str(exc))
    shown = shown_path(path) if path else "输出文件"
    errno_ = getattr(exc, "errno", None)
    text = str(exc).lower()
    if isinstance(exc, FileNotFoundError) or "no such file" in text or "does not exist" in text:
        return f"找不到 {shown}。请先运行前面的阶段（dvc repro 会按顺序运行），或检查文件是否被移走；"
    if isinstance(exc, PermissionError) or errno_ in (errno.EACCES, errno.EPERM, errno.EROFS) \
            or "permission denied" in text or "read-only file system" in text:
        folder = shown_path(str(Path(path).parent)) if path else "输出文件夹"
        return f"无法写入 {folder}（没有写入权限，或所在磁盘是只读的）。请换到可写的文件夹运行，或请管理员开放写权限；"
    if isinstance(exc, FileExistsError | NotADirectoryError):
        return f"{shown} 应是一个文件夹，现在却是一个文件。请把这个文件移走或改名后重新运行；"
    if errno_ == errno.ENOSPC or "no space" in text:
        return f"磁盘空间不足，无法写入 {shown}。请清理磁盘后重新运行；"
    if "lock" in text and "conflicting" in text:
        return f"{shown} 正被另一个程序占用（如正在打开它的 DuckDB 或 Jupyter）。请关闭该程序后重新运行；"
    if isinstance(exc, OSError) or type(exc).__name__ == "IOException":
        return f"读写 {shown} 时出错。请检查文件夹权限、磁盘空间和文件是否被占用；"
    return "程序内部错误（不是数据的问题）。请加 --debug 重新运行，把显示的详细信息发给维护人员；"


def quoted_path(message: str) -> str | None:
    """The path DuckDB and others quote in their messages ("Cannot open file \"/x/y.duckdb\": ...")."""
    found = re.search(r"[\"']([^\"']*[/\\][^\"']+)[\"']", message)
    return found.group(1) if found else None


def shown_path(path: str | os.PathLike) -> str:
    """A path relative to the working folder when inside it (data/staging/warehouse.duckdb), else as given."""
    try:
        return Path(path).resolve().relative_to(Path.cwd().resolve()).as_posix()
    except (ValueError, OSError):
        return str(path)
