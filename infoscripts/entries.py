"""Keep the info scripts: add, read, list, search, change and delete entries.

Operations staff and team leaders keep them (playbook 1.3.1: "voorzie eigen lokale,
doorzoekbare informatiescripts"), also from an answered escalation (1.3.2.2: "de burger zelf
beantwoorden en de lokale documentatie uitbreiden"); agents read them during a call. Every
change says who made it and when. The functions take the caller's session and never commit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final, Literal

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from infoscripts.search import matching
from infoscripts.tables import InfoScript

MAX_QUESTION: Final = 300
MAX_ANSWER: Final = 6000
MAX_TAGS: Final = 10
MAX_TAG: Final = 30
LIST_LIMIT: Final = 200

Source = Literal["playbook", "escalation", "team"]


class InfoScriptError(ValueError):
    """An entry that cannot be stored as given; the message says which field and why."""


class UnknownInfoScriptError(LookupError):
    """No info script with that id."""


@dataclass(frozen=True, slots=True)
class Draft:
    """What an author writes: the question, the answer, optional tags and helpdesk, and the
    escalation it answers (when it came from one)."""

    question: str
    answer: str
    tags: tuple[str, ...] = ()
    helpdesk_id: str | None = None
    escalation_id: int | None = None


@dataclass(frozen=True, slots=True)
class Entry:
    """One info script as it is read."""

    id: int
    question: str
    answer: str
    tags: tuple[str, ...]
    helpdesk_id: str | None
    playbook_section: str | None
    escalation_id: int | None
    created_at: dt.datetime
    created_by: str
    updated_at: dt.datetime
    updated_by: str

    @property
    def source(self) -> Source:
        if self.playbook_section is not None:
            return "playbook"
        if self.escalation_id is not None:
            return "escalation"
        return "team"


@dataclass(frozen=True, slots=True)
class Found:
    """A search result: the entry and its rank (higher is better; comparable within one search)."""

    entry: Entry
    rank: float


def clean(draft: Draft) -> Draft:
    """The draft as stored: blanks trimmed, tags in lower case and each once; ``InfoScriptError``
    for an empty or too long field."""
    question = " ".join(draft.question.split())
    answer = draft.answer.strip().replace("\r\n", "\n")
    if not 1 <= len(question) <= MAX_QUESTION:
        raise InfoScriptError(f"the question must be 1 to {MAX_QUESTION} characters")
    if not 1 <= len(answer) <= MAX_ANSWER:
        raise InfoScriptError(f"the answer must be 1 to {MAX_ANSWER} characters")
    tags: list[str] = []
    for tag in draft.tags:
        word = " ".join(tag.lower().replace(",", " ").split())
        if word and word not in tags:
            tags.append(word)
    if len(tags) > MAX_TAGS or any(len(tag) > MAX_TAG for tag in tags):
        raise InfoScriptError(f"at most {MAX_TAGS} tags of at most {MAX_TAG} characters")
    return Draft(question, answer, tuple(tags), draft.helpdesk_id, draft.escalation_id)


def split_tags(text: str) -> tuple[str, ...]:
    """Tags typed in one field, separated by commas."""
    return tuple(part for part in (piece.strip() for piece in text.split(",")) if part)


def add_entry(session: Session, draft: Draft, *, now: dt.datetime, who: str) -> Entry:
    """Store a new entry written by ``who``."""
    cleaned = clean(draft)
    row = InfoScript(
        question=cleaned.question,
        answer=cleaned.answer,
        tags=", ".join(cleaned.tags),
        helpdesk_id=cleaned.helpdesk_id,
        escalation_id=cleaned.escalation_id,
        created_at=now,
        created_by=who,
        updated_at=now,
        updated_by=who,
    )
    session.add(row)
    session.flush()
    return _entry(row)


def change_entry(session: Session, entry_id: int, draft: Draft, *, now: dt.datetime, who: str) -> Entry:
    """Replace the question, answer, tags and helpdesk of an entry (its source stays)."""
    cleaned = clean(draft)
    row = session.get(InfoScript, entry_id, with_for_update=True)
    if row is None:
        raise UnknownInfoScriptError(entry_id)
    row.question = cleaned.question
    row.answer = cleaned.answer
    row.tags = ", ".join(cleaned.tags)
    row.helpdesk_id = cleaned.helpdesk_id
    row.updated_at = now
    row.updated_by = who
    session.flush()
    return _entry(row)


def delete_entry(session: Session, entry_id: int) -> None:
    deleted = session.execute(
        delete(InfoScript).where(InfoScript.id == entry_id).returning(InfoScript.id)
    ).scalar_one_or_none()
    if deleted is None:
        raise UnknownInfoScriptError(entry_id)


def entry(session: Session, entry_id: int) -> Entry:
    row = session.get(InfoScript, entry_id)
    if row is None:
        raise UnknownInfoScriptError(entry_id)
    return _entry(row)


def entries(session: Session, *, helpdesk_id: str | None = None, limit: int = LIST_LIMIT) -> list[Entry]:
    """Every entry (of every helpdesk and of ``helpdesk_id``), in the playbook's order, then the
    team's by question."""
    query = select(InfoScript).order_by(
        InfoScript.playbook_section.is_(None), InfoScript.playbook_section, InfoScript.question, InfoScript.id
    )
    if helpdesk_id is not None:
        query = query.where((InfoScript.helpdesk_id.is_(None)) | (InfoScript.helpdesk_id == helpdesk_id))
    return [_entry(row) for row in session.scalars(query.limit(limit))]


def search(session: Session, query: str, *, helpdesk_id: str | None = None, limit: int = 20) -> list[Found]:
    """The entries matching ``query``, best first (see ``infoscripts.search``)."""
    return [
        Found(entry=_entry(row), rank=rank)
        for row, rank in matching(session, query, helpdesk_id=helpdesk_id, limit=limit)
    ]


def _entry(row: InfoScript) -> Entry:
    return Entry(
        id=row.id,
        question=row.question,
        answer=row.answer,
        tags=split_tags(row.tags),
        helpdesk_id=row.helpdesk_id,
        playbook_section=row.playbook_section,
        escalation_id=row.escalation_id,
        created_at=row.created_at,
        created_by=row.created_by,
        updated_at=row.updated_at,
        updated_by=row.updated_by,
    )
