"""Small server-rendered SVG charts (bars and a line) for the network view.

Inline SVG needs no script and no style: the CSP (community/web.py) allows neither inline
scripts nor inline styles, so the charts use presentation attributes only (fill, stroke,
font-size), which the policy does not govern. Dark strokes on white keep them legible when
printed in black and white. Every text goes through escape(); <title> and <desc> name the chart
and list its values for screen readers.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

from community.network.kpis_cells import SUPPRESSED

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 16, 40
INK, BAR, GRID = "#111111", "#4d4d4d", "#bbbbbb"
DASH = "–"

Point = tuple[str, object]  # (label, number | None | SUPPRESSED)


def _number(value) -> float | None:
    if value is None or value == SUPPRESSED:
        return None
    return float(value)


def _nice_max(values: Sequence[float]) -> float:
    """The top of the axis: the largest value rounded up to 2, 4, 6, 8 or 10 × a power of ten
    (even, so that the middle grid line of a count is a whole number)."""
    top = max([v for v in values if v is not None] or [0.0])
    if top <= 0:
        return 2.0
    scale = 1.0
    while scale * 10 <= top:
        scale *= 10
    while scale > top:
        scale /= 10
    for step in (2, 4, 6, 8, 10):
        if step * scale >= top:
            return step * scale
    return 10 * scale  # pragma: no cover - the loop above always returns


def _fmt(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def _value_text(value, unit: str) -> str:
    if value == SUPPRESSED:
        return DASH
    if value is None:
        return ""
    return f"{_fmt(float(value))}{unit}"


def _frame(chart_id: str, title: str, points: Sequence[Point], unit: str, top: float):
    """The opening tag, title, description, axis, grid lines and x labels."""
    desc = "; ".join(f"{label}: {_value_text(v, unit) or DASH}" for label, v in points)
    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="100%" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-labelledby="{escape(chart_id)}-t {escape(chart_id)}-d" '
        f'font-family="sans-serif" font-size="11">',
        f'<title id="{escape(chart_id)}-t">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-d">{escape(desc)}</desc>',
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
    ]
    plot_h = HEIGHT - TOP - BOTTOM
    for fraction in (0.0, 0.5, 1.0):
        y = TOP + plot_h * (1 - fraction)
        colour = INK if fraction == 0 else GRID
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" '
            f'stroke="{colour}" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{INK}">'
            f"{escape(_fmt(top * fraction))}</text>"
        )
    slot = (WIDTH - LEFT - RIGHT) / max(len(points), 1)
    every = max(1, round(len(points) / 12))  # at most about twelve labels under the axis
    for i, (label, _value) in enumerate(points):
        if i % every == 0:
            x = LEFT + slot * (i + 0.5)
            parts.append(
                f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" '
                f'fill="{INK}">{escape(label)}</text>'
            )
    return parts, slot, plot_h


def _empty_note(parts: list[str], points: Sequence[Point], empty: str) -> None:
    """Say so in the plot when no value can be drawn (all missing or suppressed)."""
    if empty and all(_number(v) is None for _, v in points):
        x, y = (LEFT + WIDTH - RIGHT) / 2, TOP + (HEIGHT - TOP - BOTTOM) / 2
        parts.append(
            f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="middle" fill="{INK}" font-size="13">'
            f"{escape(empty)}</text>"
        )


def bar_chart(
    chart_id: str, title: str, points: Sequence[Point], unit: str = "", empty: str = ""
) -> Markup:
    """Vertical bars, one per point; a suppressed value shows a dash and no bar; `empty` is
    written across the plot when no value can be drawn."""
    top = _nice_max([_number(v) for _, v in points])
    parts, slot, plot_h = _frame(chart_id, title, points, unit, top)
    _empty_note(parts, points, empty)
    for i, (label, value) in enumerate(points):
        x = LEFT + slot * i + slot * 0.15
        number = _number(value)
        if number is None:
            if value == SUPPRESSED:
                parts.append(
                    f'<text x="{x + slot * 0.35:.1f}" y="{TOP + plot_h - 4:.1f}" '
                    f'text-anchor="middle" fill="{INK}">{DASH}</text>'
                )
            continue
        h = plot_h * number / top
        parts.append(
            f'<rect x="{x:.1f}" y="{TOP + plot_h - h:.1f}" width="{slot * 0.7:.1f}" '
            f'height="{h:.1f}" fill="{BAR}" stroke="{INK}" stroke-width="0.5">'
            f"<title>{escape(label)}: {escape(_value_text(value, unit))}</title></rect>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in parts went through escape()


def line_chart(
    chart_id: str, title: str, points: Sequence[Point], unit: str = "", empty: str = ""
) -> Markup:
    """A line through the known values (broken where a value is missing or suppressed), with a
    dot on each; `empty` is written across the plot when no value can be drawn."""
    top = _nice_max([_number(v) for _, v in points])
    parts, slot, plot_h = _frame(chart_id, title, points, unit, top)
    _empty_note(parts, points, empty)
    segments: list[list[tuple[float, float]]] = [[]]
    dots = []
    for i, (label, value) in enumerate(points):
        number = _number(value)
        if number is None:
            segments.append([])
            continue
        xy = (LEFT + slot * (i + 0.5), TOP + plot_h * (1 - number / top))
        segments[-1].append(xy)
        dots.append((xy, f"{label}: {_value_text(value, unit)}"))
    for seg in segments:
        if len(seg) > 1:
            coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in seg)
            parts.append(
                f'<polyline points="{coords}" fill="none" stroke="{INK}" stroke-width="2"/>'
            )
    for (x, y), text in dots:
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{INK}">'
            f"<title>{escape(text)}</title></circle>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in parts went through escape()
