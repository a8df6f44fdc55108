"""The seeded casebook is honest: every figure cites a dated, linked source, only a cited
interview is shown as an interview, and 真岡市 (the plan's page-format sample) is not a case.

What a figure is and when it is sourced is community/casebook/figures.py's rule, the one the
case form enforces: these tests apply the same functions to the seed file."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from community.casebook import services as casebook
from community.casebook.figures import fact_text, figures, is_dated_link, is_link, unsourced
from community.casebook.models import Case, InterviewKind
from community.casebook.services import CaseInput, CaseInvalid
from community.demo_qa import DEMO_DIR
from community.extensions import db
from community.reference.loader import read_yaml
from tests.test_casebook import section

CASES = read_yaml(DEMO_DIR / "cases.yaml")


def test_figures_are_digit_runs_with_their_separators():
    assert figures("約1,700人(うち約400人)、2023年4月3日") == {"1700", "400", "2023", "4", "3"}
    assert figures("約47.6万橋、１２期") == {"47.6", "12"}
    assert figures("eラーニングと講習会の二本立て") == set()


def test_the_seed_has_cases_and_figures_to_check():
    assert len(CASES) >= 9
    assert sum(len(set().union(*map(figures, fact_text(c)))) for c in CASES) > 100


@pytest.mark.parametrize("case", CASES, ids=[c["slug"] for c in CASES])
def test_every_figure_has_a_linked_dated_source(case):
    dated = [s for s in case.get("sources") or [] if is_dated_link(s)]
    assert dated == case["sources"], "every source needs a link, an access date and an as-of date"
    assert unsourced(case) == [], f"figures without a source in {case['slug']}"


@pytest.mark.parametrize("case", CASES, ids=[c["slug"] for c in CASES])
def test_no_interview_lacks_a_source(case):
    kind = case.get("interview_kind", "summary")
    assert kind in ("summary", "published")
    if kind == "published":
        assert case.get("interview_source"), "who was interviewed, when and where"
        assert is_link(case.get("interview_url"))
        assert case["interview_url"] in {s["url"] for s in case["sources"]}


def test_only_toyama_has_a_published_interview():
    published = [c["slug"] for c in CASES if c.get("interview_kind") == "published"]
    assert published == ["toyama-city-bridge-training"]


def test_no_seeded_case_or_organisation_mentions_moka():
    for path in ("cases.yaml", "support_organisations.yaml"):
        text = (DEMO_DIR / path).read_text(encoding="utf-8")
        assert "真岡" not in text and "moka" not in text, path


def test_a_published_interview_needs_its_source(ctx):
    data = CaseInput(
        slug="interview-check",
        title="庁内の橋梁点検を外部化した事例",
        direction="outside",
        interview=[{"question": "きっかけは?", "answer": "係の設置です。"}],
        interview_kind="published",
    )
    with pytest.raises(CaseInvalid) as caught:
        casebook.validate(data, None)
    assert {"interview_source", "interview_url"} <= set(caught.value.form_fields)
    data.interview_source = "広報誌 2024年10月号、担当課へのインタビュー"
    data.interview_url = "https://example.jp/interview"
    assert casebook.validate(data, None)["interview_kind"] == InterviewKind.PUBLISHED
    data.interview_kind, data.interview_source, data.interview_url = "", "", ""
    assert casebook.validate(data, None)["interview_kind"] == InterviewKind.SUMMARY


def test_case_pages_label_editors_text_and_cite_interviews(app):
    from community import demo, demo_qa

    with app.app_context():
        demo.load_people()
        demo_qa.load_casebook()
        db.session.commit()
        stored = {c.slug: c for c in db.session.scalars(select(Case))}
        assert stored["kosen-reim"].interview_kind == InterviewKind.SUMMARY
        assert stored["kosen-reim"].sources[0].accessed_on == date(2026, 12, 1)
    c = app.test_client()
    summary = c.get("/cases/kosen-reim").get_data(as_text=True)
    block = section(summary, "editors-summary")
    assert "編集部による要約" in block and "団体自身の発言ではありません" in block
    assert 'id="interview"' not in summary and "Q. " not in summary
    assert "時点：2023年4月3日" in summary and "閲覧日：2026/12/01" in summary

    interview = c.get("/cases/toyama-city-bridge-training").get_data(as_text=True)
    block = section(interview, "interview")
    assert "インタビュー" in block and "出典：" in block
    assert 'href="https://jichitai.works/article/details/2700"' in block
    assert "ジチタイワークス Vol.34" in block
    assert 'id="editors-summary"' not in interview
    assert c.get("/cases/moka-dx-certification").status_code == 404
