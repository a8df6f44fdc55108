"""Schemathesis over every /api/v1 operation, in-process against the WSGI app: as a visitor
and with a member's write token, generated requests (valid and not) never get a 5xx, and
every response matches the OpenAPI description (status, content type, body schema).

Bounded for the suite (a few derandomised examples per operation and caller, well under a
minute); KAKEHASHI_API_FUZZ_EXAMPLES raises the number for a longer run."""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from community.auth.models import Role
from community.extensions import db
from tests import factories
from tests.api_v1_helpers import bearer, make_token

EXAMPLES = int(os.environ.get("KAKEHASHI_API_FUZZ_EXAMPLES", "15"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def community(app, make_user):
    """A member, a private circle and an open one, a few questions with an answer."""
    make_user(username="boss", role=Role.ADMIN)
    make_user(username="hana")
    with app.app_context():
        factories.make_circle("boss", "secret", "private", members=["hana"])
        factories.make_circle("boss", "bridges", "open", members=["hana"])
        q = factories.ask("hana", "判定区分Ⅲの橋の補修設計の発注方法", circle="secret")
        factories.answer("boss", q)
        other = factories.ask("hana", "舗装の点検の委託について教えてください", field="road")
        db.session.commit()
        return [q.id, other.id]


@pytest.mark.parametrize(
    "mode", [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE]
)
@pytest.mark.parametrize("caller", ["visitor", "member"])
def test_every_operation_conforms_and_never_fails(app, community, caller, mode):
    headers = bearer(make_token(app, "hana", "write")) if caller == "member" else {}
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 11

    for operation in operations:

        @given(
            case=operation.as_strategy(generation_mode=mode),
            real=st.sampled_from([None, *community]),
        )
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case, real):
            # Generated ids rarely exist: half the time, one of the fixture's questions.
            if real is not None and "question_id" in (case.path_parameters or {}):
                case.path_parameters["question_id"] = real
            if real is not None and "slug" in (case.path_parameters or {}):
                case.path_parameters["slug"] = "secret" if real == community[0] else "bridges"
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            check()
        except Unsatisfiable:
            # An operation that takes every input it can be sent (no query, a free-text slug in
            # the path) has no invalid request to make: the positive run covers it.
            if mode is not schemathesis.GenerationMode.NEGATIVE:
                raise
