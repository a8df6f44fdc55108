"""Property-based fuzzing of every route and every Socket.IO handler: no input answers 5xx.

Each role (a visitor, a member, a circle moderator who is also an adviser, an editor, an
administrator) walks every rule of `app.url_map` and every method it allows over the demo
community, with generated path parts, query strings and form or JSON bodies: real ids and
slugs mixed with huge numbers, control characters, line breaks, extreme dates, overlong
text and url_for's own option names. Any 5xx or unhandled exception fails the test with the
example Hypothesis shrank it to.

The CI profile is derandomised and small (a few examples per route and role, the same every
run); `make fuzz` runs the `fuzz` profile with many more random examples
(KAKEHASHI_FUZZ_EXAMPLES overrides either).
"""

from __future__ import annotations

import json
import os
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wtforms import Form
from wtforms.fields import FieldList, FormField

from community.extensions import db, socketio
from tests.conftest import login

PROFILE = os.environ.get("KAKEHASHI_FUZZ_PROFILE", "ci")
EXAMPLES = int(os.environ.get("KAKEHASHI_FUZZ_EXAMPLES") or (4 if PROFILE == "ci" else 60))
SOCKET_EXAMPLES = EXAMPLES * 10

ROLES = {
    "visitor": None,
    "member": "sasaki_d",
    "moderator": "mori_t",  # moderates 橋梁点検 and is an adviser with office hours
    "editor": "hasegawa_a",
    "admin": "nakano_y",
}
DEMO_PASSWORD = "kakehashi-demo"

# Text that has broken pages before: control characters, every kind of line break, lone
# markup, numbers past PostgreSQL's integer and bigint, dates at the ends of the calendar.
NASTY = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "橋梁\n点検",
    "x\r\nSet-Cookie: a=b",
    "\x0b",
    "\x85",
    "\u2028",
    "\x1b[31m",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "%00",
    "../../etc/passwd",
    "//evil.example/",
    "javascript:alert(1)",
    "0",
    "-1",
    "1",
    "2",
    "2147483647",
    "2147483648",
    "9223372036854775808",
    "9" * 40,
    "1" * 400,
    "1e308",
    "NaN",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-12:00",
    "2026-12-01T10:00:00+09:00",
    "2026-12-01",
    "9999-12-31",
    "x" * 600,
    "橋" * 5001,
    "y",
    "on",
    "true",
    "public",
    "private",
    "open",
    "member",
    "admin",
    "moderator",
    "question",
    "answer",
    "comment",
    "spam",
    "personal",
]
PATH_NASTY = ["0", "1", "2", "3", "2147483647", "2147483648", "9" * 25, "%00", "x", "橋"]

QUERY_KEYS = [
    "page", "q", "sort", "tab", "circle", "field", "topic", "stage", "status", "type",
    "band", "prefecture", "adviser", "verified", "next", "start", "title", "action", "actor",
    "target_type", "since", "period", "menu", "direction", "day", "week", "mode", "lang",
    "_method", "_external", "_anchor", "_scheme", "endpoint", "question_id", "slug", "username",
]  # fmt: skip


def _text(max_size: int = 40):
    return st.one_of(st.sampled_from(NASTY), st.text(max_size=max_size))


def form_field_names() -> list[str]:
    """Every field name any form of the app declares (rows of repeating parts included)."""

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    names: set[str] = {"next", "back", "value", "answer_id", "target_type", "target_id", "days"}
    for form in subclasses(Form):
        if not form.__module__.startswith("community."):
            continue
        for klass in form.__mro__:
            for name, unbound in vars(klass).items():
                if not hasattr(unbound, "field_class"):
                    continue
                names.add(name)
                if issubclass(unbound.field_class, FieldList):
                    inner = unbound.args[0] if unbound.args else None
                    if inner is not None and issubclass(inner.field_class, FormField):
                        row = inner.args[0]
                        for sub in vars(row):
                            if not sub.startswith("_"):
                                names.update({f"{name}-0-{sub}", f"{name}-1-{sub}"})
    return sorted(names)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | _text(),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(["source", "q", "x"]) | st.text(max_size=5), children)
    ),
    max_leaves=10,
)


class World:
    """Ids and names from the demo community, so that paths reach real objects."""

    def __init__(self):
        from sqlalchemy import select

        from community.auth.models import User
        from community.casebook.models import Case
        from community.circles.models import Circle

        self.slugs = list(db.session.scalars(select(Circle.slug))) + list(
            db.session.scalars(select(Case.slug))
        )
        self.usernames = list(db.session.scalars(select(User.username)))

    def path_values(self, name: str):
        """Values for one path part: real ones first, then the odd ones."""
        real = {
            "slug": self.slugs,
            "username": self.usernames,
            "kind": ["question", "answer", "comment", "profile", "case_link", "ics"],
            "target_type": ["question", "answer", "comment", "profile", "case_link"],
            "filename": ["css/app.css", "js/live.js", "../wsgi.py", "nope.txt"],
            "token": ["x", "0" * 40],
            "number": ["1", "2", "3", "4", "0", "5", "99"],  # casebook chapters
            "code": ["21", "13", "47", "00", "48", "2", "212016"],  # prefectures (network view)
            "month": ["2026-10", "2026-13", "1999-01", "2026-1", "9999-12"],  # open data
        }
        if name.endswith("_id"):
            ids = st.integers(min_value=1, max_value=60).map(str)
            return st.one_of(ids, ids, st.sampled_from(PATH_NASTY))
        if name not in real:
            return None
        return st.one_of(st.sampled_from(real[name]), st.sampled_from(PATH_NASTY), _text(12))


def _build_path(rule, values: dict[str, str]) -> str:
    parts = []
    for is_dynamic, data in rule._trace:
        # Quoted like a browser would ("%" kept so that "%00" reaches the app as NUL).
        parts.append(quote(values[data], safe="%") if is_dynamic else data)
    return "".join(parts).split("|", 1)[1]


def _routes(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield rule, method


@pytest.fixture
def world(app):
    from community import demo

    app.config["MAIL_SUPPRESS"] = True
    with app.app_context():
        demo.load_demo()
        db.session.commit()
        yield World()
    app.config["MAIL_SUPPRESS"] = False


def test_every_path_part_has_fuzz_values(app, world):
    """A new route whose path names a part the fuzzer has no values for fails here."""
    missing = {
        (rule.rule, name)
        for rule in app.url_map.iter_rules()
        for name in rule.arguments
        if world.path_values(name) is None
    }
    assert not missing, f"add values for these path parts in World.path_values: {missing}"


def _fuzz_route(client, rule, method, world, fields, restore):
    path_parts = {name: world.path_values(name) for name in rule.arguments}

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=PROFILE == "ci",
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def run(data):
        values = {name: data.draw(strategy, label=name) for name, strategy in path_parts.items()}
        path = _build_path(rule, values)
        query = data.draw(
            st.lists(st.tuples(st.sampled_from(QUERY_KEYS) | _text(8), _text()), max_size=4),
            label="query",
        )
        kwargs = {"query_string": query}
        if method != "GET":
            if rule.rule.startswith("/api/"):
                body = data.draw(JSON, label="json")
                kwargs.update(data=json.dumps(body), content_type="application/json")
            else:
                kwargs["data"] = data.draw(
                    st.dictionaries(st.sampled_from(fields), _text(), max_size=8), label="form"
                )
        restore()
        response = client.open(path, method=method, **kwargs)
        assert response.status_code < 500, (method, path, kwargs, response.status_code)

    run()


@pytest.mark.parametrize("role", list(ROLES))
def test_no_route_answers_5xx(app, world, role):
    client = app.test_client()
    username = ROLES[role]
    if username:
        assert login(client, username, DEMO_PASSWORD).status_code == 302
    session = client.get_cookie("session")

    def restore():
        # Keep the role through logout, password changes and account deletions in the fuzz.
        if session is not None:
            client.set_cookie(session.key, session.value, domain=session.domain)

    fields = form_field_names()
    covered = set()
    for rule, method in _routes(app):
        _fuzz_route(client, rule, method, world, fields, restore)
        covered.add(rule.endpoint)
    assert covered == {rule.endpoint for rule in app.url_map.iter_rules()}


SOCKET_HANDLERS = {"connect", "disconnect", "watch_question", "unwatch_question", "watch_circle"}
# Called by the server when a socket opens or closes, never by a client's emit.
LIFECYCLE = {"connect", "disconnect"}


def test_every_socket_handler_answers_any_payload(app, world):
    """Each handler answers generated payloads without raising; a new handler must be added."""
    handlers = set(socketio.server.handlers["/"])
    assert handlers == SOCKET_HANDLERS, "add new Socket.IO handlers to this fuzz test"
    flask_client = app.test_client()
    assert login(flask_client, ROLES["member"], DEMO_PASSWORD).status_code == 302
    sio = socketio.test_client(app, flask_test_client=flask_client)
    assert sio.is_connected()
    payloads = st.one_of(
        JSON,
        st.fixed_dictionaries(
            {},
            optional={
                "question_id": st.one_of(
                    st.integers(),
                    st.just(10**30),
                    st.floats(),
                    st.just(1e308),
                    st.lists(st.integers(), max_size=2),
                    st.none(),
                    _text(12),
                ),
                "slug": st.one_of(
                    st.sampled_from(world.slugs), _text(20), st.just("\ud800"), st.integers()
                ),
            },
        ),
    )

    @settings(
        max_examples=SOCKET_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=PROFILE == "ci",
        suppress_health_check=list(HealthCheck),
    )
    @given(event=st.sampled_from(sorted(SOCKET_HANDLERS - LIFECYCLE)), payload=payloads)
    def run(event, payload):
        reply = sio.emit(event, payload, callback=True)
        assert isinstance(reply, dict) and "ok" in reply, (event, payload, reply)

    run()
    sio.disconnect()
