"""A text gate over every output a reviewer reads: typography and stock phrasing a signer would strike out.

Checked on the text of notebooks (.ipynb), pages (.html), write-ups (.md, .docx), workbooks (.xlsx), the
index and the notices, as a reader sees it:
  - no "%%" and no doubled quotation marks (““…”” );
  - no "N个县区（共N个）" (the same count said twice);
  - no empty clause ("：。", "，。", "（）", "“”");
  - no level word that contradicts the place's level (全省 in a city's report, 本市州 in a county's);
  - across one region-year's county write-ups, no sentence of the findings (outside headings, the data
    notes, the preamble and the appendix) repeated verbatim in more than a third of them: stock advice
    rotated or copied from one county to the next reads as boilerplate to the person who signs it.
The tests run it over the demo's outputs (tests/test_pipeline_e2e.py) with a planted negative control;
`python -m pipeline.report.text_gate reports/notebooks/990100/2024` runs it by hand.
"""

from __future__ import annotations

import html
import json
import re
import sys
import zipfile
from collections import Counter
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

DOUBLE_QUOTES = re.compile(r"““|””|‘‘|’’")
COUNT_TWICE = re.compile(r"(\d+)个([\u4e00-\u9fff]{1,4})（共\1个）")
EMPTY_CLAUSE = re.compile(r"[：，、；][ \t]*[。；]|（[ \t]*）|“[ \t]*”")
SENTENCE_END = "。"
# sections of a write-up whose sentences are method and data notes, said the same way in every report
NOTE_SECTIONS = ("数据说明", "主要数据", "附录", "Notes on the data", "Key figures", "Appendix")
PHRASES = Path("data") / "reference" / "phrases.yaml"


@dataclass(frozen=True)
class Flaw:
    path: str
    rule: str
    text: str

    def __str__(self) -> str:
        return f"{self.path}: {self.rule}: …{self.text}…"


class _Text(HTMLParser):
    """The visible text of a page (scripts and styles left out), one line per block."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in ("p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "td", "th"):
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def html_text(markup: str) -> str:
    parser = _Text()
    parser.feed(markup)
    return html.unescape("".join(parser.parts))


def text_of(path: Path) -> str:
    """What a reader sees of an output file, as plain text."""
    suffix = path.suffix.lower()
    if suffix == ".md":
        return path.read_text(encoding="utf-8")
    if suffix == ".html":
        return html_text(path.read_text(encoding="utf-8"))
    if suffix == ".ipynb":
        nb = json.loads(path.read_text(encoding="utf-8"))
        out = []
        for cell in nb.get("cells", []):
            if cell.get("cell_type") == "markdown":
                out.append("".join(cell.get("source", [])))
            for o in cell.get("outputs", []):
                data = o.get("data", {})
                if "text/html" in data:
                    out.append(html_text("".join(data["text/html"])))
                elif "text/markdown" in data:
                    out.append("".join(data["text/markdown"]))
                elif "text" in o:
                    out.append("".join(o["text"]))
        return "\n".join(out)
    if suffix in (".docx", ".xlsx"):
        with zipfile.ZipFile(path) as z:
            names = [n for n in z.namelist() if n.startswith(("word/document", "word/footnotes", "xl/sharedStrings",
                                                              "xl/worksheets/sheet"))]
            xml = "\n".join(z.read(n).decode("utf-8") for n in sorted(names))
        xml = re.sub(r"</w:p>|</si>|</c>", "\n", xml)
        return html.unescape(re.sub(r"<[^>]+>", "", xml))
    raise ValueError(f"not an output the gate reads: {path}")


def level_words(root: Path) -> dict[str, dict[str, str]]:
    """The words the reports use for levels (phrases.yaml zh `levels`): a place's own (本县区...) and a
    region's aggregate (全市...), by level."""
    import yaml

    levels = yaml.safe_load((root / PHRASES).read_text(encoding="utf-8"))["zh"]["levels"]
    return {"own": levels["own"], "aggregate": {k: v for k, v in levels["aggregate"].items() if k != "country"}}


def document_flaws(name: str, text: str, level: str = "", region_level: str = "",
                   words: dict[str, dict[str, str]] | None = None) -> list[Flaw]:
    """The flaws of one document's text; `level` and `region_level` (county, prefecture...) and the level
    `words` (level_words) when the levels are to be checked."""
    flaws = []
    for rule, pattern in (("%% 重复", re.compile(r"%%")), ("引号重复", DOUBLE_QUOTES),
                          ("同一个数说了两遍", COUNT_TWICE), ("空的分句", EMPTY_CLAUSE)):
        flaws += [Flaw(name, rule, text[max(0, m.start() - 12): m.end() + 12]) for m in pattern.finditer(text)]
    if level and words:
        wrong = [w for lv, w in words["own"].items() if lv != level]
        wrong += [w for lv, w in words["aggregate"].items() if lv != region_level]
        for word in wrong:
            i = text.find(word)
            if i >= 0:
                flaws.append(Flaw(name, f"层级用语「{word}」与本报告的层级不符", text[max(0, i - 12): i + 12]))
    return flaws


def findings_sentences(md: str) -> set[str]:
    """The sentences of a write-up's findings: numbered items outside the note sections, note marks removed."""
    out, skip = set(), False
    for line in md.splitlines():
        if line.startswith("#"):
            skip = any(s in line for s in NOTE_SECTIONS)
            continue
        m = re.match(r"^\s*\d+\.\s+(.*)$", line)
        if skip or not m:
            continue
        body = re.sub(r"\[\^\d+\]|<sup>[^<]*</sup>", "", m.group(1))
        out |= {s.strip() + SENTENCE_END for s in body.split(SENTENCE_END) if s.strip()}
    return out


def repeated_sentences(writeups: dict[str, str], share: float = 1 / 3) -> list[Flaw]:
    """Sentences found verbatim in more than `share` of a region-year's county write-ups (at least three)."""
    if len(writeups) < 3:
        return []
    counts = Counter(s for md in writeups.values() for s in findings_sentences(md))
    limit = share * len(writeups)
    return [Flaw("、".join(sorted(k for k, md in writeups.items() if s in findings_sentences(md))),
                 f"同一句话出现在 {n}/{len(writeups)} 份县区报告中", s[:60])
            for s, n in sorted(counts.items()) if n > limit]


def check_folder(folder: Path, root: Path) -> list[Flaw]:
    """Every output under a region-year folder (reports/notebooks/<region>/<year>), each document's level
    words checked against its place's level in the project's register (`root`)."""
    levels, words = levels_of(root / "data" / "reference" / "divisions.csv"), level_words(root)
    region_level = levels.get(folder.parent.name, "")
    flaws: list[Flaw] = []
    writeups: dict[str, str] = {}
    for path in sorted(folder.rglob("*")):
        if path.suffix.lower() not in (".md", ".html", ".ipynb", ".docx", ".xlsx"):
            continue
        place = path.parent.name if path.parent != folder else folder.parent.name
        text = text_of(path)
        # the region's workbook states every place's findings: no one level applies to its words
        level = "" if path.suffix.lower() == ".xlsx" else levels.get(place, "")
        flaws += document_flaws(str(path.relative_to(folder)), text, level, region_level, words)
        if path.name == "writeup.md" and path.parent != folder:
            writeups[place] = text
    return flaws + repeated_sentences(writeups)


def levels_of(divisions_csv: Path) -> dict[str, str]:
    """code -> level of every place in the register (data/reference/divisions.csv)."""
    from pipeline.divisions import read_divisions

    frame = read_divisions(divisions_csv)
    return dict(zip(frame["code"].astype(str), frame["level"].astype(str), strict=True))


def check_region_year(root: Path, region: str, year: int) -> list[Flaw]:
    """The gate on one region-year's outputs under reports/notebooks/."""
    return check_folder(root / "reports" / "notebooks" / region / str(year), root)


def main(argv: list[str] | None = None) -> None:
    from pipeline.config import project_root

    root = project_root()
    flaws = [f for a in (argv if argv is not None else sys.argv[1:]) for f in check_folder(Path(a), root)]
    for f in flaws:
        print(f)
    print(f"文字检查：{len(flaws)} 处问题")
    sys.exit(1 if flaws else 0)


if __name__ == "__main__":
    main()
