"""Monthly KPIs of the network view against hand-checkable fixtures (both databases).

October 2026 (JST), asked by `asker` (岐阜県, 岐阜市) in 橋梁:
  q1 at 10-01 00:30 JST (still September in UTC), first answer by `gifu2` (大垣市) after 1 h,
     then by `nowhere` (no municipality) after 5 h; a case is linked to it; stage 3 chosen.
  q2 at 10-10 12:00, first answer by `nagano` (長野市) after 10 h, then `gifu1` (岐阜市) after
     20 h; the accepted answer (nagano's) cites a case ("helped resolve"); no stage chosen →
     the asker's current stage 2.
  q3 at 10-31 23:30 JST, only the asker's own answer and a hidden one (neither counted); no
     stage → 2.
  qf at 10-20 by `farmer` (長野県) in 道路, never answered.
  a hidden question in October, not counted.
November: q4 at 11-01 00:10 JST (still October in UTC), answered by `nowhere` after 200 h.
→ 岐阜県 in October: 3 questions, p50 (1 + 10) / 2 = 5.5 h, 2 of 3 within 7 days (66.7%);
  answers by others: 4, of which 3 with both municipalities known, 2 crossing (66.7%), and 3
  with both prefectures known, 1 crossing (33.3%).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from community.auth.models import Role
from community.casebook.models import AnswerCitation, CaseLink
from community.extensions import db
from community.network import kpis, kpis_cells
from community.office_hours.models import Booking, BookingStatus, Mode
from community.questions.models import Answer, Question
from tests.conftest import client_as
from tests.factories import make_case, make_user, user_named

JST = timedelta(hours=9)


def jst(*args) -> datetime:
    """A JST wall-clock time as an aware UTC datetime."""
    return datetime(*args, tzinfo=UTC) - JST


def _person(username, *, pref=None, muni=None, band=None, stage=None, joined=None, role="member"):
    user = make_user(username=username, role=role)
    user.created_at = joined or datetime(2025, 1, 15, tzinfo=UTC)
    profile = user.profile
    profile.prefecture_code, profile.municipality_code = pref, muni
    profile.population_band_code, profile.problem_stage = band, stage
    return user


def _question(author, when, field="bridge", stage=None, hidden=False) -> Question:
    q = Question(
        author_id=author.id,
        title="判定区分Ⅲの橋の優先順位",
        body_md="本文",
        body_html="<p>本文</p>",
        field_code=field,
        stage=stage,
        created_at=when,
        last_activity_at=when,
        hidden_at=when if hidden else None,
    )
    db.session.add(q)
    db.session.flush()
    return q


def _answer(author, question, after_hours) -> Answer:
    a = Answer(
        question_id=question.id,
        author_id=author.id,
        body_md="回答",
        body_html="<p>回答</p>",
        created_at=question.created_at + timedelta(hours=after_hours),
    )
    db.session.add(a)
    db.session.flush()
    return a


def _booking(adviser, member, when, status, rating=None):
    db.session.add(
        Booking(
            adviser_id=adviser.id,
            member_id=member.id,
            starts_at=when,
            ends_at=when + timedelta(hours=1),
            mode=Mode.ONLINE,
            agenda="点検計画の相談",
            status=status,
            rating=rating,
        )
    )


@pytest.fixture
def network(app):
    with app.app_context():
        october = datetime(2026, 10, 5, tzinfo=UTC)
        _person("boss", role=Role.ADMIN)
        editor = _person("editor", role=Role.EDITOR)
        adviser = _person("adviser", role=Role.ADVISER)
        asker = _person("asker", pref="21", muni="212016", band="lt10k", stage=2, joined=october)
        gifu1 = _person("gifu1", pref="21", muni="212016", band="lt10k", joined=october)
        gifu2 = _person("gifu2", pref="21", muni="212024", band="10k-50k", joined=october)
        nagano = _person("nagano", pref="20", muni="202011", band="lt10k", joined=october)
        farmer = _person("farmer", pref="20", muni="202029", joined=october)
        nowhere = _person("nowhere", joined=datetime(2026, 9, 5, tzinfo=UTC))
        _person("member")

        q1 = _question(asker, jst(2026, 10, 1, 0, 30), stage=3)
        _answer(gifu2, q1, 1)
        _answer(nowhere, q1, 5)
        q2 = _question(asker, jst(2026, 10, 10, 12, 0))
        accepted = _answer(nagano, q2, 10)
        _answer(gifu1, q2, 20)
        q3 = _question(asker, jst(2026, 10, 31, 23, 30))
        _answer(asker, q3, 1)
        _answer(gifu2, q3, 2).hidden_at = q3.created_at  # hidden by a moderator: not counted
        _question(farmer, jst(2026, 10, 20, 9, 0), field="road")
        _question(asker, jst(2026, 10, 21, 9, 0), hidden=True)
        q4 = _question(asker, jst(2026, 11, 1, 0, 10), stage=1)
        _answer(nowhere, q4, 200)

        case = make_case(editor, "gifu-bridges")
        db.session.add(CaseLink(question_id=q1.id, case_id=case.id))
        db.session.add(AnswerCitation(answer_id=accepted.id, case_id=case.id))
        q2.accepted_answer_id = accepted.id

        for day, status, rating in [
            (6, BookingStatus.DONE, 4),
            (7, BookingStatus.DONE, 5),
            (8, BookingStatus.DONE, 3),
            (9, BookingStatus.CONFIRMED, None),
            (12, BookingStatus.CANCELLED, None),
        ]:
            _booking(adviser, asker, jst(2026, 10, day, 10, 0), status, rating)
        db.session.commit()


def _rows(viewer="boss", **args) -> dict[str, dict]:
    user = user_named(viewer)
    filters = kpis.parse_filters(user, {"from": "2026-09", "to": "2026-11", **args})
    table = kpis.monthly_table(user, filters)
    return {key: cells for key, _label, cells in table.rows}


def test_questions_first_answers_and_month_boundaries(app, network):
    with app.app_context():
        rows = _rows(prefecture="21")
        oct_, nov = rows["2026-10"], rows["2026-11"]
        assert oct_["questions"] == 3  # q1 is October in JST though September in UTC
        assert oct_["first_answer_p50_hours"] == pytest.approx(5.5, abs=0.05)
        assert oct_["answered_within_7d_pct"] == pytest.approx(66.7)
        assert nov["questions"] == 1  # q4 is November in JST though October in UTC
        assert nov["first_answer_p50_hours"] == pytest.approx(200.0, abs=0.05)
        assert nov["answered_within_7d_pct"] == 0.0
        assert rows["2026-09"]["questions"] == 0
        assert rows["2026-09"]["first_answer_p50_hours"] is None  # nothing to compute


def test_answers_crossing_borders_count_only_known_places(app, network):
    with app.app_context():
        oct_ = _rows(prefecture="21")["2026-10"]
        assert oct_["answers"] == 4  # the asker's own answer is left out
        assert oct_["answers_cross_municipality_pct"] == pytest.approx(66.7)  # 2 of 3
        assert oct_["answers_cross_prefecture_pct"] == pytest.approx(33.3)  # 1 of 3
        nov = _rows(prefecture="21")["2026-11"]
        assert nov["answers"] == 1
        assert nov["answers_cross_municipality_pct"] is None  # the answerer's town is unknown


def test_stages_cases_bookings_and_new_members(app, network):
    with app.app_context():
        oct_ = _rows()["2026-10"]
        assert oct_["questions"] == 4  # with 長野県's question; the hidden one is left out
        assert (oct_["stage_1"], oct_["stage_2"], oct_["stage_3"]) == (0, 2, 1)
        assert oct_["stage_unknown"] == 1  # farmer chose none and has none
        assert oct_["answered_within_7d_pct"] == pytest.approx(50.0)
        assert (oct_["questions_with_case"], oct_["questions_helped_by_case"]) == (1, 1)
        assert (oct_["bookings"], oct_["bookings_done"]) == (4, 3)  # the cancelled one left out
        assert oct_["rating_mean"] == pytest.approx(4.0)
        assert oct_["new_members"] == 5
        assert oct_["new_members_lt10k"] == 3
        assert oct_["new_members_10k-50k"] == 1
        assert oct_["new_members_band_unknown"] == 1
        assert _rows()["2026-09"]["new_members"] == 1
        assert _rows()["2026-11"]["stage_1"] == 1


def test_field_filter(app, network):
    with app.app_context():
        assert _rows(field="road")["2026-10"]["questions"] == 1
        assert _rows(field="bridge")["2026-10"]["questions"] == 3
        # Bookings and new members follow the person's profile fields: none declared here.
        assert _rows(field="bridge")["2026-10"]["bookings"] == 0


def test_page_for_admin_shows_figures_and_charts(app, network):
    resp = client_as(app, "boss").get("/network/kpis?from=2026-09&to=2026-11&prefecture=21")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "<svg" in html and '<title id="kpi-questions-t">' in html
    assert "2026-10: 3件" in html  # the bar chart's description
    assert "2026-10: 5.5時間" in html
    assert "<script" not in html.split("<main", 1)[-1].split("</main>")[0]
    assert "秘匿です" not in html  # admins see every cell
    assert 'href="/network/open-data/2026-10.csv"' in html


def test_csv_has_the_same_cells(app, network):
    resp = client_as(app, "boss").get("/network/kpis.csv?from=2026-10&to=2026-11&prefecture=21")
    assert resp.status_code == 200
    assert resp.mimetype == "text/csv"
    lines = resp.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0].startswith("月,質問数,初回回答までの時間 p50（時間）,7日以内に回答された割合")
    assert lines[1].startswith("2026-10,3,5.5,66.7,4,66.7,33.3,0,2,1,0,4,3,4.0,1,1,")
    assert len(lines) == 3


@pytest.mark.parametrize(
    "query, message",
    [
        ("from=2026-13", "年と月で指定"),
        ("to=26-10", "年と月で指定"),
        ("from=2026-11&to=2026-10", "開始月は終了月より前"),
        ("from=2020-01&to=2026-10", "最長60か月"),
        ("prefecture=99", "都道府県の指定"),
        ("prefecture=%E5%B2%90", "都道府県の指定"),
        ("field=nope", "分野の指定"),
    ],
)
def test_bad_filters_are_400_with_a_japanese_message(app, network, query, message):
    admin = client_as(app, "boss")
    for path in ("/network/kpis", "/network/kpis.csv"):
        resp = admin.get(f"{path}?{query}")
        assert resp.status_code == 400, (path, query)
        assert message in resp.get_data(as_text=True)


@pytest.mark.parametrize("username", [None, "member", "asker"])
def test_members_and_visitors_get_404(app, network, username):
    c = client_as(app, username)
    for path in ("/network/kpis", "/network/kpis.csv", "/network/open-data/2026-10.csv"):
        assert c.get(path).status_code == 404, (username, path)


def test_page_loads_in_a_fixed_number_of_statements(app, network, count_queries):
    admin = client_as(app, "boss")
    url = "/network/kpis?from=2026-01&to=2026-12"
    admin.get(url)
    with count_queries() as few:
        assert admin.get(url).status_code == 200
    with app.app_context():
        more = user_named("asker")
        for day in range(1, 28):
            q = _question(more, jst(2026, 3, day, 9, 0))
            _answer(user_named("gifu2"), q, day)
        db.session.commit()
    admin.get(url)  # March changed: computed again and stored
    with count_queries() as many:
        assert admin.get(url).status_code == 200
    assert many.count == few.count
    assert few.count <= 14, few.statements


@pytest.fixture
def coordinator(app, network):
    """`coord`, a member appointed coordinator of 岐阜県 (21)."""
    coordinators = pytest.importorskip(
        "community.network.coordinators", reason="coordinator appointments not in this tree yet"
    )
    with app.app_context():
        _person("coord")
        coordinators.appoint(user_named("boss"), "coord", "21")
        db.session.commit()
    return client_as(app, "coord")


def test_coordinator_sees_only_their_prefectures_with_small_cells_suppressed(app, coordinator):
    with app.app_context():
        rows = _rows("coord")
        oct_, nov = rows["2026-10"], rows["2026-11"]
    S = kpis_cells.SUPPRESSED
    assert oct_["questions"] == 3  # 長野県's question is outside the scope
    assert oct_["first_answer_p50_hours"] == S  # from 2 answered questions
    assert oct_["answered_within_7d_pct"] == pytest.approx(66.7)  # from 3 questions
    assert oct_["answers_cross_municipality_pct"] == pytest.approx(66.7)
    assert (oct_["stage_1"], oct_["stage_2"], oct_["stage_3"]) == (0, S, S)
    assert (oct_["questions_with_case"], oct_["questions_helped_by_case"]) == (S, S)
    assert (oct_["bookings"], oct_["bookings_done"], oct_["rating_mean"]) == (4, 3, 4.0)
    assert oct_["new_members"] == 3
    assert (oct_["new_members_lt10k"], oct_["new_members_10k-50k"]) == (S, S)
    assert (nov["questions"], nov["answered_within_7d_pct"]) == (S, S)


def test_coordinator_pages_and_scope(app, coordinator):
    assert coordinator.get("/network/kpis?prefecture=20").status_code == 404
    assert coordinator.get("/network/kpis.csv?prefecture=20").status_code == 404
    assert coordinator.get("/network/open-data/2026-10.csv").status_code == 404
    page = coordinator.get("/network/kpis?from=2026-09&to=2026-11&prefecture=21")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "秘匿です" in html and '<td class="num">–</td>' in html
    assert "/network/open-data/" not in html
    assert "長野県" not in html.split('id="kpi-prefecture"', 1)[1].split("</select>")[0]
    csv = coordinator.get("/network/kpis.csv?from=2026-10&to=2026-10").get_data(as_text=True)
    assert csv.lstrip("\ufeff").splitlines()[1].startswith("2026-10,3,x,66.7,4,66.7,33.3,0,x,x,0,")


def test_open_data_by_prefecture_suppresses_small_cells_even_for_admins(app, network):
    admin = client_as(app, "boss")
    resp = admin.get("/network/open-data/2026-10.csv")
    assert resp.status_code == 200
    assert "kakehashi-open-data-2026-10.csv" in resp.headers["Content-Disposition"]
    lines = resp.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0].startswith("prefecture_code,prefecture,questions,first_answer_p50_hours,")
    assert len(lines) == 1 + 47
    rows = {line.split(",")[0]: line.split(",") for line in lines[1:]}
    head = lines[0].split(",")
    gifu = dict(zip(head, rows["21"], strict=True))
    assert (gifu["prefecture"], gifu["questions"], gifu["first_answer_p50_hours"]) == (
        "岐阜県",
        "3",
        "x",
    )
    assert (gifu["stage_2"], gifu["new_members"], gifu["new_members_lt10k"]) == ("x", "3", "x")
    nagano = dict(zip(head, rows["20"], strict=True))
    assert (nagano["questions"], nagano["new_members"]) == ("x", "x")
    assert rows["13"][2] == "0"  # 東京都: nothing, not suppressed
    assert "asker" not in resp.get_data(as_text=True)
    assert admin.get("/network/open-data/2026-13.csv").status_code == 400
    assert admin.get("/network/open-data/latest.csv").status_code == 400


def test_page_in_english(app, network):
    admin = client_as(app, "boss")
    admin.set_cookie("lang", "en")
    html = admin.get("/network/kpis?from=2026-10&to=2026-10").get_data(as_text=True)
    assert "Monthly figures" in html and "Time to first answer, p50 (hours)" in html
    assert "2026-10: 4 questions" in html and "2026-10: 5.5 h" in html
    bad = admin.get("/network/kpis?from=10-2026")
    assert bad.status_code == 400 and "year and month" in bad.get_data(as_text=True)


def test_a_lone_suppressed_cell_of_a_partition_takes_the_smallest_other_with_it():
    S = kpis_cells.SUPPRESSED
    cells = {"stage_1": 0, "stage_2": S, "stage_3": 4, "stage_unknown": 3}
    kpis_cells.protect_partition(
        cells, kpis_cells.STAGE_KEYS
    )  # questions 9 - 4 - 3 would give stage 2
    assert cells == {"stage_1": 0, "stage_2": S, "stage_3": 4, "stage_unknown": S}
    two = {"stage_1": S, "stage_2": S, "stage_3": 5, "stage_unknown": 0}
    kpis_cells.protect_partition(two, kpis_cells.STAGE_KEYS)  # 1+2 or 2+1: nothing to give away
    assert two["stage_3"] == 5
    none = {"stage_1": 0, "stage_2": 3, "stage_3": 4, "stage_unknown": 0}
    kpis_cells.protect_partition(none, kpis_cells.STAGE_KEYS)
    assert none == {"stage_1": 0, "stage_2": 3, "stage_3": 4, "stage_unknown": 0}


def test_default_period_is_the_last_12_months_in_japan_time(app, network):
    with app.app_context():
        boss = user_named("boss")
        # 15:30 UTC on 30 November is already 1 December in Japan.
        f = kpis.parse_filters(boss, {}, now=datetime(2026, 11, 30, 15, 30, tzinfo=UTC))
        assert (f.first, f.last) == ((2026, 1), (2026, 12))
        assert f.start_utc == datetime(2025, 12, 31, 15, 0, tzinfo=UTC)
        assert f.end_utc == datetime(2026, 12, 31, 15, 0, tzinfo=UTC)
        assert len(f.months) == 12
        f = kpis.parse_filters(boss, {"to": "2026-02"})
        assert (f.first, f.last) == ((2025, 3), (2026, 2))
