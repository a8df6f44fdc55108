"""/api/v1/questions: list, show, ask and answer, through the services the web pages call
(the same visibility: a private circle's question is 404 to a non-member here as there)."""

from __future__ import annotations

import functools
import hashlib
import json
from urllib.parse import urlencode

from flask import Response, request, url_for
from flask.views import MethodView
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from community import policy
from community.api.v1 import bp, cursors, present
from community.api.v1.auth import post_key, post_limit, require_write
from community.api.v1.schemas import (
    AnswerCreated,
    AnswerIn,
    AskIn,
    ListArgs,
    QuestionDetail,
    QuestionPage,
    ShowArgs,
)
from community.circles.models import Circle
from community.errors import NotFound
from community.extensions import db, limiter
from community.questions import page, services

READ_SECURITY = [{}, {"token": []}]  # anonymous callers read what visitors see
WRITE_SECURITY = [{"token": []}]


def writes(view):
    """Check the caller may write before the body is even parsed (401 / 403 first)."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        require_write()
        return view(*args, **kwargs)

    return wrapper


# Posting through the API counts against the same per-member limits as the forms.
post_limited = limiter.limit(post_limit, key_func=post_key, override_defaults=False)


def _weak_etag(*parts) -> str:
    """A weak validator: the same parts (JSON-encoded) give the same tag, unquoted."""
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()[:32]


def _conditional(etag: str, body: dict | None, **extra: str):
    """304 when the client's If-None-Match holds `etag`, else the body (serialised by the
    view's schema) with the ETag; responses differ by caller and language."""
    headers = {"ETag": f'W/"{etag}"', "Vary": "Authorization, Cookie, Accept-Language", **extra}
    if request.if_none_match.contains_weak(etag):
        return Response(status=304, headers=headers)
    if body is None:
        return None
    return body, 200, headers


def _circle(slug: str | None) -> Circle | None:
    """The circle a filter names; unknown and hidden ones alike are NotFound."""
    if not slug:
        return None
    circle = db.session.scalar(select(Circle).where(Circle.slug == slug))
    if circle is None or not policy.can_see_circle(current_user, circle):
        raise NotFound(_("Not found."))
    return circle


@bp.route("/questions")
class Questions(MethodView):
    @bp.arguments(ListArgs, location="query")
    @bp.response(200, QuestionPage)
    @bp.alt_response(304, description="Not modified (If-None-Match).", success=True)
    @bp.doc(security=READ_SECURITY, summary="List questions, newest first")
    def get(self, args):
        """Questions you may see, newest first, with the filters of /questions/. The weak ETag
        comes back in If-None-Match for a 304; `next` (and the Link header) is the next page."""
        rows, cursor = cursors.page(
            current_user,
            cursor=args.get("cursor"),
            per_page=args["per_page"],
            circle=_circle(args.get("circle")),
            field=args.get("field", ""),
            topic=args.get("topic", ""),
            tag=args.get("tag", ""),
            stage=str(args.get("stage", "")),
            status=args.get("status", ""),
        )
        next_url = None
        if cursor:
            # From the validated filters only: other query keys are ignored, never echoed.
            query = {k: v for k, v in args.items() if k != "cursor"}
            next_url = f"{url_for('api_v1.Questions')}?{urlencode({**query, 'cursor': cursor})}"
        body = {"items": [present.summary(q) for q in rows], "next": next_url}
        links = {"Link": f'<{next_url}>; rel="next"'} if next_url else {}
        return _conditional(_weak_etag(body, str(get_locale())), body, **links)

    @writes
    @post_limited
    @bp.arguments(AskIn)
    @bp.response(201, QuestionDetail)
    @bp.doc(security=WRITE_SECURITY, summary="Ask a question (write scope)")
    def post(self, payload):
        """Ask in a circle you belong to, or in the open square without `circle`."""
        question = services.ask(current_user, payload)
        data = page.load(current_user, question.id)
        url = url_for("api_v1.QuestionItem", question_id=question.id)
        return present.detail(data), 201, {"Location": url}


@bp.route("/questions/<int:question_id>")
class QuestionItem(MethodView):
    @bp.arguments(ShowArgs, location="query")
    @bp.response(200, QuestionDetail)
    @bp.alt_response(304, description="Not modified (If-None-Match).", success=True)
    @bp.doc(security=READ_SECURITY, summary="A question with its answers and comments")
    def get(self, args, question_id):
        """The question, one page of its answers (30) and all their comments. Send the weak
        ETag back in If-None-Match: 304 while the thread is unchanged."""
        question = services.get_visible(current_user, question_id)
        viewer = current_user.id if policy.is_signed_in(current_user) else None
        # The version changes with everything the page shows (questions/page_cache.py), so a
        # client's copy is checked before the thread is loaded.
        etag = _weak_etag(
            question.id, question.version, viewer, args, str(get_locale()), question.score
        )
        if (not_modified := _conditional(etag, None)) is not None:
            return not_modified
        data = page.load(current_user, question.id, page_number=args["page"], sort=args["sort"])
        return _conditional(etag, present.detail(data))


@bp.route("/questions/<int:question_id>/answers")
class Answers(MethodView):
    @writes
    @post_limited
    @bp.arguments(AnswerIn)
    @bp.response(201, AnswerCreated)
    @bp.doc(security=WRITE_SECURITY, summary="Answer a question (write scope)")
    def post(self, payload, question_id):
        """Answer an open question you may reply to."""
        question = services.get_visible(current_user, question_id)
        answer = services.answer(current_user, question, payload["body"])
        url = url_for("questions.answer_link", answer_id=answer.id, _external=True)
        body = {
            "id": answer.id,
            "question_id": question.id,
            "url": url,
            "held": answer.hidden_at is not None,
        }
        return body, 201, {"Location": url}
