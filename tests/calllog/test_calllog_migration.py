"""Migration 0005 builds exactly the call log's tables, with the conventional names, and undoes them."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, MetaData, inspect

from calllog import CallEvent, CallRecord, Invitation
from database import Base, alembic_config, make_engine, upgrade

TABLES = {CallRecord.__tablename__, CallEvent.__tablename__, Invitation.__tablename__}


def _ours() -> MetaData:
    metadata = MetaData(naming_convention=Base.metadata.naming_convention)
    for name in sorted(TABLES):
        Base.metadata.tables[name].to_metadata(metadata)
    return metadata


def test_migrated_call_log_matches_the_models(empty_db_url: str) -> None:
    upgrade(empty_db_url)
    engine = make_engine(empty_db_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection,
                opts={
                    "compare_type": True,
                    "include_name": lambda name, kind, _parent: kind != "table" or name in TABLES,
                },
            )
            differences = compare_metadata(context, _ours())
    finally:
        engine.dispose()
    assert differences == []


def test_constraints_and_indexes_carry_the_conventional_names(engine: Engine) -> None:
    with engine.connect() as connection:
        inspector = inspect(connection)
        names = {
            table: {
                "pk": inspector.get_pk_constraint(table)["name"],
                "uq": sorted(str(c["name"]) for c in inspector.get_unique_constraints(table)),
                "ix": sorted(
                    str(i["name"]) for i in inspector.get_indexes(table) if "duplicates_constraint" not in i
                ),
            }
            for table in sorted(TABLES)
        }
    assert names == {
        "call_events": {
            "pk": "pk_call_events",
            "uq": ["uq_call_events_call_sid_dedupe"],
            "ix": ["ix_call_events_menu"],
        },
        "call_records": {
            "pk": "pk_call_records",
            "uq": [],
            "ix": [
                "ix_call_records_arrival_date",
                "ix_call_records_arrived_at",
                "ix_call_records_kpis",
            ],
        },
        "invitations": {"pk": "pk_invitations", "uq": ["uq_invitations_helpdesk_id_date"], "ix": []},
    }


def test_downgrading_0005_removes_the_call_log_only(empty_db_url: str) -> None:
    config = alembic_config(empty_db_url)
    previous = ScriptDirectory.from_config(config).get_revision("0005").down_revision
    command.upgrade(config, "0005")
    engine = make_engine(empty_db_url)
    try:
        with engine.connect() as connection:
            before = set(inspect(connection).get_table_names())
        command.downgrade(config, str(previous))
        with engine.connect() as connection:
            after = set(inspect(connection).get_table_names())
    finally:
        engine.dispose()
    assert before - after == TABLES
    assert "queue_entries" in after
