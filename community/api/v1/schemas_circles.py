"""The shapes of /api/v1/circles (marshmallow): a circle as lists and its page show it, the
caller's membership, and the optional message of a join request."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from community.api.v1.schemas import MultiLine, Strict
from community.circles.models import CircleRole, CircleVisibility, MembershipStatus

JOIN_MESSAGE_MAX = 500  # CircleMembership.message


class MembershipOut(Schema):
    status = fields.Enum(
        MembershipStatus,
        by_value=True,
        allow_none=True,
        required=True,
        metadata={"description": "pending: a join request waiting for a moderator; null: none."},
    )
    role = fields.Enum(CircleRole, by_value=True, allow_none=True, required=True)
    member = fields.Boolean(required=True, metadata={"description": "An active member."})
    moderator = fields.Boolean(
        required=True, metadata={"description": "May moderate the circle (admins too)."}
    )


class CircleSummary(Schema):
    slug = fields.String(required=True)
    name = fields.String(required=True, metadata={"description": "In the reader's language."})
    url = fields.String(required=True)
    visibility = fields.Enum(
        CircleVisibility,
        by_value=True,
        required=True,
        metadata={"description": "open: anyone joins; request: moderators approve; private."},
    )
    member_count = fields.Integer(required=True, metadata={"description": "Active members."})
    description_md = fields.String(required=True)
    description_html = fields.String(required=True, metadata={"description": "Sanitised HTML."})
    membership = fields.Nested(MembershipOut, required=True)


class CircleList(Schema):
    items = fields.List(
        fields.Nested(CircleSummary),
        required=True,
        metadata={"description": "Every circle you may see, most members first (one page)."},
    )


class CircleDetail(CircleSummary):
    rules_md = fields.String(required=True)
    rules_html = fields.String(required=True, metadata={"description": "Sanitised HTML."})
    created_at = fields.AwareDateTime(required=True)


class JoinIn(Strict):
    message = MultiLine(
        validate=validate.Length(max=JOIN_MESSAGE_MAX),
        metadata={"description": "For the moderators of a circle that approves requests."},
    )


class MembershipChanged(Schema):
    circle = fields.String(required=True, metadata={"description": "The circle's slug."})
    membership = fields.Nested(MembershipOut, required=True)
