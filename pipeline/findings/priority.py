"""Which problems a report states first: a few main problems, ranked as a signer would, the rest in brief.

A report that lists eight problems where five matter hides the five. Each problem falls in a class
(params.yaml `findings.priority.order`: warnings by severity, a grade a veto or deduction lowered, a low
grade, a material adverse trend, any other adverse trend, the rest); problems are ranked by class, then
by how far the adverse move went beyond what counts as marked for its measure, then by the report's
order. The first `main_problems` are the report's main problems; of those, the classes in
`findings.priority.supervised` and any problem the last issued report already named that has not eased
(unchanged or worse) are followed personally by the commission (重点督办).
"""

from __future__ import annotations

from pipeline.findings.rules import Rules
from pipeline.findings.schema import Finding
from pipeline.periods import FULL_YEAR

# follow-up statuses of a problem the last issued report named that has not eased: two years running
STILL_OPEN = ("unchanged", "worse")


def problem_class(f: Finding) -> str:
    """The class of one problem (pipeline.findings.rules.PROBLEM_CLASSES)."""
    severity = f.severity or _worst_unit_warning(f)
    if severity:
        return f"warning_{severity}"
    if f.topic in ("veto", "deduction"):
        return "grade_capped"
    if f.topic == "grade":
        return "grade_low"
    if f.topic in ("trend", "units_rising"):
        marked = any(c.get("size") == "marked" and c["side"] == "worse" for c in comparisons_of(f))
        return "trend_marked" if marked or f.verdict == "worse_marked" else "trend"
    return "other"


def _worst_unit_warning(f: Finding) -> str:
    """A region's summary of its warned places takes the worst severity among them."""
    if f.topic != "units_warned":
        return ""
    severities = {w.get("severity") for w in f.evidence.get("warnings", [])}
    return next((s for s in ("high", "medium", "low") if s in severities), "")


def comparisons_of(f: Finding) -> list[dict]:
    """A finding's comparisons; a region's summary of its places' problems (units_rising) has its places'."""
    own = f.evidence.get("comparisons")
    return own if own is not None else [c for u in f.evidence.get("units", []) for c in u.get("comparisons", [])]


def excess(f: Finding) -> float:
    """How large the largest adverse move is, as a multiple of a marked move of its measure (0 when none):
    a fall of 5.4 points (marked at 3) weighs 1.8, a rise of 3.2 pp (marked at 2) 1.6."""
    sizes = [abs(c["difference"]) / c["marked"] for c in comparisons_of(f)
             if c.get("side") == "worse" and c.get("difference") is not None and c.get("marked")]
    return max(sizes, default=0.0)


def rank_problems(found: list[Finding], rules: Rules) -> None:
    """Set priority, main and supervised on the full-year problems of one place-year (in place). A problem
    stated within another's sentence (`part_of`) takes no rank of its own; the one stating it ranks by the
    higher class and the larger move of the two (a rise that capped the grade is a capped grade)."""
    follow = {f.subject: f.verdict for f in found if f.topic == "follow_up"}
    problems = [f for f in found if f.polarity == "problem" and f.period == FULL_YEAR and not f.part_of]
    order = {c: i for i, c in enumerate(rules.priority)}
    parts: dict[str, list[Finding]] = {}
    for f in found:
        if f.part_of:
            parts.setdefault(f.part_of, []).append(f)
    said = {id(f): (f, *parts.get(f.finding_id, [])) for f in problems}  # each problem with what it states
    classes = {k: min((problem_class(g) for g in group), key=order.__getitem__) for k, group in said.items()}
    sizes = {k: max(excess(g) for g in group) for k, group in said.items()}
    ranked = sorted(enumerate(problems), key=lambda item: (order[classes[id(item[1])]], -sizes[id(item[1])], item[0]))
    for rank, (_, f) in enumerate(ranked, start=1):
        f.priority = rank
        f.main = rank <= rules.main_problems
        named_again = follow.get(f"{f.topic}:{f.subject or '-'}") in STILL_OPEN
        f.supervised = f.main and (classes[id(f)] in rules.supervised or named_again)
