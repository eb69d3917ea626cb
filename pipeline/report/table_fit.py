"""Column widths that fit what a table holds, measured with fonts' metrics at the table's type size.

A reviewer reads the Word tables in LibreOffice, WPS or Word. A width guessed
from character counts broke "峨边彝族自治县" and "1,226人次" over two lines
and gave a one-digit note column as much room as the sources. Here each cell
is measured: a CJK character (and a full-width sign) is one em in every
Chinese face; any other character takes its advance in DejaVu Serif, which is
wider than Times New Roman and its metric twin Liberation Serif, so a figure
measured here fits in the face that prints it. A cell may break before an
opening bracket (较好 / （封顶）) and nowhere else; a header's words may take
two lines, its bracket stays whole (位次 / （共10个）).

The widths are water-filled: every column gets what its longest unbreakable
text needs while they fit the type area; when they do not, the widest columns
(prose: a source, a method) are capped at one level so that the rest fit, and
only they wrap, between words.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

CELL_MARGIN_TWIPS = 57  # 0.1 cm left and right in each cell (the tables set it; Word's default is 0.19 cm)
CELL_PADDING_PT = 2 * CELL_MARGIN_TWIPS / 20
SLACK = 1.04  # kerning, bold headers and rounding in the renderer


@lru_cache(maxsize=1)
def _latin_font():
    from matplotlib import font_manager, ft2font

    font = ft2font.FT2Font(font_manager.findfont(font_manager.FontProperties(family="DejaVu Serif")))
    font.set_size(1000, 72)  # 1,000 pixels to the em: advances read in thousandths of an em
    return font


@lru_cache(maxsize=4096)
def char_em(ch: str) -> float:
    """A character's advance in ems: 1 for CJK and full-width forms, else the Latin face's advance."""
    if unicodedata.east_asian_width(ch) in ("W", "F") or ch in "—…“”‘’":
        return 1.0
    try:
        return _latin_font().load_char(ord(ch)).linearHoriAdvance / 65536 / 1000
    except RuntimeError:  # a sign the Latin face lacks: as wide as a CJK character, to be safe
        return 1.0


AUTOSPACE_EM = 0.25  # the space LibreOffice and Word put between Chinese and a Latin letter or digit


def _is_cjk(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def text_width_pt(text: str, size_pt: float) -> float:
    """The width of `text` set in one line at `size_pt`, with the space a renderer adds where Chinese meets a
    digit or a Latin letter (高 1 条: a quarter em each side)."""
    text = str(text)
    seams = sum(1 for a, b in zip(text, text[1:], strict=False)
                if (_is_cjk(a) and b.isalnum() and not _is_cjk(b)) or (_is_cjk(b) and a.isalnum() and not _is_cjk(a)))
    return (sum(char_em(ch) for ch in text) + AUTOSPACE_EM * seams) * size_pt


def cell_lines(text: str, width_pt: float, size_pt: float, header: bool = False) -> list[str]:
    """A header, or a short cell, packed into the column's width at its break points: 位次 / （共10个） and
    较好 / （封顶）, never 位次（共10 / 个） or 较好（封 / 顶）, which a renderer left to itself prints (it
    breaks between any two Chinese characters). Prose is one piece: the renderer wraps it."""
    text = str(text)
    if not header and len(text) > SHORT:
        return [text]
    pieces = header_pieces(text) if header else body_pieces(text)
    usable = width_pt - CELL_PADDING_PT
    lines: list[str] = []
    for piece in pieces:
        if lines and text_width_pt(lines[-1] + piece, size_pt) * SLACK <= usable:
            lines[-1] += piece
        else:
            lines.append(piece)
    return lines


def header_pieces(text: str) -> list[str]:
    """What a header keeps on one line: its bracket (（共10个）) whole, and the words before it on at most two
    lines (综合评价 / 指数): a header may wrap, a count in brackets may not."""
    pieces = []
    for piece in (p for p in re.split(r"(?=[（(])", str(text)) if p):
        if piece[0] in "（(" or len(piece) < 4:
            pieces.append(piece)
        else:
            half = -(-len(piece) // 2)
            pieces += [piece[:half], piece[half:]]
    return pieces


SHORT = 12  # characters: a cell this short (a name, a figure with its unit, a grade) stays on one line
PROSE_MIN_EM = 6  # a column of prose is never narrower than six characters


def body_pieces(text: str) -> list[str]:
    """What a cell must keep on one line: the whole cell when it is short; in prose (a source, a method),
    which Chinese typesetting breaks between any two characters, each figure with its unit (1,226人次)."""
    text = str(text)
    if len(text) <= SHORT:  # whole, or broken before its bracket: 较好 / （封顶）, never 较好（封 / 顶）
        return [p for p in re.split(r"(?<=.)(?=[（(])", text) if p]
    return re.findall(r"[0-9A-Za-z.,%\-—]+[件人次分个年月日%]{0,2}|.", text) + ["一" * PROSE_MIN_EM]


def needed_pt(values: list[str], header: str, size_pt: float) -> tuple[float, float, bool]:
    """(the width the column's unbreakable pieces need, the width its longest cell needs on one line, whether
    it holds prose: a cell longer than SHORT characters)."""
    pieces = [p for v in values for p in body_pieces(v)] + header_pieces(header)
    least = max(text_width_pt(p, size_pt) for p in pieces) if pieces else 0.0
    whole = max([text_width_pt(v, size_pt) for v in values] + [text_width_pt(header, size_pt) / 2], default=0.0)
    return (least * SLACK + CELL_PADDING_PT, max(least, whole) * SLACK + CELL_PADDING_PT,
            any(len(str(v)) > SHORT for v in values))


def fit_widths(needs: list[tuple[float, float, bool]], total_pt: float) -> list[float]:
    """Widths summing to `total_pt`: each column its one-line width when all fit (the room left shared in
    proportion). Else the short columns (names, figures, grades) keep one line and the prose columns share
    the rest in proportion to their one-line widths, none below its unbreakable width (a long method gets
    more room than a name that just wraps); failing that every column may wrap at its break points, and
    when even its unbreakable pieces do not fit, everything shrinks alike."""
    least = [n[0] for n in needs]
    whole = [n[1] for n in needs]
    if sum(whole) <= total_pt:
        extra = total_pt - sum(whole)
        return [w + extra * w / sum(whole) for w in whole]
    if sum(least) >= total_pt:
        return [w * total_pt / sum(least) for w in least]
    prose = [i for i, n in enumerate(needs) if n[2]]
    start = [least[i] if i in prose else whole[i] for i in range(len(needs))]
    if prose and sum(start) <= total_pt:
        return _share(start, whole, prose, total_pt)
    return _share(list(least), whole, [i for i in range(len(needs)) if whole[i] > least[i]], total_pt)


def _share(widths: list[float], whole: list[float], free: list[int], total_pt: float) -> list[float]:
    """The room the fixed columns leave, shared among `free` in proportion to their one-line widths, none
    below the width it starts with."""
    floor = list(widths)
    while free:
        room = total_pt - sum(widths[i] for i in range(len(widths)) if i not in free)
        share = {i: room * whole[i] / sum(whole[j] for j in free) for i in free}
        pinned = [i for i in free if share[i] <= floor[i]]
        if not pinned:
            for i in free:
                widths[i] = share[i]
            break
        for i in pinned:
            widths[i] = floor[i]
        free = [i for i in free if i not in pinned]
    widths[widths.index(max(widths))] += total_pt - sum(widths)
    return widths
