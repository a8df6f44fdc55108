"""/metrics: answered only with the bearer token; request latency by endpoint, errors, 429s,
open sockets and the outbox as Prometheus reads them."""

from __future__ import annotations

import math

import pytest
from prometheus_client.parser import text_string_to_metric_families

from community import create_app
from community.config import TestConfig
from community.db import utcnow
from community.extensions import db, socketio
from community.mailqueue.models import MailStatus, OutgoingMail
from tests.conftest import login

TOKEN = "scrape-me-7f3a"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def metered(app, db_url):
    """An app with the metrics token and a login limit of two a minute."""
    from community.extensions import limiter

    metered = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=db_url,
        METRICS_TOKEN=TOKEN,
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI="memory://",
        RATELIMIT_LOGIN="2 per minute",
    )
    yield metered
    limiter.reset()
    limiter.enabled = False  # the limiter is one object shared by every app of the process


def scrape(app) -> dict[tuple[str, tuple], float]:
    """Every sample of /metrics as {(name, sorted labels): value}."""
    r = app.test_client().get("/metrics", headers=AUTH)
    assert r.status_code == 200, r.text[:300]
    assert r.content_type.startswith("text/plain")
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(r.text)
        for s in family.samples
    }


def value(samples, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_no_token_configured_means_no_endpoint(client):
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers=AUTH).status_code == 404


@pytest.mark.parametrize(
    "header",
    [None, "Bearer wrong", f"Bearer {TOKEN}x", f"Basic {TOKEN}", TOKEN, "Bearer ", "Bearer 橋"],
)
def test_wrong_or_missing_token_is_refused(metered, header):
    headers = {"Authorization": header} if header is not None else {}
    r = metered.test_client().get("/metrics", headers=headers)
    assert r.status_code == 401
    assert "kakehashi_" not in r.text
    assert r.headers["WWW-Authenticate"].startswith("Bearer")


def test_right_token_gets_the_metrics(metered):
    samples = scrape(metered)
    assert ("kakehashi_socketio_connections", ()) in samples
    assert value(samples, "kakehashi_http_errors_total", status="5xx") == 0


def test_counters_move_with_404s_and_429s(metered):
    client = metered.test_client()
    before = scrape(metered)
    assert client.get("/no/such/page").status_code == 404
    statuses = [
        client.post("/auth/login", data={"identifier": "x", "password": "y"}).status_code
        for _ in range(3)
    ]
    assert statuses == [422, 422, 429]
    after = scrape(metered)

    def moved(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("kakehashi_http_rate_limited_total") == 1
    assert moved("kakehashi_http_errors_total", status="4xx") == 4  # 404, 422, 422, 429
    assert moved("kakehashi_http_errors_total", status="5xx") == 0
    count = "kakehashi_http_request_duration_seconds_count"
    assert moved(count, endpoint="unmatched", method="GET", status="4xx") == 1
    assert moved(count, endpoint="auth.login", method="POST", status="4xx") == 3
    assert moved(count, endpoint="metrics.metrics", method="GET", status="2xx") == 1


def test_latency_is_labelled_by_endpoint_not_path(metered):
    client = metered.test_client()
    for qid in (12345, 12346, 99999):
        assert client.get(f"/questions/{qid}").status_code == 404
    client.get("/cases/some-slug-that-is-not-there")
    samples = scrape(metered)
    count = "kakehashi_http_request_duration_seconds_count"
    assert value(samples, count, endpoint="questions.show", method="GET", status="4xx") == 3
    labels = {v for (name, lbls) in samples for k, v in lbls if k == "endpoint"}
    assert not any("/" in label or "12345" in label for label in labels), labels
    assert "casebook.show" in labels


def test_odd_methods_are_one_label(metered):
    metered.test_client().open("/", method="PROPFIND")
    samples = scrape(metered)
    methods = {v for (name, lbls) in samples for k, v in lbls if k == "method"}
    assert "PROPFIND" not in methods
    assert "other" in methods


def test_mail_gauges_read_the_outbox(metered, ctx):
    def mail(status: MailStatus) -> OutgoingMail:
        return OutgoingMail(
            sender="no-reply@kakehashi.example.jp",
            recipient="someone@city.example.lg.jp",
            subject="件名",
            body="本文",
            message_id="<m@kakehashi.example.jp>",
            status=status,
            attempts=0,
            next_attempt_at=utcnow(),
        )

    samples = scrape(metered)
    assert value(samples, "kakehashi_mail_queue_depth") == 0
    assert value(samples, "kakehashi_mail_failed") == 0
    statuses = [MailStatus.QUEUED] * 3 + [MailStatus.SENDING, MailStatus.SENT]
    db.session.add_all([mail(s) for s in statuses + [MailStatus.FAILED] * 2])
    db.session.commit()
    samples = scrape(metered)
    assert value(samples, "kakehashi_mail_queue_depth") == 4
    assert value(samples, "kakehashi_mail_failed") == 2


def test_mail_gauges_are_nan_when_the_database_is_down(app):
    down = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI="postgresql+psycopg://nobody@127.0.0.1:1/none",
        METRICS_TOKEN=TOKEN,
        DB_CONNECT_TIMEOUT=1,
    )
    samples = scrape(down)
    assert math.isnan(value(samples, "kakehashi_mail_queue_depth"))
    assert math.isnan(value(samples, "kakehashi_mail_failed"))


def test_open_sockets_gauge(metered, make_user):
    make_user(username="watcher")
    http = metered.test_client()
    login(http, "watcher")
    sockets = [socketio.test_client(metered, flask_test_client=http) for _ in range(3)]
    assert all(s.is_connected() for s in sockets)
    assert value(scrape(metered), "kakehashi_socketio_connections") == 3
    sockets[0].disconnect()
    assert value(scrape(metered), "kakehashi_socketio_connections") == 2
    refused = socketio.test_client(metered)  # anonymous: refused, never counted
    assert not refused.is_connected()
    assert value(scrape(metered), "kakehashi_socketio_connections") == 2
    for s in sockets[1:]:
        s.disconnect()
    assert value(scrape(metered), "kakehashi_socketio_connections") == 0
