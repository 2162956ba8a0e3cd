"""Votes and staff sessions. A feedback file from before the database had migrations keeps its
rows: its tables stay, and columns added since (programme, conversation, edit key) are added.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_ADDED_FEEDBACK_COLUMNS = ("programme", "conversation_id", "edit_key")


def upgrade() -> None:
    tables = set(sa.inspect(op.get_bind()).get_table_names())
    if "feedback" not in tables:
        op.create_table(
            "feedback",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("created_at", sa.Text, nullable=False),
            sa.Column("rating", sa.Text, nullable=False),
            sa.Column("comment", sa.Text, nullable=False, server_default=""),
            sa.Column("question", sa.Text, nullable=False),
            sa.Column("answer", sa.Text, nullable=False),
            sa.Column("sources", sa.Text, nullable=False, server_default=""),
            sa.Column("programme", sa.Text, nullable=False, server_default=""),
            sa.Column("conversation_id", sa.Text, nullable=False, server_default=""),
            sa.Column("edit_key", sa.Text, nullable=False, server_default=""),
            sa.CheckConstraint("rating IN ('up', 'down')", name="feedback_rating"),
            sqlite_autoincrement=True,
        )
    else:
        present = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("feedback")}
        for name in _ADDED_FEEDBACK_COLUMNS:
            if name not in present:
                op.add_column(
                    "feedback", sa.Column(name, sa.Text, nullable=False, server_default="")
                )
    if "staff_session" not in tables:
        op.create_table(
            "staff_session",
            sa.Column("key", sa.Text, primary_key=True),
            sa.Column("expires_at", sa.Float, nullable=False),
        )


def downgrade() -> None:
    op.drop_table("staff_session")
    op.drop_table("feedback")
