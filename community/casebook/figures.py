"""What counts as a figure in a case, and whether each one has a source: the one rule the case
form, the service and the seed check (tests/test_casebook_seed_sources.py) share.

A *figure* is a run of Arabic digits in a case's text, after NFKC folding (full-width １２ is
12), with thousands separators and a decimal point kept inside it: 「約1,700人」 is 1700,
「約47.6万橋」 is 47.6, 「2023年4月3日」 is 2023, 4 and 3. Dates are figures too: a dated fact
needs its source as much as a count does. A figure is *sourced* when the same number appears in
the `supports` or the `as_of` of one of the case's sources that has a web link, an access date
and an as-of date. Kanji numerals (二本立て) are not figures.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from urllib.parse import urlsplit

FIGURE = re.compile(r"\d+(?:[.,]\d+)*")


def figures(text) -> set[str]:
    """The figures in `text`, thousands separators dropped (1,700 → 1700)."""
    folded = unicodedata.normalize("NFKC", str(text or ""))
    return {m.replace(",", "") for m in FIGURE.findall(folded)}


def fact_text(case: dict) -> list[str]:
    """Every part of a case that states facts, the sources themselves excluded. `case` is a
    seed entry or the service's validated values (the same keys)."""
    parts = [case.get("title") or "", *(case.get("summary_points") or [])]
    parts += [case.get(k) or "" for k in ("overview", "effects", "organisations")]
    parts += [case.get(k) or "" for k in ("participants", "contact_department")]
    parts += [f"{f['label']} {f['value']}" for f in case.get("effect_figures") or []]
    parts += [f"{r['period']} {r['content']}" for r in case.get("schedule") or []]
    parts += [f"{p['question']} {p['answer']}" for p in case.get("interview") or []]
    return parts


def is_link(url) -> bool:
    """A web address (http or https)."""
    return bool(url) and urlsplit(str(url)).scheme in ("http", "https")


def is_dated_link(source: dict) -> bool:
    """A source that can back a figure: a link, the date it was read and an as-of date."""
    return (
        is_link(source.get("url"))
        and isinstance(source.get("accessed_on"), date)
        and bool(source.get("as_of"))
    )


def unsourced(case: dict) -> list[str]:
    """The figures of `case` that no dated, linked source states, in numeric order."""
    sourced: set[str] = set()
    for s in case.get("sources") or []:
        if is_dated_link(s):
            sourced |= figures(s.get("supports")) | figures(s.get("as_of"))
    stated = set().union(*map(figures, fact_text(case)))
    return sorted(stated - sourced, key=_numeric)


def _numeric(figure: str) -> tuple[float, str]:
    try:
        return float(figure), figure
    except ValueError:  # 「1.2.3」, a section number
        return float("inf"), figure
