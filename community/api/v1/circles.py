"""/api/v1/circles: list, show, join and leave, through the services the circle pages call
(the same visibility: a private circle is 404 to a non-member here as there)."""

from __future__ import annotations

from flask import url_for
from flask.views import MethodView
from flask_babel import get_locale
from flask_login import current_user

from community import policy
from community.api.v1 import bp
from community.api.v1.questions import (
    READ_SECURITY,
    WRITE_SECURITY,
    _conditional,
    _weak_etag,
    writes,
)
from community.api.v1.schemas_circles import (
    CircleDetail,
    CircleList,
    JoinIn,
    MembershipChanged,
)
from community.circles import services
from community.circles.models import Circle, CircleMembership


def _membership(user, circle: Circle, m: CircleMembership | None) -> dict:
    """The caller's standing in the circle, from the membership already loaded (no query)."""
    return {
        "status": m.status if m is not None else None,
        "role": m.role if m is not None else None,
        "member": m is not None and m.is_active,
        "moderator": policy.can_moderate(user, circle, m),
    }


def _summary(user, circle: Circle, count: int, m: CircleMembership | None) -> dict:
    return {
        "slug": circle.slug,
        "name": circle.name,
        "url": url_for("circles.show", slug=circle.slug, _external=True),
        "visibility": circle.visibility,
        "member_count": count,
        "description_md": circle.description_md,
        "description_html": circle.description_html,
        "membership": _membership(user, circle, m),
    }


@bp.route("/circles")
class Circles(MethodView):
    @bp.response(200, CircleList)
    @bp.alt_response(304, description="Not modified (If-None-Match).", success=True)
    @bp.doc(security=READ_SECURITY, summary="List the circles you may see")
    def get(self):
        """The circles /circles/ lists for you (private ones only to their members), with
        member counts and your membership, in one page; weak ETag as elsewhere."""
        rows = services.list_circles(current_user)
        body = {"items": [_summary(current_user, c, n, m) for c, n, m in rows]}
        return _conditional(_weak_etag(body, str(get_locale())), body)


@bp.route("/circles/<slug>")
class CircleItem(MethodView):
    @bp.response(200, CircleDetail)
    @bp.alt_response(304, description="Not modified (If-None-Match).", success=True)
    @bp.doc(security=READ_SECURITY, summary="A circle")
    def get(self, slug):
        """The circle and your membership; 404 when it does not exist or is hidden from you."""
        circle = services.get_visible(current_user, slug)
        m = policy.membership(current_user, circle)
        body = {
            **_summary(current_user, circle, services.member_count(circle), m),
            "rules_md": circle.rules_md,
            "rules_html": circle.rules_html,
            "created_at": circle.created_at,
        }
        return _conditional(_weak_etag(body, str(get_locale())), body)


def _changed(circle: Circle, m: CircleMembership | None) -> dict:
    """The caller's membership after a join (the new row) or a leave (none)."""
    return {"circle": circle.slug, "membership": _membership(current_user, circle, m)}


@bp.route("/circles/<slug>/join")
class CircleJoin(MethodView):
    @writes
    @bp.arguments(JoinIn, required=False)
    @bp.response(200, MembershipChanged)
    @bp.doc(security=WRITE_SECURITY, summary="Join a circle, or ask to (write scope)")
    def post(self, payload, slug):
        """An open circle: a member at once (status active). A circle by request: a request
        for its moderators (status pending). A private one: 403, members are added by its
        moderators. 409 when you are already a member or have asked."""
        circle = services.get_visible(current_user, slug)
        m = services.join(current_user, circle, (payload or {}).get("message", ""))
        return _changed(circle, m)


@bp.route("/circles/<slug>/leave")
class CircleLeave(MethodView):
    @writes
    @bp.response(200, MembershipChanged)
    @bp.doc(security=WRITE_SECURITY, summary="Leave a circle (write scope)")
    def post(self, slug):
        """Leave, or withdraw a join request; 404 when you are not in the circle, 422 for its
        last owner."""
        circle = services.get_visible(current_user, slug)
        services.leave(current_user, circle)
        return _changed(circle, None)
