"""Problems found in the data, worded for the analyst who has to fix the file."""

from __future__ import annotations

from dataclasses import dataclass


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

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"第 {self.row} 行")
        if self.column is not None:
            label = f"第 {column_letter(self.column)} 列"
            if self.header:
                label += f"「{self.header}」"
            where.append(label)
        elif self.header:
            where.append(f"列「{self.header}」")
        return "，".join(where) + "：" + self.message


class DataError(Exception):
    """Raised by a stage when the input is wrong; carries every problem found."""

    def __init__(self, stage_zh: str, problems: list[Problem]):
        self.stage_zh = stage_zh
        self.problems = problems
        super().__init__(self.report())

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
