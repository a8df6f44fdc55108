"""Numbered pages of the question list and of a circle page: every visible question once, in
order across page boundaries where many rows tie on the sort key, private circles out of sight
at every depth, a fixed number of statements however deep the page, and no error for any page
or filter a visitor may type."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert, select
from werkzeug.datastructures import MultiDict

from community.auth.models import Role
from community.circles.models import Circle
from community.db import utcnow
from community.extensions import db
from community.questions import services as qa
from community.questions.models import Question, Tag, question_tags, question_topics
from tests.conftest import client_as
from tests.factories import user_named
from tests.test_circles import add_membership, html, new_circle, question_ids

PER_PAGE = 20
SORT_KEYS = {
    "activity": lambda q: (q["last_activity_at"], q["id"]),
    "newest": lambda q: (q["created_at"], q["id"]),
    "votes": lambda q: (q["score"], q["created_at"], q["id"]),
}


def fill(app, n: int, *, circles: tuple[str | None, ...] = (None,), start: int = 0) -> None:
    """`n` questions spread over `circles` (None = the open square), many sharing a creation
    minute, an activity minute and a score so that page boundaries fall inside ties; every
    seventh hidden by a moderator, every third unanswered, every fourth with the topic
    "inspection" and the tag "netis"."""
    with app.app_context():
        author = user_named("ann").id
        ids = {
            slug: db.session.scalar(select(Circle.id).where(Circle.slug == slug))
            for slug in circles
            if slug
        }
        now = utcnow().replace(second=0, microsecond=0)
        rows = []
        for i in range(start, start + n):
            minute = now - timedelta(minutes=i // 6)  # six questions a minute
            answered = i % 3 != 0
            rows.append(
                {
                    "author_id": author,
                    "circle_id": ids.get(circles[i % len(circles)]),
                    "title": f"Paging question number {i}",
                    "body_md": "body",
                    "body_html": "<p>body</p>",
                    "score": (i * 7) % 4,
                    "answer_count": 1 if answered else 0,
                    "created_at": minute,
                    "last_activity_at": now - timedelta(minutes=(i * 5) % 11),
                    "hidden_at": now if i % 7 == 3 else None,
                }
            )
        new = db.session.scalars(insert(Question).returning(Question.id), rows).all()
        tag = db.session.scalar(select(Tag).where(Tag.name == "netis"))
        if tag is None:
            tag = Tag(name="netis", label="NETIS")
            db.session.add(tag)
            db.session.flush()
        marked = [qid for k, qid in enumerate(new) if (start + k) % 4 == 0]
        if marked:
            db.session.execute(
                insert(question_topics),
                [{"question_id": q, "topic_code": "inspection"} for q in marked],
            )
            db.session.execute(
                insert(question_tags), [{"question_id": q, "tag_id": tag.id} for q in marked]
            )
        db.session.commit()


def expected(app, sort: str, *, shown_circles, unanswered=False, circle=None, marked=False):
    """The ids a list should show, in order, worked out in Python from the rows."""
    with app.app_context():
        slugs = dict(db.session.execute(select(Circle.id, Circle.slug)).all())
        rows = [
            {c.key: getattr(q, c.key) for c in Question.__table__.columns}
            for q in db.session.scalars(select(Question))
        ]
        topics = set(db.session.scalars(select(question_topics.c.question_id)))
    keep = [
        q
        for q in rows
        if q["hidden_at"] is None
        and slugs.get(q["circle_id"]) in shown_circles
        and (circle is None or slugs.get(q["circle_id"]) == circle)
        and (not unanswered or q["answer_count"] == 0)
        and (not marked or q["id"] in topics)
    ]
    return [q["id"] for q in sorted(keep, key=SORT_KEYS[sort], reverse=True)]


def walk(client, path: str) -> list[int]:
    """The ids of every page of a list, following page numbers until an empty page."""
    found, page = [], 1
    sep = "&" if "?" in path else "?"
    while True:
        response = client.get(f"{path}{sep}page={page}")
        assert response.status_code == 200, (path, page)
        ids = question_ids(response)
        if not ids:
            return found
        assert len(ids) <= PER_PAGE
        found += ids
        page += 1


@pytest.fixture
def world(app, make_user):
    """ann asks; mia belongs to the private circle "secret"; olly is signed in elsewhere."""
    make_user(username="boss", role=Role.ADMIN)
    for name in ("ann", "mia", "olly"):
        make_user(username=name)
    new_circle(app, "boss", "roads", "open")
    new_circle(app, "boss", "secret", "private")
    add_membership(app, "secret", "mia")
    fill(app, 75, circles=(None, "roads", None, "secret"))
    return app


SEEN = {None: {None, "roads"}, "olly": {None, "roads"}, "mia": {None, "roads", "secret"}}


@pytest.mark.parametrize("sort", ["activity", "newest", "votes"])
@pytest.mark.parametrize("viewer", [None, "olly", "mia"])
def test_every_page_of_the_list_in_order_without_gaps_or_repeats(world, sort, viewer):
    want = expected(world, sort, shown_circles=SEEN[viewer])
    assert len(want) > 2 * PER_PAGE, "the data spans at least three pages"
    got = walk(client_as(world, viewer), f"/questions/?sort={sort}")
    assert got == want


@pytest.mark.parametrize("viewer", [None, "mia"])
def test_unanswered_and_topic_filters_page_the_same_way(world, viewer):
    c = client_as(world, viewer)
    assert walk(c, "/questions/?status=unanswered&sort=newest") == expected(
        world, "newest", shown_circles=SEEN[viewer], unanswered=True
    )
    marked = expected(world, "votes", shown_circles=SEEN[viewer], marked=True)
    assert walk(c, "/questions/?topic=inspection&sort=votes") == marked
    assert walk(c, "/questions/?tag=NETIS&sort=votes") == marked


@pytest.mark.parametrize(
    ("tab", "sort", "unanswered"),
    [("latest", "newest", False), ("top", "votes", False), ("unanswered", "newest", True)],
)
def test_every_page_of_a_circle_tab(world, tab, sort, unanswered):
    fill(world, 40, circles=("roads",), start=200)
    want = expected(world, sort, shown_circles={"roads"}, circle="roads", unanswered=unanswered)
    assert walk(client_as(world, None), f"/circles/roads?tab={tab}") == want


def test_private_circle_rows_never_appear_to_outsiders_at_any_depth(world):
    with world.app_context():
        secret = set(
            db.session.scalars(select(Question.id).join(Circle).where(Circle.slug == "secret"))
        )
    assert secret
    for viewer in (None, "olly"):
        c = client_as(world, viewer)
        for query in ("", "?circle=secret", "?sort=votes", "?status=unanswered"):
            assert not secret & set(walk(c, f"/questions/{query}"))
        assert c.get("/circles/secret").status_code == 404
        assert c.get("/circles/secret?page=2").status_code == 404
    member = walk(client_as(world, "mia"), "/circles/secret")
    assert set(member) == secret - hidden_ids(world)


def hidden_ids(app) -> set[int]:
    with app.app_context():
        return set(db.session.scalars(select(Question.id).where(Question.hidden_at.is_not(None))))


def test_list_page_ignores_a_circle_the_viewer_may_not_see(world):
    with world.test_request_context("/questions/?circle=secret"):
        outsider = qa.list_page(user_named("olly"), MultiDict({"circle": "secret"}))
        assert outsider["circle"] is None
        member = qa.list_page(user_named("mia"), MultiDict({"circle": "secret"}))
        assert member["circle"].slug == "secret"
        assert {q.circle.slug for q in member["pagination"].items} == {"secret"}
        assert member["pagination"].total == len(
            expected(world, "activity", shown_circles={"secret"}, circle="secret")
        )


def test_a_numbered_page_is_three_statements_and_the_rows_loads(world, count_queries):
    """The page's rows (ids from the index joined to the rows and their author, circle and
    field), their topics, their tags, and the count: the same four on page 1 and page 4."""
    counts = {}
    with world.test_request_context():
        viewer = user_named("mia")
        for page in (1, 2, 4):
            with count_queries() as q:
                p = qa.paginate(viewer, page=page, sort="votes", circle=None)
                assert p.items
            counts[page] = q.count
        with count_queries() as q:
            past = qa.paginate(viewer, page=50)
        assert past.items == [] and past.total > 0
    assert counts == {1: 4, 2: 4, 4: 4}
    assert q.count == 2, "a page past the end loads no topics or tags"


@pytest.mark.parametrize("viewer", [None, "mia"])
@pytest.mark.parametrize(
    "path", ["/questions/", "/questions/?sort=votes&topic=inspection", "/circles/roads"]
)
def test_statements_do_not_grow_with_the_page_or_the_data(world, count_queries, viewer, path):
    c = client_as(world, viewer)
    sep = "&" if "?" in path else "?"

    def statements(page: int) -> int:
        c.get(f"{path}{sep}page={page}")
        with count_queries() as q:
            response = c.get(f"{path}{sep}page={page}")
        assert response.status_code == 200
        assert question_ids(response), (path, page)
        return q.count

    first = statements(1)
    fill(world, 500, circles=(None, "roads", "secret"), start=1000)
    assert statements(1) == first
    assert statements(2) == first
    assert statements(4) == first
    assert first <= 15, first


BAD_PAGES = [
    "abc",
    "-5",
    "0",
    "1.5",
    "1e3",
    "99999999999999999999999",
    "10001",
    "%00",
    "２",
    "",
]


@pytest.mark.parametrize("page", BAD_PAGES)
@pytest.mark.parametrize("path", ["/questions/", "/circles/roads", "/circles/roads?tab=top"])
def test_any_page_value_gives_a_page_not_an_error(world, path, page):
    sep = "&" if "?" in path else "?"
    response = client_as(world, None).get(f"{path}{sep}page={page}")
    assert response.status_code == 200, (path, page)


@pytest.mark.parametrize(
    "query",
    [
        "sort=bogus",
        "sort=votes&stage=9",
        "status=weird&field=nope",
        "circle=no-such-circle",
        "topic=%27%3B+DROP+TABLE+questions%3B--",
        "tag=" + "x" * 500,
        "tab=nope",
    ],
)
def test_unknown_filters_give_a_page_not_an_error(world, query):
    c = client_as(world, None)
    assert c.get(f"/questions/?{query}").status_code == 200
    assert c.get(f"/circles/roads?{query}").status_code == 200


def test_a_page_past_the_end_says_so_and_links_to_the_last(world):
    c = client_as(world, None)
    total = len(expected(world, "activity", shown_circles=SEEN[None]))
    last = -(-total // PER_PAGE)
    response = c.get("/questions/?sort=votes&page=40")
    assert response.status_code == 200
    assert question_ids(response) == []
    assert "40ページ目はこの一覧の最後より後です" in html(response)
    assert f'href="/questions/?sort=votes&amp;page={last}"' in html(response)
    circle = c.get("/circles/roads?tab=top&page=40")
    assert "40ページ目はこの一覧の最後より後です" in html(circle)
    assert 'href="/circles/roads?tab=top&amp;page=' in html(circle)
