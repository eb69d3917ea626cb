"""The reviewer index opened in headless Chromium (Debian's `chromium`; CI installs it)."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import unquote

import pytest
from conftest import REPO
from test_notebooks import two_counties_built  # noqa: F401  (built once per run, read only here)

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(CHROMIUM is None, reason="no chromium on this machine: install Debian's "
                                 "`chromium` (CI does) to run the browser test")]


def _chromium(*args: str) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
                              capture_output=True, text=True, timeout=120)


def test_index_in_chromium_has_chinese_text_and_links(two_counties_built):  # noqa: F811
    page = (two_counties_built / "reports/index.html").as_uri()
    dom = _chromium("--dump-dom", page).stdout
    assert "政治生态监测分析 · 2020 年度 · 报告索引" in dom
    assert "城关区" in dom and "新发生案件占比（2020）" in dom
    assert 'href="notebooks/990100/2020/990101/county.html"' in dom
    # every link of the page, as the browser parsed it, resolves to a file beside the index
    links = re.findall(r'href="([^"#]+)"', dom)
    kinds = {Path(link).suffix for link in links}
    assert {".html", ".docx", ".xlsx", ".json"} <= kinds, kinds
    missing = [link for link in links if not (two_counties_built / "reports" / unquote(link)).is_file()]
    assert not missing, missing
    # grade with its probability, rank with its simulated interval, warnings coloured by severity
    assert re.search(r"<td[^>]*>(好|较好|一般|差)（\d+%）", dom) and re.search(r"\d+/\d+（\d+–\d+）", dom)
    assert re.search(r'<td class="sev-(high|medium|low|none)">', dom)
    shots = REPO / "build" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    shot = shots / "index.png"
    shot.unlink(missing_ok=True)
    _chromium("--window-size=1200,900", f"--screenshot={shot}", page)
    assert shot.is_file() and shot.stat().st_size > 10_000
    target = Path(two_counties_built / "reports/notebooks/990100/2020/990101/county.html")
    county_shot = shots / "county_990101.png"
    _chromium("--window-size=1200,2400", f"--screenshot={county_shot}", target.as_uri())
    assert county_shot.is_file()


def test_chinese_renders_as_glyphs_not_boxes(tmp_path):
    """Two different Chinese words in the index's fonts give two different pictures.

    Without a CJK font every character is the same empty box, so the two
    screenshots would be identical pixel for pixel.
    """
    from PIL import Image, ImageChops

    from pipeline.report.index_page import STYLE

    shots = []
    for i, word in enumerate(("政治生态", "监测分析")):
        page = tmp_path / f"{i}.html"
        page.write_text(f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><style>{STYLE}</style>'
                        f'</head><body><h1>{word}</h1></body></html>', encoding="utf-8")
        shot = tmp_path / f"{i}.png"
        _chromium("--window-size=400,200", f"--screenshot={shot}", page.as_uri())
        shots.append(Image.open(shot).convert("L"))
    difference = ImageChops.difference(*shots).getbbox()
    assert difference is not None, "the two words render alike: Chinese shows as boxes (install fonts-noto-cjk)"


def test_the_validation_page_is_filled_with_the_network_blocked(two_counties_built):  # noqa: F811
    """A commission's intranet: every request off the machine fails (a proxy that refuses), the page still shows
    its rules, results and the index's link to it."""
    blocked = ["--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>"]
    page = two_counties_built / "reports/validation/index.html"
    assert 'href="validation/index.html"' in (two_counties_built / "reports/index.html").read_text(encoding="utf-8")
    dom = _chromium(*blocked, "--dump-dom", page.as_uri()).stdout
    assert "数据校验结果" in dom and "校验通过" in dom
    assert dom.count("<tr>") > 50 and "新发生案件数不得多于立案数" in dom and "通过" in dom
    shot = REPO / "build" / "screenshots" / "validation.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    shot.unlink(missing_ok=True)
    _chromium(*blocked, "--window-size=1200,1600", f"--screenshot={shot}", page.as_uri())
    assert shot.is_file() and shot.stat().st_size > 10_000
