"""Screen-reader names on the forms a walk-through found unlabelled or read in English
(the browser test test_accessibility.py runs axe over whole pages)."""

import re

from community.auth.models import Role
from tests.conftest import login


def inputs(html: str, name_prefix: str) -> list[str]:
    return re.findall(rf'<(?:input|select|textarea)[^>]*name="{name_prefix}[^"]*"[^>]*>', html)


def test_every_case_editor_row_input_has_a_numbered_japanese_name(client, make_user):
    make_user(username="edi", role=Role.EDITOR)
    login(client, "edi")
    html = client.get("/cases/new").get_data(as_text=True)
    for prefix in ("effect_figures-", "costs-", "schedule-", "interview-", "sources-"):
        found = inputs(html, prefix)
        assert found, prefix
        unlabelled = [tag for tag in found if "aria-label=" not in tag]
        assert not unlabelled, unlabelled
    assert 'aria-label="出典2のリンク"' in html
    assert 'aria-label="費用の内訳1の種別"' in html


def test_notification_settings_are_fieldsets_with_translated_choices(client, make_user):
    make_user(username="mem")
    login(client, "mem")
    html = client.get("/settings/notifications").get_data(as_text=True)
    groups = re.findall(r'<fieldset class="pref-row">(.*?)</fieldset>', html, re.S)
    assert groups
    for group in groups:
        assert re.search(r"<legend>\S.*?</legend>", group, re.S)
        labels = re.findall(r'<label class="check"><input type="radio"[^>]*> (.*?)</label>', group)
        assert labels == ["すぐに", "1日1回まとめて", "受け取らない"], labels
    assert len(groups) >= 5
    assert not re.search(r"aria-label=\"[^\"]*: (immediately|digest|never)\"", html)
    # What is saved is unchanged: the values stay the same.
    assert 'name="mail-answer" value="digest"' in html


def test_english_interface_reads_english_choices(client, make_user):
    make_user(username="mem")
    login(client, "mem")
    client.post("/lang", data={"lang": "en"})
    html = client.get("/settings/notifications").get_data(as_text=True)
    assert "> At once</label>" in html and "> Daily digest</label>" in html
