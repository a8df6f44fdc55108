"""questions.answer_count counts visible answers only; answers.hidden_at indexed

Revision ID: b8d6f2a3c4e5
Revises: a7c5e1f2b3d4
Create Date: 2026-11-30 23:50:00

Hidden and held answers used to count, so a question whose only answer was hidden showed as
answered and left the unanswered lists. The counts are recomputed from the visible answers (the
services keep them so from now on); the index serves the moderation queue's count of held answers.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b8d6f2a3c4e5'
down_revision = 'a7c5e1f2b3d4'
branch_labels = None
depends_on = None


def _recount(visible_only: bool):
    hidden = " AND answers.hidden_at IS NULL" if visible_only else ""
    op.execute(
        "UPDATE questions SET answer_count = (SELECT count(*) FROM answers"
        f" WHERE answers.question_id = questions.id{hidden})"
    )
    # 回答あり follows the count (an accepted answer keeps a question resolved).
    op.execute(
        "UPDATE questions SET status = CASE"
        " WHEN accepted_answer_id IS NOT NULL THEN 'resolved'"
        " WHEN answer_count > 0 THEN 'answered' ELSE 'open' END"
    )


def upgrade():
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_answers_hidden_at'), ['hidden_at'], unique=False)
    _recount(visible_only=True)


def downgrade():
    _recount(visible_only=False)
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_answers_hidden_at'))
