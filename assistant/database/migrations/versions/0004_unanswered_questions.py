"""Questions the assistant could not answer, for staff to answer next: when, the question (with
e-mail addresses and phone numbers removed) and the programme it was asked about; no IP address.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "unanswered_question",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("asked_at", sa.Text, nullable=False, index=True),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("programme", sa.Text, nullable=False, server_default=""),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table("unanswered_question")
