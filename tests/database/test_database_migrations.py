"""Migrations: they build exactly the models' schema, on both databases, and undo cleanly."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

import agents
import calllog
import calls
import complaints
import escalations
import infoscripts
import outbound
import staffing
from console.sessions import ConsoleSession
from database import Base, alembic_config, make_engine, upgrade
from database.dead_letters import DeadLetter

VERSIONS = Path(__file__).resolve().parents[2] / "alembic" / "versions"
TABLES = {
    agents.AgentPresence.__tablename__,
    agents.AgentRecord.__tablename__,
    agents.PinLockout.__tablename__,
    calls.QueueEntry.__tablename__,
    calls.HelpdeskClosure.__tablename__,
    calls.ClosureAudit.__tablename__,
    calllog.CallRecord.__tablename__,
    calllog.CallEvent.__tablename__,
    calllog.Invitation.__tablename__,
    complaints.Complaint.__tablename__,
    escalations.Escalation.__tablename__,
    escalations.ContactReveal.__tablename__,
    outbound.CallList.__tablename__,
    outbound.CallListEntry.__tablename__,
    outbound.OutboundAttempt.__tablename__,
    outbound.DoNotCall.__tablename__,
    staffing.JobTick.__tablename__,
    staffing.StaffingAlert.__tablename__,
    DeadLetter.__tablename__,
    ConsoleSession.__tablename__,
    infoscripts.InfoScript.__tablename__,
}


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            # SQLite lists the info scripts' FTS5 table and its shadow tables too.
            return set(inspect(connection).get_table_names()) - infoscripts.SEARCH_SCHEMA
    finally:
        engine.dispose()


def test_migrated_schema_matches_the_models(empty_db_url: str) -> None:
    # The `alembic check` of this project: a model change without its migration fails here.
    upgrade(empty_db_url)

    engine = make_engine(empty_db_url)
    try:
        with engine.connect() as connection:
            differences = compare_metadata(
                MigrationContext.configure(
                    connection, opts={"compare_type": True, "include_name": infoscripts.modelled}
                ),
                Base.metadata,
            )
    finally:
        engine.dispose()

    assert differences == []
    assert set(Base.metadata.tables) == TABLES


def test_downgrade_to_base_removes_everything_and_upgrade_rebuilds_it(empty_db_url: str) -> None:
    upgrade(empty_db_url)
    command.downgrade(alembic_config(empty_db_url), "base")

    after_downgrade = _tables(empty_db_url)
    upgrade(empty_db_url)

    assert after_downgrade == {"alembic_version"}
    assert _tables(empty_db_url) == TABLES | {"alembic_version"}


def test_constraints_and_indexes_carry_the_conventional_names(engine: Engine) -> None:
    with engine.connect() as connection:
        inspector = inspect(connection)
        names = {
            table: {
                "pk": inspector.get_pk_constraint(table)["name"],
                "uq": sorted(str(c["name"]) for c in inspector.get_unique_constraints(table)),
                "ck": sorted(str(c["name"]) for c in inspector.get_check_constraints(table)),
                # PostgreSQL also lists the index behind each unique constraint.
                "ix": sorted(
                    str(i["name"]) for i in inspector.get_indexes(table) if "duplicates_constraint" not in i
                ),
            }
            for table in sorted(TABLES)
        }

    assert names == {
        "agents": {"pk": "pk_agents", "uq": ["uq_agents_helpdesk_id_code"], "ck": [], "ix": []},
        "call_lists": {
            "pk": "pk_call_lists",
            "uq": [],
            "ck": [],
            "ix": ["ix_call_lists_helpdesk_id_closed_at"],
        },
        "call_list_entries": {
            "pk": "pk_call_list_entries",
            "uq": ["uq_call_list_entries_list_id_number_hash", "uq_call_list_entries_list_id_position"],
            "ck": [],
            "ix": ["ix_call_list_entries_claimed_call_sid", "ix_call_list_entries_list_id_state_position"],
        },
        "outbound_attempts": {
            "pk": "pk_outbound_attempts",
            "uq": [],
            "ck": [],
            "ix": [
                "ix_outbound_attempts_helpdesk_id_started_at",
                "ix_outbound_attempts_list_id",
                "ix_outbound_attempts_number_hash_started_at",
            ],
        },
        "do_not_call": {"pk": "pk_do_not_call", "uq": [], "ck": [], "ix": []},
        "info_scripts": {
            "pk": "pk_info_scripts",
            "uq": ["uq_info_scripts_playbook_section"],
            "ck": [],
            "ix": ["ix_info_scripts_escalation_id"]
            + (["ix_info_scripts_search"] if engine.dialect.name == "postgresql" else []),
        },
        "console_sessions": {
            "pk": "pk_console_sessions",
            "uq": [],
            "ck": [],
            "ix": ["ix_console_sessions_expires_at"],
        },
        "complaints": {
            "pk": "pk_complaints",
            "uq": [],
            "ck": [],
            "ix": [
                "ix_complaints_answered_on",
                "ix_complaints_helpdesk_id_received_on",
                "ix_complaints_status_received_on",
            ],
        },
        "escalations": {
            "pk": "pk_escalations",
            "uq": ["uq_escalations_recording_sid", "uq_escalations_token"],
            "ck": [],
            "ix": [
                "ix_escalations_closed_at",
                "ix_escalations_helpdesk_id_created_at",
                "ix_escalations_status_created_at",
            ],
        },
        "escalation_contact_reveals": {
            "pk": "pk_escalation_contact_reveals",
            "uq": [],
            "ck": [],
            "ix": ["ix_escalation_contact_reveals_escalation_id"],
        },
        "agent_presence": {
            "pk": "pk_agent_presence",
            "uq": ["uq_agent_presence_helpdesk_id_agent"],
            "ck": ["ck_agent_presence_presence_status"],
            "ix": ["ix_agent_presence_call_sid"],
        },
        "queue_entries": {
            "pk": "pk_queue_entries",
            "uq": [],
            "ck": [],
            "ix": ["ix_queue_entries_helpdesk_id_left_at"],
        },
        "pin_lockouts": {"pk": "pk_pin_lockouts", "uq": [], "ck": [], "ix": []},
        "helpdesk_closures": {"pk": "pk_helpdesk_closures", "uq": [], "ck": [], "ix": []},
        "closure_audit": {
            "pk": "pk_closure_audit",
            "uq": [],
            "ck": [],
            "ix": ["ix_closure_audit_helpdesk_id_at"],
        },
        "job_ticks": {"pk": "pk_job_ticks", "uq": [], "ck": [], "ix": []},
        "staffing_alerts": {
            "pk": "pk_staffing_alerts",
            "uq": ["uq_staffing_alerts_helpdesk_id_tick"],
            "ck": [],
            "ix": [],
        },
        "call_events": {
            "pk": "pk_call_events",
            "uq": ["uq_call_events_call_sid_dedupe"],
            "ck": [],
            "ix": ["ix_call_events_menu"],
        },
        "call_records": {
            "pk": "pk_call_records",
            "uq": [],
            "ck": [],
            "ix": ["ix_call_records_arrival_date", "ix_call_records_arrived_at", "ix_call_records_kpis"],
        },
        "invitations": {
            "pk": "pk_invitations",
            "uq": ["uq_invitations_helpdesk_id_date"],
            "ck": [],
            "ix": [],
        },
        "write_dead_letters": {"pk": "pk_write_dead_letters", "uq": [], "ck": [], "ix": []},
    }


def test_migration_files_are_named_by_date_and_form_one_line() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    files = sorted(path.name for path in VERSIONS.glob("*.py"))

    assert [name for name in files if not re.fullmatch(r"\d{8}_[a-z0-9_]+\.py", name)] == []
    assert len(script.get_heads()) == 1
    assert len(list(script.walk_revisions())) == len(files)


@pytest.mark.parametrize(
    ("url", "dialect_sql"),
    [
        pytest.param("sqlite:///ivr.sqlite3", "since DATETIME NOT NULL", id="sqlite"),
        pytest.param(
            "postgresql+psycopg://ivr@db.invalid/ivr",
            "since TIMESTAMP WITH TIME ZONE NOT NULL",
            id="postgresql",
        ),
    ],
)
def test_offline_mode_writes_the_sql_for_review(url: str, dialect_sql: str) -> None:
    config = alembic_config(url)
    config.output_buffer = io.StringIO()

    command.upgrade(config, "head", sql=True)

    sql = config.output_buffer.getvalue()
    assert "CREATE TABLE agent_presence (" in sql
    assert "CREATE TABLE queue_entries (" in sql
    assert dialect_sql in sql
    script = ScriptDirectory.from_config(config)
    head = script.get_current_head()
    assert head is not None
    previous = script.get_revision(head).down_revision
    # Offline mode records the first revision, then moves the version along migration by migration.
    assert "INSERT INTO alembic_version (version_num) VALUES ('0001')" in sql
    last = (
        f"UPDATE alembic_version SET version_num='{head}' WHERE alembic_version.version_num = '{previous}';"  # noqa: S608
    )
    assert sql.rstrip().removesuffix("COMMIT;").rstrip().endswith(last)
