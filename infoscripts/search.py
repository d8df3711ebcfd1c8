"""Full-text search of the info scripts in Dutch, with each database's own engine, ranked.

Agents search while a citizen is on the line (playbook 1.3.1: "eigen lokale, doorzoekbare
informatiescripts"), so a query is a few words typed in a hurry. Both engines read it the same
way: the words of three letters or more that are not Dutch stop words, each required (AND), each
also matching as the start of a longer word (prefix), so that "vervoer" finds "vervoer" and
"vervoerregeling" and "thuisvaccinatie" finds "thuisvaccinaties".

- **PostgreSQL**: ``to_tsvector('dutch', …)`` over the question and tags (weight A) and the answer
  (weight B), kept in the stored generated column ``search_vector`` (:data:`PG_VECTOR`; the
  migration creates it, outside the model) with the GIN index ``ix_info_scripts_search``,
  ranked by ``ts_rank``. Stored rather than an expression index: ranking reads the vector of
  every match, and computing it again per row cost seconds at 5,000 entries.
  The Snowball Dutch stemmer joins "vragen" and "vraag" ("vrag") but leaves "thuisvaccinaties"
  as it is, hence the prefix match as well.
- **SQLite**: FTS5 has no Dutch stemmer (its ``porter`` tokenizer stems English). The table
  ``info_scripts_fts`` uses the ``trigram`` tokenizer instead: a word matches anywhere inside
  a longer one, which suits Dutch compounds ("vaccinatie" finds "thuisvaccinatie" and
  "vaccinatiecentrum") and covers the endings "-s", "-en" and "-e" when the query word is the
  shorter form. Triggers keep it in step with ``info_scripts`` (external content); ``bm25``
  ranks, the question and tags weighing five times the answer. The Dutch stop words are those
  of PostgreSQL's list, so that both engines drop the same words.

The two engines are not identical ("vraag" finds "vragen" only on PostgreSQL; "vaccinatie"
finds "thuisvaccinatie" only on SQLite); the tests pin what both must find.
"""

from __future__ import annotations

import re
from typing import Any, Final

from sqlalchemy import ColumnElement, Select, column, func, literal_column, or_, select, table
from sqlalchemy.orm import Session

from infoscripts.tables import InfoScript

# The words a query needs at least: FTS5's trigram tokenizer matches nothing shorter.
MIN_WORD: Final = 3
MAX_WORDS: Final = 8
# PostgreSQL's dutch.stop (the Snowball list), for SQLite to drop the same words.
_STOP_WORDS: Final = """
de en van ik te dat die in een hij het niet zijn is was op aan met als voor had er maar om
hem dan zou of wat mijn men dit zo door over ze zich bij ook tot je mij uit der daar haar naar
heb hoe heeft hebben deze u want nog zal me zij nu ge geen omdat iets worden toch al waren veel
meer doen toen moet ben zonder kan hun dus alles onder ja eens hier wie werd altijd doch wordt
wezen kunnen ons zelf tegen na reeds wil kon niets uw iemand geweest andere
"""
DUTCH_STOP_WORDS: Final = frozenset(_STOP_WORDS.split())
# The expression of PostgreSQL's generated column; the migration spells out the same text.
PG_VECTOR: Final = (
    "setweight(to_tsvector('dutch'::regconfig, question || ' ' || tags), 'A')"
    " || setweight(to_tsvector('dutch'::regconfig, answer), 'B')"
)
PG_COLUMN: Final = "info_scripts.search_vector"
# bm25 weights of the FTS5 columns (question, answer, tags): the smaller the score, the better.
SQLITE_RANK: Final = "bm25(info_scripts_fts, 5.0, 1.0, 5.0)"
_WORD: Final = re.compile(r"[^\W_]+")
# The FTS5 table as far as the query needs it (it is not a model: see infoscripts.tables).
_FTS: Final = table("info_scripts_fts", column("rowid"))


def query_words(query: str) -> list[str]:
    """The words of ``query`` that are searched: lower case, letters and digits only, at least
    three of them, no Dutch stop word, each once, at most eight."""
    words: list[str] = []
    for word in _WORD.findall(query.lower()):
        if len(word) >= MIN_WORD and word not in DUTCH_STOP_WORDS and word not in words:
            words.append(word)
    return words[:MAX_WORDS]


def fts5_query(words: list[str]) -> str:
    """The FTS5 MATCH expression: every word as a quoted string (no operator can slip in), all
    required. With the trigram tokenizer a string matches inside longer words."""
    return " AND ".join('"' + word.replace('"', '""') + '"' for word in words)


def tsquery(words: list[str]) -> str:
    """The ``to_tsquery('dutch', …)`` text: every word required and matched as a prefix. The words
    hold only letters and digits, so no operator of tsquery's syntax can slip in."""
    return " & ".join(f"{word}:*" for word in words)


def matching(
    session: Session, query: str, *, helpdesk_id: str | None, limit: int
) -> list[tuple[InfoScript, float]]:
    """The entries matching ``query`` with their rank (higher is better), best first.

    ``helpdesk_id`` keeps the entries of every helpdesk and of that one (``None``: all entries).
    A query without a searchable word matches nothing.
    """
    words = query_words(query)
    if not words:
        return []
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        vector: ColumnElement[Any] = literal_column(PG_COLUMN)
        ts_query = func.to_tsquery(literal_column("'dutch'::regconfig"), tsquery(words))
        rank = func.ts_rank(vector, ts_query)
        statement = (
            select(InfoScript, rank.label("rank"))
            .where(vector.op("@@")(ts_query))
            .order_by(rank.desc(), InfoScript.id)
        )
    elif dialect == "sqlite":
        score: ColumnElement[float] = literal_column(SQLITE_RANK)
        statement = (
            select(InfoScript, (-score).label("rank"))
            .join(_FTS, _FTS.c.rowid == InfoScript.id)
            .where(literal_column("info_scripts_fts").op("MATCH")(fts5_query(words)))
            .order_by(score, InfoScript.id)
        )
    else:
        raise ValueError(f"unsupported database dialect {dialect!r}")
    statement = _for_helpdesk(statement, helpdesk_id).limit(limit)
    return [(row[0], float(row[1])) for row in session.execute(statement)]


def _for_helpdesk(statement: Select[InfoScript, float], helpdesk_id: str | None) -> Select[InfoScript, float]:
    if helpdesk_id is None:
        return statement
    return statement.where(or_(InfoScript.helpdesk_id.is_(None), InfoScript.helpdesk_id == helpdesk_id))
