"""The prefecture tile map: 47 tiles, links, colour steps, no data, escaping, valid SVG."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from community.network import tilemap
from community.network.tilemap import LAYOUT, NO_DATA, STEPS, render_tilemap, step_of

SVG = "{http://www.w3.org/2000/svg}"
ALL = [f"{n:02d}" for n in range(1, 48)]


@pytest.fixture
def draw(app):
    """Render in a request (Japanese, the default locale) and parse the SVG."""

    def render(values, links=None, title="カバー率", **kw):
        with app.test_request_context("/"):
            markup = render_tilemap(values, links or {}, title, **kw)
        return str(markup), ET.fromstring(str(markup))  # noqa: S314 - our own output

    return render


def tiles(root) -> dict[str, ET.Element]:
    return {el.get("data-code"): el for el in root.iter() if el.get("class") == "tile"}


def rect_of(tile) -> ET.Element:
    return tile.find(f"{SVG}rect")


def test_the_layout_places_47_prefectures_on_distinct_squares():
    assert sorted(LAYOUT) == ALL
    assert len(set(LAYOUT.values())) == 47
    # 北海道 top right, 沖縄 bottom left.
    assert LAYOUT["01"] == (max(c for c, _ in LAYOUT.values()), 0)
    assert LAYOUT["47"] == (0, max(r for _, r in LAYOUT.values()))


def test_47_tiles_with_names_and_a_titled_svg(draw):
    text, root = draw(dict.fromkeys(ALL, 0.5))
    assert root.tag == f"{SVG}svg"
    found = tiles(root)
    assert sorted(found) == ALL
    title = root.find(f"{SVG}title")
    desc = root.find(f"{SVG}desc")
    assert title.text == "カバー率" and desc.text
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert root.get("role") == "img"  # no links: one picture
    names = [t.findall(f"{SVG}text")[0].text for t in found.values()]
    assert {"北海道", "東京", "京都", "大阪", "鹿児島", "沖縄"} <= set(names)
    assert "北海道: 50%" in found["01"].find(f"{SVG}title").text
    assert found["21"].find(f"{SVG}title").text == "岐阜県: 50%"


def test_tiles_link_where_a_link_is_given(draw):
    links = {"21": "/network/prefectures/21", "20": "/network/prefectures/20?x=1&y=2"}
    text, root = draw({"21": 0.3}, links)
    found = tiles(root)
    assert found["21"].tag == f"{SVG}a"
    assert found["21"].get("href") == "/network/prefectures/21"
    assert found["20"].get("href") == "/network/prefectures/20?x=1&y=2"
    assert "?x=1&amp;y=2" in text  # escaped in the attribute
    assert found["13"].tag == f"{SVG}g" and found["13"].get("href") is None
    # Links in a role="img" would be hidden from screen readers: a map of links is a group.
    assert root.get("role") == "group"


def test_a_script_link_is_dropped(draw):
    text, root = draw({}, {"13": "javascript:alert(1)", "14": "data:text/html,x"})
    assert "javascript:" not in text and "data:text" not in text
    assert tiles(root)["13"].tag == f"{SVG}g"


@pytest.mark.parametrize(
    ("value", "step"),
    [(0, 0), (0.19, 0), (0.2, 1), (0.5, 2), (0.79, 3), (0.8, 4), (1, 4), (1.7, 4), (-0.2, 0)],
)
def test_colour_steps(draw, value, step):
    assert step_of(value) == step
    _, root = draw({"21": value})
    tile = tiles(root)["21"]
    assert tile.get("data-step") == str(step)
    assert rect_of(tile).get("fill") == STEPS[step]


def test_none_and_missing_values_show_no_data(draw):
    _, root = draw({"21": None, "20": float("nan")})
    found = tiles(root)
    for code in ("21", "20", "13"):  # None, not a number, missing
        assert found[code].get("data-step") == "none"
        assert rect_of(found[code]).get("fill") == NO_DATA
        assert rect_of(found[code]).get("stroke-dasharray")
        assert "データなし" in found[code].find(f"{SVG}title").text
    legend = {g.get("data-step"): g for g in root.iter() if g.get("data-step") is not None}
    legend_text = "".join(t.text or "" for t in root.iter(f"{SVG}text"))
    assert "データなし" in legend_text and "凡例" in legend_text
    assert {"0", "1", "2", "3", "4", "none"} <= set(legend)


def test_labels_replace_the_percentage(draw):
    _, root = draw({"13": 0.05}, labels={"13": "3/62"})
    tile = tiles(root)["13"]
    assert [t.text for t in tile.findall(f"{SVG}text")] == ["東京", "3/62"]
    assert tile.find(f"{SVG}title").text == "東京都: 3/62 (5%)"


def test_everything_is_escaped(draw):
    evil = '<script>alert("x")</script>&'
    text, root = draw(
        {"13": 0.5}, {"13": '/p?"><script>x</script>'}, title=evil, labels={"13": evil}
    )
    assert "<script" not in text
    assert root.find(f"{SVG}title").text == evil
    assert tiles(root)["13"].get("href") == '/p?"><script>x</script>'
    assert evil in tiles(root)["13"].find(f"{SVG}title").text


def test_nothing_the_csp_would_block(draw):
    text, root = draw(dict.fromkeys(ALL, 0.4), {c: f"/p/{c}" for c in ALL})
    for el in root.iter():
        assert el.tag not in (f"{SVG}script", f"{SVG}style", f"{SVG}foreignObject")
        assert "style" not in el.attrib
        assert not any(name.startswith("on") for name in el.attrib)


def test_two_maps_keep_their_own_ids(draw):
    _, first = draw({}, title="会員")
    _, second = draw({}, title="回答")
    assert first.find(f"{SVG}title").get("id") != second.find(f"{SVG}title").get("id")


def test_english_names_in_english(app):
    with app.test_request_context("/", headers={"Cookie": "lang=en"}):
        root = ET.fromstring(str(render_tilemap({"13": None}, {}, "Coverage")))  # noqa: S314
    tile = tiles(root)["13"]
    assert tile.findall(f"{SVG}text")[0].text == "Tokyo"
    assert tile.find(f"{SVG}title").text == "Tokyo: No data"
    assert tilemap.prefecture_names()["01"] == ("北海道", "北海道", "Hokkaido")
