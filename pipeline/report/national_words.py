"""The words of a region's figures beside the nation's (the `national` finding): stated, never judged."""

from __future__ import annotations

from pipeline.report.phrasing import Phraser, evidence


def national_sentence(p: Phraser, f) -> str:
    """与全国比较：全市第一至第四种形态分别占64.4%、…；全国（2023年）分别占63.8%、…；第一种形态占比高于全国0.6个百分点."""
    ev = evidence(f)
    figures, comps = ev["figures"], ev["comparisons"]
    mine = p.w.sep.join(p.figure(f, figures[c["measure"]]["current"]) for c in comps)
    nation = p.w.sep.join(p.figure(f, figures[c["measure"]]["nation"]) for c in comps)
    lead = comps[0]
    move = {"up": "up", "down": "down"}.get(lead["move"], "same")
    diff = p.cite(lead["text"], label=p.w("writeup.cite.nation_gap", name=p.name(lead["measure"])),
                  key=("finding", f["finding_id"], f["year"], f["period"], lead["measure"], "nation_gap"),
                  value=abs(lead["difference"]), source=p.w("writeup.source.change_level"), note=False)
    difference = p.w(f"finding.national.{move}", name=p.name_within(lead["measure"]), diff=diff,
                     change_unit=p.change_unit(lead["unit"]))
    key = "finding.national.shares" if len(comps) > 1 else "finding.national.one"
    return p.w(key, mine=mine, nation=nation, year=ev["year"], name=p.name_within(lead["measure"]), difference=difference,
               **p.places(f))


HANDLERS = {"national": national_sentence}
