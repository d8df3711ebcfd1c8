"""The seed: the playbook's own questions 1.3.1.1 to 1.3.1.9 (``seed_nl.yaml``, copied word for
word from the playbook), stored once per section.

Seeding is idempotent: a section already stored (also one ops changed since) is left as it is,
so ``ivr info seed`` may run at every deployment. A seeded entry ops deleted comes back.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Final

import yaml
from sqlalchemy.orm import Session

from database import dialect_insert
from infoscripts.entries import Draft, clean
from infoscripts.tables import InfoScript

SEED_FILE: Final = Path(__file__).resolve().parent / "seed_nl.yaml"
SEEDED_BY: Final = "seed:playbook"


@dataclass(frozen=True, slots=True)
class SeedEntry:
    section: str
    draft: Draft


@cache
def seed_entries(path: Path = SEED_FILE) -> tuple[SeedEntry, ...]:
    """The entries of the seed file, checked as any entry is (``InfoScriptError`` otherwise)."""
    loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    return tuple(
        SeedEntry(
            section=str(item["section"]),
            draft=clean(
                Draft(
                    question=str(item["question"]),
                    answer=str(item["answer"]),
                    tags=tuple(str(tag) for tag in item.get("tags", ())),
                )
            ),
        )
        for item in loaded
    )


def seed(session: Session, now: dt.datetime) -> int:
    """Store the seed's sections that are not there yet; returns how many were added."""
    added = 0
    for item in seed_entries():
        inserted = session.execute(
            dialect_insert(session, InfoScript)
            .values(
                question=item.draft.question,
                answer=item.draft.answer,
                tags=", ".join(item.draft.tags),
                helpdesk_id=None,
                playbook_section=item.section,
                created_at=now,
                created_by=SEEDED_BY,
                updated_at=now,
                updated_by=SEEDED_BY,
            )
            .on_conflict_do_nothing(index_elements=[InfoScript.playbook_section])
            .returning(InfoScript.id)
        ).scalar_one_or_none()
        added += inserted is not None
    return added
