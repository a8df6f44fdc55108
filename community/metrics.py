"""Prometheus metrics at /metrics, for a scraper holding KAKEHASHI_METRICS_TOKEN.

Each app has its own registry: an app process is one gunicorn worker (deploy/gunicorn.conf.py),
so a process's registry is everything it knows, and Prometheus scrapes every app process on its
own port (README "Metrics"). prometheus_client's multiprocess mode is not used: it is for
several workers behind one port, needs a shared directory wiped at each start, and cannot sum
live gauges such as open sockets without losing which process holds them.

Labels stay bounded: the endpoint name (`questions.show`), never the path (`/questions/12345`);
the method among the HTTP verbs; the status as its class (`2xx`).
"""

from __future__ import annotations

import hmac
import time

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    g,
    request,
    request_finished,
    request_started,
)
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from sqlalchemy import func, select

from community.extensions import db
from community.failures import OUTAGE_ERRORS
from community.mailqueue.models import MailStatus, OutgoingMail
from community.mailqueue.outbox import queue_depth

bp = Blueprint("metrics", __name__)

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Seconds: pages answer in tens of milliseconds; the top buckets catch a database that stalls.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
_KEY = "kakehashi_metrics"

# `_created` timestamps would double the series of every counter and histogram; Prometheus
# detects counter resets without them.
disable_created_metrics()


class Metrics:
    """One app's registry and the metrics in it."""

    def __init__(self):
        self.registry = CollectorRegistry(auto_describe=True)
        self.latency = Histogram(
            "kakehashi_http_request_duration_seconds",
            "Time to answer a request, by endpoint, method and status class.",
            ("endpoint", "method", "status"),
            buckets=BUCKETS,
            registry=self.registry,
        )
        self.errors = Counter(
            "kakehashi_http_errors",
            "Responses with a 4xx or 5xx status, by status class.",
            ("status",),
            registry=self.registry,
        )
        self.rate_limited = Counter(
            "kakehashi_http_rate_limited",
            "Requests refused by a rate limit (429).",
            registry=self.registry,
        )
        self.sockets = Gauge(
            "kakehashi_socketio_connections",
            "Socket.IO connections open on this process.",
            registry=self.registry,
        )
        self.mail_queued = Gauge(
            "kakehashi_mail_queue_depth",
            "Mail waiting to be sent (queued or being sent); NaN if the database is down.",
            registry=self.registry,
        )
        self.mail_failed = Gauge(
            "kakehashi_mail_failed",
            "Mail that could not be delivered (listed on /admin/mail); NaN if the database "
            "is down.",
            registry=self.registry,
        )
        for status in ("4xx", "5xx"):
            self.errors.labels(status)  # present at 0, so that rate() sees the first error


def register(app: Flask) -> None:
    """Give the app a registry, time its requests, and serve /metrics."""
    app.extensions[_KEY] = Metrics()
    # Signals rather than before/after_request: request_started comes before every
    # before_request (a rate limit refuses there), request_finished after the last
    # after_request, so the status counted is the one sent.
    request_started.connect(_started, app, weak=False)
    request_finished.connect(_finished, app, weak=False)
    app.register_blueprint(bp)


def of(app: Flask) -> Metrics:
    """The app's metrics."""
    return app.extensions[_KEY]


def _started(sender: Flask, **_extra) -> None:
    g._metrics_started = time.perf_counter()


def _finished(sender: Flask, response: Response, **_extra) -> None:
    started = g.pop("_metrics_started", None)
    if started is None:
        return
    metrics = of(sender)
    status = response.status_code
    status_class = f"{status // 100}xx"
    method = request.method if request.method in METHODS else "other"
    endpoint = request.endpoint or "unmatched"
    metrics.latency.labels(endpoint, method, status_class).observe(time.perf_counter() - started)
    if status >= 400:
        metrics.errors.labels(status_class).inc()
    if status == 429:
        metrics.rate_limited.inc()


def socket_opened() -> None:
    """Count a Socket.IO connection the app accepted."""
    of(current_app).sockets.inc()


def socket_closed() -> None:
    """Count a Socket.IO connection gone."""
    of(current_app).sockets.dec()


def _authorised() -> bool:
    token = current_app.config.get("METRICS_TOKEN")
    if not token:
        abort(404)  # not configured: no endpoint to find
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode("utf-8", "surrogateescape"), token.encode()
    )


def _read_mail_gauges(metrics: Metrics) -> None:
    try:
        depth = queue_depth()
        failed = db.session.scalar(
            select(func.count())
            .select_from(OutgoingMail)
            .where(OutgoingMail.status == MailStatus.FAILED)
        )
    except OUTAGE_ERRORS:
        # The request metrics are what an outage needs most: still answer with them.
        db.session.rollback()
        depth = failed = float("nan")
    metrics.mail_queued.set(depth)
    metrics.mail_failed.set(failed)


@bp.route("/metrics")
def metrics():
    """The Prometheus text format, for a scraper with the bearer token."""
    if not _authorised():
        return Response(
            "unauthorised\n",
            status=401,
            mimetype="text/plain",
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    current = of(current_app)
    _read_mail_gauges(current)
    return Response(generate_latest(current.registry), content_type=CONTENT_TYPE_LATEST)
