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
