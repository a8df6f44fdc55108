"""Stored monthly figures of the KPI page (both databases): the same as computing them live,
kept correct as posts change, the current month always live, a bounded age, the command.

The fixtures are those of test_network_kpis.py: September to November 2026, all closed months
once December 2026 began in Japan (these tests run after that).
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from community.casebook.models import Case, CaseStatus
from community.db import utcnow
from community.extensions import db
from community.network import figures_store, kpis
from community.network.models import MonthChange, MonthFigures
from community.questions import actions
from community.questions import services as questions
from community.questions.models import Question
from tests.conftest import client_as
from tests.factories import user_named
from tests.test_network_kpis import _person, _question, jst, network  # noqa: F401 - a fixture

COMBOS = [
    {},
    {"prefecture": "21"},
    {"prefecture": "20"},
    {"field": "bridge"},
    {"field": "road", "prefecture": "20"},
]
PERIOD = {"from": "2026-08", "to": "2026-11"}
LATE = "今月になってからの回答です。点検記録を確認してください。"
pytestmark = pytest.mark.usefixtures("network")


def _filters(viewer="boss", **args) -> kpis.Filters:
    return kpis.parse_filters(user_named(viewer), {**PERIOD, **args})


def _table(viewer="boss", **args) -> list:
    return kpis.monthly_table(user_named(viewer), _filters(viewer, **args)).rows


def _live_table(viewer="boss", **args) -> list:
    """The table computed entirely now, as before months were stored."""
    filters = _filters(viewer, **args)
    figures = kpis.live_figures(filters, "month")
    bands, strict = kpis._bands(), viewer != "boss"
    return [(m, m, kpis._cells(figures, m, bands, strict)) for m in filters.months]


def _stored_rows() -> int:
    return db.session.scalar(select(func.count()).select_from(MonthFigures))


def _october(**args) -> dict:
    return dict((key, cells) for key, _label, cells in _table(**args))["2026-10"]


@pytest.mark.parametrize("args", COMBOS)
def test_stored_figures_are_the_live_ones(app, args):
    with app.app_context():
        live = _live_table(**args)
        cold = _table(**args)  # computes and stores the four closed months
        db.session.commit()
        assert _stored_rows() == 4
        warm = _table(**args)  # reads them back
        assert cold == live
        assert warm == live


def test_open_data_is_stored_alike_and_each_filter_has_its_own_rows(app):
    with app.app_context():
        boss = user_named("boss")
        live = kpis.live_figures(kpis.Filters(None, "", "", (2026, 10), (2026, 10)), "prefecture")
        cold = kpis.open_data_table(boss, "2026-10").rows
        db.session.commit()
        warm = kpis.open_data_table(boss, "2026-10")
        assert cold == warm.rows and warm.computed_at is not None
        gifu = dict((key, cells) for key, _label, cells in warm.rows)["21"]
        assert gifu["questions"] == live[0]["21"]["questions"] == 3
        # A second filter key for the same months: its own rows.
        _table(field="road")
        db.session.commit()
        assert _stored_rows() == 1 + 4


def test_a_new_answer_to_a_closed_months_question_changes_the_page_at_once(app):
    with app.app_context():
        assert _october(prefecture="21")["first_answer_p50_hours"] == pytest.approx(5.5, abs=0.05)
        db.session.commit()
        q3 = db.session.scalars(
            select(Question).where(Question.created_at == jst(2026, 10, 31, 23, 30))
        ).one()
        before = db.session.get(MonthChange, "2026-10").generation  # the fixture's own writes
        questions.answer(user_named("gifu1"), q3, LATE)
        db.session.commit()
        assert db.session.get(MonthChange, "2026-10").generation == before + 1
        october = _october(prefecture="21")
        # q3 is now answered (weeks later): the median of 1, 10 and that many hours is 10.
        assert october["first_answer_p50_hours"] == pytest.approx(10.0, abs=0.05)
        assert october == dict((k, c) for k, _l, c in _live_table(prefecture="21"))["2026-10"]


def test_hiding_deleting_and_withdrawing_acceptance_in_closed_months(app):
    with app.app_context():
        assert _october()["questions"] == 4
        assert _october()["questions_helped_by_case"] == 1
        db.session.commit()
        asked = select(Question).where(Question.created_at >= jst(2026, 10, 1))
        by_time = {q.created_at: q for q in db.session.scalars(asked)}
        by_time[jst(2026, 10, 1, 0, 30)].hidden_at = utcnow()  # a moderator hides q1
        db.session.commit()
        assert _october()["questions"] == 3
        db.session.commit()
        questions.delete_question(user_named("farmer"), by_time[jst(2026, 10, 20, 9, 0)])
        db.session.commit()  # a bulk DELETE
        assert _october()["questions"] == 2
        db.session.commit()
        actions.accept(user_named("asker"), by_time[jst(2026, 10, 10, 12, 0)], None)
        db.session.commit()  # a bulk UPDATE of the accepted answer
        assert _october()["questions_helped_by_case"] == 0
        assert _table() == _live_table()


def test_a_case_withdrawn_changes_the_months_of_its_linked_questions(app):
    with app.app_context():
        assert _october()["questions_with_case"] == 1
        db.session.commit()
        case = db.session.scalars(select(Case).where(Case.slug == "gifu-bridges")).one()
        case.status = CaseStatus.DRAFT
        db.session.commit()
        assert _october()["questions_with_case"] == 0
        assert _table() == _live_table()


def test_bookings_and_accounts_of_closed_months(app):
    with app.app_context():
        assert _october()["new_members"] == 5
        db.session.commit()
        _person("late", joined=jst(2026, 10, 30, 12, 0))
        db.session.commit()
        assert _october()["new_members"] == 6
        db.session.commit()
        user_named("late").deleted_at = utcnow()
        db.session.commit()
        assert _october()["new_members"] == 5
        assert _table() == _live_table()


def test_the_current_month_is_always_live_and_touches_nothing_stored(app):
    with app.app_context():
        boss = user_named("boss")
        now_month = kpis.month_text(kpis.this_month())
        filters = kpis.parse_filters(boss, {"from": "2026-09"})
        before = dict((k, c) for k, _l, c in kpis.monthly_table(boss, filters).rows)
        db.session.commit()
        stored = _stored_rows()
        changes = db.session.execute(select(MonthChange.month, MonthChange.generation)).all()
        _question(user_named("asker"), utcnow())
        db.session.commit()
        now_changes = db.session.execute(select(MonthChange.month, MonthChange.generation)).all()
        assert now_changes == changes
        after = dict((k, c) for k, _l, c in kpis.monthly_table(boss, filters).rows)
        assert after[now_month]["questions"] == before[now_month]["questions"] + 1
        assert _stored_rows() == stored  # no row for the current month


def test_the_page_says_when_the_figures_were_computed(app):
    admin = client_as(app, "boss")
    html = admin.get("/network/kpis?from=2026-09&to=2026-11").get_data(as_text=True)
    assert "集計日時：表示時点" in html  # the first view computed every month
    html = admin.get("/network/kpis?from=2026-09&to=2026-11").get_data(as_text=True)
    assert "集計日時：20" in html and "（今月分は表示時点）" in html
    assert "24時間以内に反映" in html
    admin.set_cookie("lang", "en")
    html = admin.get("/network/kpis?from=2026-09&to=2026-11").get_data(as_text=True)
    assert "Figures computed: " in html and "within 24 hours" in html


def test_concurrent_first_views_both_succeed(app, monkeypatch):
    """Two requests compute the same months at once and both store them."""
    barrier = threading.Barrier(2, timeout=20)
    save = figures_store._save

    def both_computed_first(rows):
        barrier.wait()
        save(rows)

    monkeypatch.setattr(figures_store, "_save", both_computed_first)
    url = "/network/kpis?from=2026-09&to=2026-11&prefecture=21"
    clients = [client_as(app, "boss"), client_as(app, "boss")]
    results: list = [None, None]

    def view(i):
        results[i] = clients[i].get(url)

    threads = [threading.Thread(target=view, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert [r.status_code for r in results] == [200, 200]
    assert results[0].get_data(as_text=True).count('<td class="num">') == results[1].get_data(
        as_text=True
    ).count('<td class="num">')
    with app.app_context():
        assert _stored_rows() == 3
        # Storing the same months again (a request that computed before another stored) is fine.
        rows = [
            {
                "month": "2026-10",
                "by_kind": "month",
                "filter_key": figures_store.filter_key(_filters(prefecture="21")),
                "payload": "[{}, {}, {}, {}]",
                "generation": 0,
                "computed_at": utcnow(),
            }
        ]
        save(rows)
        db.session.commit()
        assert _stored_rows() == 3


def test_statements_are_fixed_with_stored_months(app, count_queries):
    admin = client_as(app, "boss")
    closed = "/network/kpis?from=2026-01&to=2026-11"
    admin.get(closed)
    with count_queries() as warm:
        assert admin.get(closed).status_code == 200
    live = [s for s in warm.statements if "GROUP BY" in s.upper()]
    assert live == []  # closed months only: nothing computed, one statement loads them
    with app.app_context():
        asker, gifu2 = user_named("asker"), user_named("gifu2")
        for day in range(1, 28):
            q = _question(asker, jst(2026, 3, day, 9, 0))
            questions.answer(gifu2, q, f"{LATE}（{day}）")
        db.session.commit()
    with count_queries() as cold:
        assert admin.get(closed).status_code == 200  # March computed again and stored
    with count_queries() as warm_again:
        assert admin.get(closed).status_code == 200
    assert warm_again.count == warm.count
    assert cold.count > warm.count
    with app.app_context():
        db.session.execute(update(MonthFigures).values(generation=-1))  # every month stale
        db.session.commit()
    with count_queries() as cold_all:
        assert admin.get(closed).status_code == 200
    assert cold_all.count == cold.count  # one run and one upsert, however many months


def test_stored_months_older_than_the_max_age_are_computed_again(app):
    with app.app_context():
        assert _october(prefecture="21")["questions"] == 3
        db.session.commit()
        # A member moving prefecture is not watched: the stored month keeps the old figure…
        user_named("asker").profile.prefecture_code = "20"
        db.session.commit()
        assert _october(prefecture="21")["questions"] == 3
        db.session.commit()
        # …until it is older than the max age.
        aged = utcnow() - figures_store.MAX_AGE - timedelta(minutes=1)
        db.session.execute(update(MonthFigures).values(computed_at=aged))
        db.session.commit()
        assert _october(prefecture="21")["questions"] == 0
        db.session.commit()
        assert db.session.scalar(select(func.min(MonthFigures.computed_at))) > aged


def test_refresh_figures_command(app, count_queries):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["network", "refresh-figures", "--months", "3"])
    assert result.exit_code == 0, result.output
    # The national view and 47 prefectures for 3 months, and 3 months of open data.
    assert "monthly figures stored: 147" in result.output
    with app.app_context():
        assert _stored_rows() == 147
        last = kpis.add_months(kpis.this_month(), -1)
        first = kpis.add_months(last, -2)
        args = {"from": kpis.month_text(first), "to": kpis.month_text(last)}
        boss = user_named("boss")
        for extra in ({}, {"prefecture": "21"}):
            filters = kpis.parse_filters(boss, {**args, **extra})
            with count_queries() as read:
                table = kpis.monthly_table(boss, filters)
            assert read.count == 2  # the bands and the stored months
            live = kpis.live_figures(filters, "month")
            bands = kpis._bands()
            expected = [(m, m, kpis._cells(live, m, bands, False)) for m in filters.months]
            assert table.rows == expected
        db.session.commit()
    again = runner.invoke(args=["network", "refresh-figures", "--months", "3"])
    assert "monthly figures stored: 147" in again.output
    with app.app_context():
        assert _stored_rows() == 147
    bad = runner.invoke(args=["network", "refresh-figures", "--months", "0"])
    assert bad.exit_code != 0 and "between 1 and 60" in bad.output
