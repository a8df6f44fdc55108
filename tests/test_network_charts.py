"""The network view's SVG charts: accessible, escaped, no script or inline style (CSP)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from markupsafe import Markup

from community.network.charts import SUPPRESSED, bar_chart, line_chart

SVG = "{http://www.w3.org/2000/svg}"
POINTS = [("2026-09", 0), ("2026-10", 3), ("2026-11", SUPPRESSED), ("2026-12", None)]


def _tree(markup: Markup | str) -> ET.Element:
    # Our own output, not untrusted input: parsing checks that it is well-formed XML.
    return ET.fromstring(str(markup))  # noqa: S314


def test_bar_chart_has_title_desc_and_one_bar_per_value():
    chart = bar_chart("q", "月別の質問数", POINTS, "件")
    assert isinstance(chart, Markup)
    root = _tree(chart)
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "q-t q-d"
    assert root.find(f"{SVG}title").text == "月別の質問数"
    desc = root.find(f"{SVG}desc").text
    assert desc == "2026-09: 0件; 2026-10: 3件; 2026-11: –; 2026-12: –"
    bars = [r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    assert [b.find(f"{SVG}title").text for b in bars] == ["2026-09: 0件", "2026-10: 3件"]
    assert float(bars[0].get("height")) == 0.0
    # The axis tops out at 4 for a largest value of 3; the bar is 3/4 of the plot's height.
    assert float(bars[1].get("height")) == round((220 - 16 - 40) * 3 / 4, 1)
    ticks = [t.text for t in root.iter(f"{SVG}text") if t.get("text-anchor") == "end"]
    assert ticks == ["0", "2", "4"]
    assert any(t.text == "–" for t in root.iter(f"{SVG}text"))  # the suppressed month


def test_line_chart_breaks_at_missing_values():
    points = [("1", 1.0), ("2", 5.5), ("3", None), ("4", 2.0), ("5", 4.0)]
    root = _tree(line_chart("p", "中央値", points, "時間"))
    lines = list(root.iter(f"{SVG}polyline"))
    assert len(lines) == 2  # 1–2 and 4–5, not across the gap
    dots = [c.find(f"{SVG}title").text for c in root.iter(f"{SVG}circle")]
    assert dots == ["1: 1時間", "2: 5.5時間", "4: 2時間", "5: 4時間"]


def test_labels_are_escaped_and_nothing_needs_script_or_inline_style():
    evil = [('<script>alert("x")</script>', 2), ("a&b", 1)]
    text = str(bar_chart('x"><script>', "<b>題</b>", evil))
    assert "<script" not in text and "<b>" not in text
    assert "&lt;script&gt;" in text and "a&amp;b" in text
    assert not re.search(r"\sstyle=|<style|\son\w+=", text)
    _tree(text)


def test_empty_and_all_zero_charts_are_drawn():
    assert "<svg" in bar_chart("e", "空", [])
    note = "表示できる値がありません"
    assert note in line_chart("s", "秘匿", [("1", SUPPRESSED), ("2", None)], empty=note)
    assert note not in line_chart("s", "一つ", [("1", SUPPRESSED), ("2", 4.0)], empty=note)
    root = _tree(line_chart("z", "ゼロ", [("1", 0), ("2", 0)]))
    assert len(list(root.iter(f"{SVG}circle"))) == 2
