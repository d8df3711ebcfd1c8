"""What every ``ivr`` command answers alike: its exit codes and its message when the database fails."""

from __future__ import annotations

import sys

from sqlalchemy.exc import SQLAlchemyError

OK, FAILED, USAGE = 0, 1, 2


def database_failed(command: str, exc: SQLAlchemyError) -> int:
    """Say on stderr that the database failed for ``command`` and how to check it; ``FAILED``.

    Only the error's class is named: the message of a database error may quote the statement's
    values (numbers, names).
    """
    print(
        f"{command}: database error ({exc.__class__.__name__}); is DATABASE_URL right and migrated "
        "(ivr db upgrade)?",
        file=sys.stderr,
    )
    return FAILED
