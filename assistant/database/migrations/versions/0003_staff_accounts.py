"""Staff accounts (a name and an Argon2 hash of its password), and the account each staff
session was opened for ("" for a session opened with the shared staff token).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff_account",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("created_at", sa.Text, nullable=False),
    )
    with op.batch_alter_table("staff_session") as batch:
        batch.add_column(sa.Column("account", sa.Text, nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("staff_session") as batch:
        batch.drop_column("account")
    op.drop_table("staff_account")
