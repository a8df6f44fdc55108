"""The API's request and response shapes (marshmallow): the OpenAPI description is made
from these, so what is documented is what is validated and returned."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, pre_load, validate

from community import inputs
from community.questions.models import (
    ANSWER_MIN,
    BODY_MAX,
    BODY_MIN,
    TITLE_MAX,
    TITLE_MIN,
    QuestionStatus,
)
from community.text import clean_multiline, one_line

PER_PAGE_MAX = 100


class OneLine(fields.String):
    """A one-line text (a title, tags): line breaks become spaces, controls go, as in forms."""

    def _deserialize(self, value, attr, data, **kwargs):
        return one_line(super()._deserialize(value, attr, data, **kwargs))


class MultiLine(fields.String):
    """A text of several lines (a body): control characters other than line breaks go."""

    def _deserialize(self, value, attr, data, **kwargs):
        return clean_multiline(super()._deserialize(value, attr, data, **kwargs))


def _refuse_never(value) -> None:
    """NUL and lone surrogates anywhere in a JSON body: the 400 the forms give
    (community/inputs.py), before anything reaches the database."""
    if isinstance(value, str):
        if inputs._NEVER.search(value):
            inputs._refuse()
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_never(key)
            _refuse_never(item)
    elif isinstance(value, list):
        for item in value:
            _refuse_never(item)


class Strict(Schema):
    """Input: unknown keys are an error (marshmallow's default, kept explicit: a typo in a
    field name must not be silently ignored); NUL is refused as on the forms."""

    class Meta:
        unknown = RAISE

    @pre_load
    def refuse_never(self, data, **kwargs):
        _refuse_never(data)
        return data


class ErrorDetail(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    fields = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), required=True)


class ErrorBody(Schema):
    error = fields.Nested(ErrorDetail, required=True)


class PersonOut(Schema):
    username = fields.String(
        allow_none=True, required=True, metadata={"description": "null: a deleted member."}
    )
    display_name = fields.String(required=True)


class CircleOut(Schema):
    slug = fields.String(required=True)
    name = fields.String(required=True)


class ListArgs(Strict):
    topic = fields.String(metadata={"description": "Topic code."})
    tag = fields.String()
    stage = fields.Integer(validate=validate.Range(min=1, max=3))
    circle = fields.String(
        metadata={"description": "Circle slug; 404 when unknown or not visible to you."}
    )
    field = fields.String(metadata={"description": "Infrastructure field code (e.g. bridge)."})
    status = fields.String(validate=validate.OneOf(["unanswered", "open", "resolved"]))
    cursor = fields.String(metadata={"description": "The `next` cursor of the previous page."})
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=PER_PAGE_MAX))


class QuestionSummary(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    url = fields.String(required=True)
    status = fields.Enum(QuestionStatus, by_value=True, required=True)
    closed = fields.Boolean(required=True)
    circle = fields.Nested(CircleOut, allow_none=True, required=True)
    field = fields.String(allow_none=True, required=True)
    stage = fields.Integer(allow_none=True, required=True)
    topics = fields.List(fields.String(), required=True)
    tags = fields.List(fields.String(), required=True)
    answer_count = fields.Integer(required=True)
    score = fields.Integer(required=True)
    author = fields.Nested(PersonOut, required=True)
    created_at = fields.AwareDateTime(required=True)
    last_activity_at = fields.AwareDateTime(required=True)


class QuestionPage(Schema):
    items = fields.List(fields.Nested(QuestionSummary), required=True)
    next = fields.String(
        allow_none=True,
        required=True,
        metadata={"description": "URL of the next page, null on the last one."},
    )


class CommentOut(Schema):
    id = fields.Integer(required=True)
    author = fields.Nested(PersonOut, required=True)
    body = fields.String(required=True, metadata={"description": "Plain text, not Markdown."})
    created_at = fields.AwareDateTime(required=True)


class AnswerOut(Schema):
    id = fields.Integer(required=True)
    author = fields.Nested(PersonOut, required=True)
    body_md = fields.String(required=True)
    body_html = fields.String(required=True, metadata={"description": "Sanitised HTML."})
    score = fields.Integer(required=True)
    accepted = fields.Boolean(required=True)
    hidden = fields.Boolean(required=True)
    created_at = fields.AwareDateTime(required=True)
    edited_at = fields.AwareDateTime(allow_none=True, required=True)
    comments = fields.List(fields.Nested(CommentOut), required=True)


class QuestionDetail(QuestionSummary):
    hidden = fields.Boolean(
        required=True, metadata={"description": "Held or hidden: only you (or moderators) see it."}
    )
    body_md = fields.String(required=True)
    body_html = fields.String(required=True, metadata={"description": "Sanitised HTML."})
    edited_at = fields.AwareDateTime(allow_none=True, required=True)
    accepted_answer_id = fields.Integer(allow_none=True, required=True)
    comments = fields.List(fields.Nested(CommentOut), required=True)
    answers = fields.List(fields.Nested(AnswerOut), required=True)
    answers_page = fields.Integer(required=True)
    answers_pages = fields.Integer(required=True)


class ShowArgs(Strict):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=10_000))
    sort = fields.String(
        load_default="votes", validate=validate.OneOf(["votes", "oldest", "newest"])
    )


class AskIn(Strict):
    title = OneLine(required=True, validate=validate.Length(min=TITLE_MIN, max=TITLE_MAX))
    body = MultiLine(required=True, validate=validate.Length(min=BODY_MIN, max=BODY_MAX))
    circle = fields.String(allow_none=True, metadata={"description": "Circle slug; none: open."})
    field = fields.String(allow_none=True)
    stage = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=3))
    topics = fields.List(OneLine(), validate=validate.Length(max=3))
    tags = OneLine(metadata={"description": "Space- or comma-separated tags."})


class AnswerIn(Strict):
    body = MultiLine(required=True, validate=validate.Length(min=ANSWER_MIN, max=BODY_MAX))


class AnswerCreated(Schema):
    id = fields.Integer(required=True)
    question_id = fields.Integer(required=True)
    url = fields.String(required=True)
    held = fields.Boolean(
        required=True, metadata={"description": "Waiting for a moderator before others see it."}
    )
