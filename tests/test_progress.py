"""Progress of the notebooks stage: a bar on a terminal, plain counted lines with the time left in a log."""

from __future__ import annotations

import io

from pipeline.report import notebooks
from pipeline.report.notebooks import Job, Outcome, Progress


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_a_log_gets_one_line_per_notebook_with_count_and_time_left(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(notebooks.time, "perf_counter", clock)
    log = io.StringIO()  # not a terminal: no bar, no carriage returns
    progress = Progress(4, stream=log)
    for i, seconds in enumerate((10.0, 12.0)):
        clock.now += 10  # two notebooks in 20 s: 10 s each, two left -> 20 s
        progress.step(Outcome(Job("county", "990100", f"99010{i + 1}", 2024, 2015, "zh"), seconds))
    progress.close()
    lines = log.getvalue().splitlines()
    assert len(lines) == 2 and "\r" not in log.getvalue()
    assert lines[0].startswith("[1/4] ") and lines[0].endswith("（10.0 秒；预计还需 30 秒）")  # 10 s x 3 left
    assert lines[1].startswith("[2/4] ") and lines[1].endswith("（12.0 秒；预计还需 20 秒）")


def test_a_terminal_gets_a_bar():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    screen = Terminal()
    progress = Progress(2, stream=screen)
    progress.step(Outcome(Job("region", "990100", None, 2024, 2015, "zh"), 1.0))
    progress.close()
    assert progress.bar is not None and "1/2" in screen.getvalue() and "笔记本" in screen.getvalue()


def test_a_log_of_many_quick_notebooks_prints_the_first_the_last_and_one_line_every_ten_seconds(monkeypatch):
    """Twenty notebooks two seconds apart (40 s): lines for the 1st, then the first one 10 s or more after the
    last line printed (6th, 11th, 16th), and the 20th: five lines, not twenty."""
    clock = Clock()
    monkeypatch.setattr(notebooks.time, "perf_counter", clock)
    monkeypatch.delenv("POLIECO_VERBOSE", raising=False)
    log = io.StringIO()
    progress = Progress(20, stream=log)
    for i in range(20):
        clock.now += 2
        progress.step(Outcome(Job("county", "990100", f"9901{i:02d}", 2024, 2015, "zh"), 2.0))
    progress.close()
    counts = [line.split("]")[0].strip("[") for line in log.getvalue().splitlines()]
    assert counts == ["1/20", "6/20", "11/20", "16/20", "20/20"]


def test_a_listing_prints_the_count_the_first_three_and_where_the_rest_are(monkeypatch):
    from pipeline.console import listing

    monkeypatch.delenv("POLIECO_VERBOSE", raising=False)
    out = io.StringIO()
    listing("校验提示（不阻断）", [f"提示{i}" for i in range(20)], "reports/validation/index.html", stream=out)
    assert out.getvalue().splitlines() == ["校验提示（不阻断）：20 条", "  - 提示0", "  - 提示1", "  - 提示2",
                                           "  ……另有 17 条，逐条见 reports/validation/index.html；全部显示：make report V=1"]
    monkeypatch.setenv("POLIECO_VERBOSE", "1")
    every = io.StringIO()
    listing("校验提示（不阻断）", [f"提示{i}" for i in range(20)], "reports/validation/index.html", stream=every)
    assert len(every.getvalue().splitlines()) == 21  # the count and all twenty
