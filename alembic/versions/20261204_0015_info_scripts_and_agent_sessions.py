"""Create info_scripts with its Dutch full-text search; console sessions of agents.

SQLite: an FTS5 table (trigram tokenizer) over question, answer and tags, kept in step by
triggers. PostgreSQL: a stored generated column ``search_vector`` (the 'dutch' tsvector of
``infoscripts.search.PG_VECTOR``, spelled out here: migrations stay static) with a GIN index.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 00:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PG_VECTOR = (
    "setweight(to_tsvector('dutch'::regconfig, question || ' ' || tags), 'A')"
    " || setweight(to_tsvector('dutch'::regconfig, answer), 'B')"
)
SQLITE_SEARCH = [
    "CREATE VIRTUAL TABLE info_scripts_fts USING fts5("
    "question, answer, tags, content='info_scripts', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER info_scripts_fts_insert AFTER INSERT ON info_scripts BEGIN "
    "INSERT INTO info_scripts_fts(rowid, question, answer, tags) "
    "VALUES (new.id, new.question, new.answer, new.tags); END",
    "CREATE TRIGGER info_scripts_fts_delete AFTER DELETE ON info_scripts BEGIN "
    "INSERT INTO info_scripts_fts(info_scripts_fts, rowid, question, answer, tags) "
    "VALUES ('delete', old.id, old.question, old.answer, old.tags); END",
    "CREATE TRIGGER info_scripts_fts_update AFTER UPDATE ON info_scripts BEGIN "
    "INSERT INTO info_scripts_fts(info_scripts_fts, rowid, question, answer, tags) "
    "VALUES ('delete', old.id, old.question, old.answer, old.tags); "
    "INSERT INTO info_scripts_fts(rowid, question, answer, tags) "
    "VALUES (new.id, new.question, new.answer, new.tags); END",
]


def upgrade() -> None:
    op.create_table(
        "info_scripts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("tags", sa.String(length=400), nullable=False),
        sa.Column("helpdesk_id", sa.String(length=40), nullable=True),
        sa.Column("playbook_section", sa.String(length=16), nullable=True),
        sa.Column("escalation_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["escalation_id"],
            ["escalations.id"],
            name=op.f("fk_info_scripts_escalation_id_escalations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_info_scripts")),
        sa.UniqueConstraint("playbook_section", name=op.f("uq_info_scripts_playbook_section")),
    )
    op.create_index(op.f("ix_info_scripts_escalation_id"), "info_scripts", ["escalation_id"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE info_scripts ADD COLUMN search_vector tsvector"
            f" GENERATED ALWAYS AS ({PG_VECTOR}) STORED"
        )
        op.execute("CREATE INDEX ix_info_scripts_search ON info_scripts USING gin (search_vector)")
    else:
        for statement in SQLITE_SEARCH:
            op.execute(statement)
    with op.batch_alter_table("console_sessions") as batch_op:
        batch_op.add_column(sa.Column("agent_helpdesk", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("agent_code", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("console_sessions") as batch_op:
        batch_op.drop_column("agent_code")
        batch_op.drop_column("agent_helpdesk")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_info_scripts_search")
        op.execute("ALTER TABLE info_scripts DROP COLUMN search_vector")
    else:
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER info_scripts_fts_{trigger}")
        op.execute("DROP TABLE info_scripts_fts")
    op.drop_index(op.f("ix_info_scripts_escalation_id"), table_name="info_scripts")
    op.drop_table("info_scripts")
