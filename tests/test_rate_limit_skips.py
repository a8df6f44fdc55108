"""The pages Flask-Limiter skips (community/rate_limits.UNLIMITED_READS) have no limit to skip:
a limit added to one of them later must be noticed here, since it would not apply."""

from __future__ import annotations

from flask_limiter.util import get_qualified_name

from community.extensions import limiter


def _limits(app, endpoint: str) -> list:
    blueprint = endpoint.rpartition(".")[0] or None
    name = get_qualified_name(app.view_functions[endpoint])
    with app.test_request_context():
        found = limiter.limit_manager.resolve_limits(app, endpoint, blueprint, name)
    return [limit for group in found for limit in group]


def test_the_skipped_pages_have_no_limit_of_their_own(app):
    from community.rate_limits import UNLIMITED_READS  # after the app: the features import it

    for endpoint in UNLIMITED_READS:
        assert endpoint in app.view_functions, endpoint
        assert _limits(app, endpoint) == [], endpoint


def test_the_check_sees_a_limited_page(app):
    assert _limits(app, "auth.login") != []
    assert _limits(app, "questions.ask") != []


def test_a_skipped_page_is_still_served_and_limited_pages_are_still_limited(limited_app):
    client = limited_app.test_client()
    assert client.get("/questions/").status_code == 200
    statuses = [
        client.post("/auth/login", data={"identifier": "x", "password": "y"}).status_code
        for _ in range(40)
    ]
    assert 429 in statuses
