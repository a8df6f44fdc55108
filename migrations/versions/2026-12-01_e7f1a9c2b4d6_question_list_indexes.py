"""Partial indexes for the question lists, one per list order, listed questions only

Revision ID: e7f1a9c2b4d6
Revises: a8b9c0d1e2f3
Create Date: 2026-12-01 10:40:00

A numbered page of /questions/ and of a circle page reads its ids from one of these indexes
(listing.QuestionPages, a deferred join): each holds the order of one list (activity, newest,
votes, unanswered; per circle for the circle page's tabs) ending in the id, over the questions
no moderator hid, so a deep page costs an index-only scan instead of joining and sorting every
row before it.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e7f1a9c2b4d6'
down_revision = 'a8b9c0d1e2f3'
branch_labels = None
depends_on = None

LISTED = "hidden_at IS NULL"
UNANSWERED = "hidden_at IS NULL AND answer_count = 0 AND close_reason IS NULL"
INDEXES = [
    ("ix_questions_listed_activity", ["last_activity_at", "id", "circle_id"], LISTED),
    ("ix_questions_listed_newest", ["created_at", "id", "circle_id"], LISTED),
    ("ix_questions_listed_votes", ["score", "created_at", "id", "circle_id"], LISTED),
    ("ix_questions_unanswered_newest", ["created_at", "id", "circle_id"], UNANSWERED),
    ("ix_questions_circle_newest", ["circle_id", "created_at", "id"], LISTED),
    ("ix_questions_circle_votes", ["circle_id", "score", "created_at", "id"], LISTED),
    ("ix_questions_circle_unanswered", ["circle_id", "created_at", "id"], UNANSWERED),
]


def upgrade():
    for name, columns, where in INDEXES:
        op.create_index(
            name,
            "questions",
            columns,
            unique=False,
            postgresql_where=sa.text(where),
            sqlite_where=sa.text(where),
        )


def downgrade():
    for name, _columns, _where in reversed(INDEXES):
        op.drop_index(name, table_name="questions")
