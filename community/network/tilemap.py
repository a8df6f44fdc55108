"""A tile map of Japan's 47 prefectures drawn server-side as SVG (no JavaScript, prints).

Each prefecture is one square at a fixed column and row: 北海道 at the top right, 沖縄 at the
bottom left, the others roughly where they lie. The SVG uses presentation attributes only (no
style attribute, no <style>, no script), so the site's CSP (style-src 'self') lets it render.
"""

from __future__ import annotations

import hashlib
import math
from functools import cache
from urllib.parse import urlsplit

from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape

from community.reference.loader import REFERENCE_DIR, read_yaml

# JIS X 0401 code → (column, row); columns grow to the east, rows to the south.
LAYOUT: dict[str, tuple[int, int]] = {
    "01": (12, 0),
    "02": (12, 1),
    "05": (11, 2), "03": (12, 2),
    "06": (11, 3), "04": (12, 3),
    "18": (8, 4), "17": (9, 4), "16": (10, 4), "15": (11, 4), "07": (12, 4),
    "32": (3, 5), "31": (4, 5), "28": (5, 5), "26": (6, 5), "25": (7, 5),
    "21": (8, 5), "20": (9, 5), "10": (10, 5), "09": (11, 5), "08": (12, 5),
    "35": (2, 6), "34": (3, 6), "33": (4, 6), "27": (5, 6), "29": (6, 6),
    "24": (7, 6), "23": (8, 6), "19": (9, 6), "11": (10, 6), "12": (11, 6),
    "42": (0, 7), "41": (1, 7), "40": (2, 7), "30": (6, 7), "22": (8, 7), "14": (9, 7),
    "13": (10, 7),
    "43": (1, 8), "44": (2, 8), "38": (3, 8), "37": (4, 8),
    "46": (1, 9), "45": (2, 9), "39": (3, 9), "36": (4, 9),
    "47": (0, 10),
}  # fmt: skip

TILE = 44  # px, one prefecture
GAP = 3
COLUMNS, ROWS = 13, 11
# A sequential scale (ColorBrewer Blues): light = low, dark = high; it stays ordered when
# printed in grey. Text is dark on the light steps, white on the dark ones (the two dark steps
# are a shade darker than Blues-5 so that small white text keeps a 4.5:1 contrast).
STEPS = ("#eff3ff", "#bdd7e7", "#6baed6", "#2171b5", "#08306b")
TEXT_ON = ("#1a1a1a", "#1a1a1a", "#1a1a1a", "#ffffff", "#ffffff")
NO_DATA = "#ffffff"  # white with a dashed grey outline: distinct from the lightest step
NO_DATA_STROKE = "#8c8c8c"


@cache
def prefecture_names() -> dict[str, tuple[str, str, str]]:
    """code → (full Japanese name, short Japanese name, English name), from the reference YAML."""
    names = {}
    for row in read_yaml(REFERENCE_DIR / "prefectures.yaml"):
        ja = row["ja"]
        # 京都府 → 京都, 東京都 → 東京, 岐阜県 → 岐阜; 北海道 keeps its 道.
        short = ja[:-1] if ja[-1] in "都府県" else ja
        names[str(row["code"]).zfill(2)] = (ja, short, row["en"])
    return names


def step_of(value: float | None) -> int | None:
    """The colour step (0–4) of a value from 0 to 1; None (or not a number) has none."""
    if value is None or isinstance(value, bool):
        return None
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    if math.isnan(value):
        return None
    return min(max(int(value * len(STEPS)), 0), len(STEPS) - 1)


def safe_href(url: str | None) -> str | None:
    """A link target kept only when it is relative or http(s) (never javascript: or data:)."""
    if not url:
        return None
    scheme = urlsplit(str(url)).scheme.lower()
    return str(url) if scheme in ("", "http", "https") else None


def percent(value: float | None) -> str:
    """「42%」, or 「データなし」 when there is no value."""
    step = step_of(value)
    if step is None:
        return _("No data")
    return f"{round(min(max(float(value), 0.0), 1.0) * 100)}%"


def _attrs(**attrs) -> str:
    return "".join(
        f' {k.rstrip("_").replace("_", "-")}="{escape(v)}"'
        for k, v in attrs.items()
        if v is not None
    )


def _tile(code: str, value, href: str | None, label: str | None, english: bool) -> str:
    col, row = LAYOUT[code]
    x, y = col * (TILE + GAP), row * (TILE + GAP)
    full, short, en = prefecture_names()[code]
    name = en if english else short
    step = step_of(value)
    shown = label if label is not None else percent(value)
    hover = f"{en if english else full}: {shown}"
    if label is not None and step is not None:
        hover += f" ({percent(value)})"
    if step is None:
        rect = _attrs(
            x=x, y=y, width=TILE, height=TILE, fill=NO_DATA, stroke=NO_DATA_STROKE,
            stroke_dasharray="3 2",
        )  # fmt: skip
        ink = TEXT_ON[0]
    else:
        rect = _attrs(x=x, y=y, width=TILE, height=TILE, fill=STEPS[step], stroke="#ffffff")
        ink = TEXT_ON[step]
    squeeze = {"textLength": TILE - 6, "lengthAdjust": "spacingAndGlyphs"} if len(name) > 5 else {}
    cx = x + TILE / 2
    parts = [
        f"<title>{escape(hover)}</title>",
        f"<rect{rect}/>",
        f"<text{_attrs(x=cx, y=y + 19, fill=ink, font_size=12, text_anchor='middle', **squeeze)}>"
        f"{escape(name)}</text>",
        f"<text{_attrs(x=cx, y=y + 34, fill=ink, font_size=9, text_anchor='middle')}>"
        f"{escape(shown if len(shown) <= 8 else shown[:7] + '…')}</text>",
    ]
    body = "".join(parts)
    data = _attrs(class_="tile", data_code=code, data_step="none" if step is None else step)
    if href:
        return f"<a{_attrs(href=href)}{data}>{body}</a>"
    return f"<g{data}>{body}</g>"


def _legend() -> str:
    """Five steps and 「データなし」 in the empty sea at the top left."""
    out = [f'<g class="legend"><text{_attrs(x=0, y=14, font_size=12)}>{escape(_("Legend"))}</text>']
    size, y = 14, 22
    for i, colour in enumerate(STEPS):
        low, high = i * 100 // len(STEPS), (i + 1) * 100 // len(STEPS)
        rect = _attrs(x=0, y=y, width=size, height=size, fill=colour, stroke="#8c8c8c")
        text = _attrs(x=size + 6, y=y + 11, font_size=11)
        out.append(f'<g data-step="{i}"><rect{rect}/><text{text}>{low}–{high}%</text></g>')
        y += size + 4
    rect = _attrs(
        x=0, y=y, width=size, height=size, fill=NO_DATA, stroke=NO_DATA_STROKE,
        stroke_dasharray="3 2",
    )  # fmt: skip
    label = escape(_("No data"))
    text = _attrs(x=size + 6, y=y + 11, font_size=11)
    out.append(f'<g data-step="none"><rect{rect}/><text{text}>{label}</text></g></g>')
    return "".join(out)


def render_tilemap(
    values: dict[str, float | None],
    links: dict[str, str],
    title: str,
    *,
    labels: dict[str, str] | None = None,
) -> Markup:
    """The 47 prefectures as an SVG tile map coloured by `values` (0–1; None or missing: no
    data), each tile linking to `links[code]` when given; `labels[code]` replaces the
    percentage shown under a tile's name (e.g. 「12/42」). Everything is escaped."""
    locale = get_locale()
    english = locale is not None and locale.language == "en"
    labels = labels or {}
    # Ids from the title: two maps on one page keep their own title and description.
    uid = "tilemap-" + hashlib.sha1(title.encode(), usedforsecurity=False).hexdigest()[:8]
    width, height = COLUMNS * (TILE + GAP) - GAP, ROWS * (TILE + GAP) - GAP
    desc = _(
        "A tile map of the prefectures: the darker the tile, the higher the value (5 steps);"
        " a white tile with a dashed outline has no data."
    )
    tiles = "".join(
        _tile(code, values.get(code), safe_href(links.get(code)), labels.get(code), english)
        for code in sorted(LAYOUT)
    )
    # A picture of links is a group, not an image: role="img" would hide the links from
    # screen readers. Without links the map is one image with its title and description.
    role = "group" if any(safe_href(links.get(c)) for c in LAYOUT) else "img"
    head = _attrs(
        xmlns="http://www.w3.org/2000/svg",
        class_="tilemap",
        viewBox=f"0 0 {width} {height}",
        width=width,
        height=height,
        role=role,
        aria_labelledby=f"{uid}-title {uid}-desc",
        font_family="sans-serif",
    )
    # Every piece of text and every attribute value above went through escape().
    return Markup(  # noqa: S704
        f'<svg{head}><title id="{uid}-title">{escape(title)}</title>'
        f'<desc id="{uid}-desc">{escape(desc)}</desc>{_legend()}{tiles}</svg>'
    )
