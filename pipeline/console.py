"""What a stage prints: a summary by default, every detail with `make report V=1` (POLIECO_VERBOSE=1).

`make report` on the demo printed 424 lines and a province 303 warning lines: the
one line an operator needed (did it pass, how many warnings, where are they
listed) was lost among them. Each stage prints what it did and how many notes
or warnings it has, the first few of them, and the page or command that lists
them all; the rest is printed when asked for.
"""

from __future__ import annotations

import os
import sys

SHOWN = 3  # notes printed before "……另有 N 条"


def verbose() -> bool:
    return os.environ.get("POLIECO_VERBOSE", "").strip() not in ("", "0")


def listing(title: str, lines: list[str], where: str = "", *, stream=None, mark: str = "  - ") -> None:
    """`title：N 条`, then the first few lines (all with V=1) and where the rest are listed."""
    stream = stream or sys.stdout
    if not lines:
        return
    print(f"{title}：{len(lines)} 条", file=stream)
    shown = lines if verbose() else lines[:SHOWN]
    for line in shown:
        print(f"{mark}{line}", file=stream)
    if len(shown) < len(lines):
        rest = f"……另有 {len(lines) - len(shown)} 条"
        print(f"  {rest}，{'逐条见 ' + where + '；' if where else ''}全部显示：make report V=1", file=stream)
