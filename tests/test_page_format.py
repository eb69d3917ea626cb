"""The reviewer's HTML page (pipeline/report/formats/page.py) on notebooks built in memory."""

import base64
import re

import nbformat
from nbformat.v4 import new_code_cell, new_notebook, new_output

from pipeline.report.formats.page import to_html

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 16).decode()  # the page embeds it as it is


def _notebook(image_metadata: dict) -> nbformat.NotebookNode:
    cell = new_code_cell("views.show(section)", outputs=[
        new_output("display_data", data={"text/markdown": "**新发生案件占比** 由 29.9% 升至 32.6%"}),
        new_output("display_data", data={"image/png": PNG}, metadata=image_metadata),
        new_output("display_data", data={"text/html": "<table><tr><td>城关区</td></tr></table>"}),
    ])
    return new_notebook(cells=[cell], metadata={"language_info": {"name": "python"}})


def test_a_chart_is_described_by_its_own_title_and_every_output_takes_focus():
    page = to_html(_notebook({"image/png": {"alt": "新发生案件占比：城关区"}}))
    assert re.findall(r'<img [^>]*alt="([^"]*)"', page) == ["新发生案件占比：城关区"]
    assert "No description" not in page  # nbconvert's English placeholder on a Chinese page
    # three outputs (Markdown, image, table), each a focusable area; the code itself is left out
    assert len(re.findall(r'<div class="[^"]*jp-OutputArea-output[^"]*" tabindex="0"', page)) == 3
    assert "views.show" not in page and "<script" not in page.lower()
    assert "<strong>新发生案件占比</strong>" in page and "<td>城关区</td>" in page


def test_an_image_without_a_description_gets_an_empty_one_not_the_word_none():
    page = to_html(_notebook({}))
    assert re.findall(r'<img [^>]*alt="([^"]*)"', page) == [""]


def test_headings_are_written_as_text_and_markup_characters_stay_escaped():
    """A reader searching the file finds a heading as it reads; a < or & in a sentence stays markup-safe."""
    cell = new_code_cell("views.show(section)", outputs=[new_output("display_data", data={
        "text/markdown": "# 城关区（990101）政治生态监测分析 · 2024 年度\n\n比值 a < b & c"})])
    page = to_html(new_notebook(cells=[cell], metadata={"language_info": {"name": "python"}}))
    assert ">城关区（990101）政治生态监测分析 · 2024 年度<" in page and "¶</a>" in page
    assert "a &lt; b &amp; c" in page
    assert not re.search(r"&#\d+;", page)
