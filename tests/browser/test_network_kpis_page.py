"""The KPI page in a real browser: the charts draw under the CSP, on screen and in print."""

from __future__ import annotations

from tests.factories import PASSWORD
from tests.test_network_kpis import network  # noqa: F401 - the hand-checkable fixture


def test_admin_reads_the_kpis_with_charts_on_screen_and_in_print(page, network):  # noqa: F811
    page.goto("/auth/login")
    page.fill("#identifier", "boss")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.goto("/network/kpis?from=2026-08&to=2026-12")
    assert page.locator("svg[role=img]").count() == 2
    assert page.locator("svg[role=img] title").first.text_content() == "月別の質問数"
    box = page.locator("svg[role=img]").first.bounding_box()
    assert box["width"] > 300 and box["height"] > 100
    page.select_option("#kpi-prefecture", "21")
    page.click(".kpi-filters button[type=submit]")
    assert "prefecture=21" in page.url
    assert page.locator("svg[role=img] desc").first.text_content().count("2026-10: 3件") == 1
    page.emulate_media(media="print")
    assert page.locator(".kpi-filters").is_hidden()
    assert page.locator("svg[role=img]").first.is_visible()
