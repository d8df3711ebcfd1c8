"""Info scripts on SQLite and PostgreSQL: the seed is the playbook's own text and idempotent, Dutch
full-text search finds and ranks, the search index follows every change, entries are checked."""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from infoscripts import (
    Draft,
    InfoScriptError,
    UnknownInfoScriptError,
    add_entry,
    change_entry,
    delete_entry,
    entries,
    entry,
    query_words,
    search,
    seed,
    seed_entries,
)
from infoscripts.search import PG_VECTOR, tsquery

PLAYBOOK = (
    Path(__file__).resolve().parents[3] / "shared" / "seed" / "draaiboek-lokale-helpdesk-vaccinatie.txt"
)
NOW = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)
WHO = "api:ops#1"


def _plain(text_: str) -> str:
    """The playbook's text as words: without the bold markers, blanks collapsed."""
    return " ".join(text_.replace("**", "").split())


def test_every_seeded_question_and_answer_line_is_the_playbooks_own_text() -> None:
    playbook = _plain(PLAYBOOK.read_text(encoding="utf-8"))
    seeded = seed_entries()
    assert [item.section for item in seeded] == [f"1.3.1.{number}" for number in range(1, 10)]
    for item, following in zip(seeded, [*[later.section for later in seeded[1:]], "1.3.2"], strict=True):
        # The question is the section's own title; every line of the answer stands in that section.
        start = playbook.index(f"{item.section} {item.draft.question}")
        section = playbook[start : playbook.index(f"{following} ", start + 1)]
        for line in item.draft.answer.splitlines():
            assert _plain(line.removeprefix("- ")) in section, (item.section, line)


def test_seeding_stores_the_nine_sections_once(session: Session) -> None:
    assert seed(session, NOW) == 9
    assert seed(session, NOW + dt.timedelta(days=1)) == 0
    stored = entries(session)
    assert [item.playbook_section for item in stored] == [f"1.3.1.{number}" for number in range(1, 10)]
    assert {item.source for item in stored} == {"playbook"}
    assert stored[5].question == "Vragen over vervoer van en naar het vaccinatiecentrum"


def test_seeding_keeps_what_ops_changed_and_restores_what_they_deleted(session: Session) -> None:
    seed(session, NOW)
    first, second = entries(session)[:2]
    change_entry(
        session, first.id, Draft(question=first.question, answer="Lokaal antwoord."), now=NOW, who=WHO
    )
    delete_entry(session, second.id)
    assert seed(session, NOW) == 1
    assert entry(session, first.id).answer == "Lokaal antwoord."
    assert [item.playbook_section for item in entries(session)][:2] == ["1.3.1.1", "1.3.1.2"]


@pytest.mark.parametrize(
    ("query", "section"),
    [
        ("vervoer", "1.3.1.6"),
        ("Vervoer naar het vaccinatiecentrum", "1.3.1.6"),
        ("thuisvaccinatie", "1.3.1.7"),
        ("thuisvaccinaties", "1.3.1.7"),
        ("parking", "1.3.1.8"),
        ("brief kwijt", "1.3.1.4"),
        ("nevenwerkingen", "1.3.1.2"),
        ("zorgverleners uitnodiging", "1.3.1.5"),
    ],
    ids=[
        "vervoer",
        "a-phrase-with-stop-words",
        "thuisvaccinatie",
        "plural",
        "parking",
        "two-words",
        "answer-only",
        "question-words",
    ],
)
def test_a_dutch_query_finds_the_playbooks_answer_first(session: Session, query: str, section: str) -> None:
    seed(session, NOW)
    found = search(session, query)
    assert found[0].entry.playbook_section == section
    assert [hit.rank for hit in found] == sorted((hit.rank for hit in found), reverse=True)


def test_a_word_in_the_question_ranks_above_the_same_word_in_an_answer(session: Session) -> None:
    in_answer = add_entry(
        session,
        Draft(question="Parkeren aan het centrum", answer="Neem eventueel de bus: er rijdt een pendelbus."),
        now=NOW,
        who=WHO,
    )
    in_question = add_entry(
        session,
        Draft(question="Rijdt er een pendelbus?", answer="Ja, elk halfuur vanaf het station."),
        now=NOW,
        who=WHO,
    )
    found = search(session, "pendelbus")
    assert [hit.entry.id for hit in found] == [in_question.id, in_answer.id]
    assert found[0].rank > found[1].rank


def test_every_word_is_needed_and_stop_words_or_short_words_alone_find_nothing(session: Session) -> None:
    seed(session, NOW)
    assert [hit.entry.playbook_section for hit in search(session, "vervoer huisarts")] == []
    assert search(session, "het en de") == []
    assert search(session, "VC") == []
    assert search(session, "") == []


def test_the_search_follows_additions_changes_and_deletions(session: Session) -> None:
    added = add_entry(
        session,
        Draft(
            question="Is er een taxicheque?", answer="De gemeente geeft taxicheques.", tags=("Mobiliteit",)
        ),
        now=NOW,
        who=WHO,
    )
    assert [hit.entry.id for hit in search(session, "taxicheque")] == [added.id]
    assert [hit.entry.id for hit in search(session, "mobiliteit")] == [added.id]
    change_entry(
        session,
        added.id,
        Draft(question="Is er een belbus?", answer="De belbus rijdt op werkdagen."),
        now=NOW + dt.timedelta(hours=1),
        who="console:operations",
    )
    assert search(session, "taxicheque") == []
    assert [hit.entry.id for hit in search(session, "belbus")] == [added.id]
    changed = entry(session, added.id)
    assert (changed.created_by, changed.updated_by, changed.updated_at) == (
        WHO,
        "console:operations",
        NOW + dt.timedelta(hours=1),
    )
    delete_entry(session, added.id)
    assert search(session, "belbus") == []
    with pytest.raises(UnknownInfoScriptError):
        entry(session, added.id)


def test_a_helpdesks_own_entries_are_found_for_that_helpdesk_only(session: Session) -> None:
    everyone = add_entry(session, Draft(question="Parking", answer="Parking aan de markt."), now=NOW, who=WHO)
    local = add_entry(
        session,
        Draft(question="Parking Lille", answer="Parking aan de sporthal.", helpdesk_id="voorkempen"),
        now=NOW,
        who=WHO,
    )
    add_entry(
        session,
        Draft(question="Parking Geel", answer="Parking aan de kerk.", helpdesk_id="kempen-zuid"),
        now=NOW,
        who=WHO,
    )
    found = {hit.entry.id for hit in search(session, "parking", helpdesk_id="voorkempen")}
    assert found == {everyone.id, local.id}
    assert len(search(session, "parking")) == 3
    assert {item.id for item in entries(session, helpdesk_id="voorkempen")} == {everyone.id, local.id}


def test_quotes_and_operators_in_a_query_are_words_not_syntax(session: Session) -> None:
    seed(session, NOW)
    assert [hit.entry.playbook_section for hit in search(session, '"vervoer"')] == ["1.3.1.6"]
    # Read as syntax, each of these would find the transport answer; as words, nothing has them all.
    assert search(session, "vervoer OR parking") == []
    assert search(session, "vervoer:* | !parking") == []
    assert search(session, "NEAR(vervoer parking)") == []


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("Vervoer naar het centrum", ["vervoer", "centrum"]),
        ("thuisvaccinatie", ["thuisvaccinatie"]),
        ("de en het", []),
        ("VC of ELZ", ["elz"]),
        ("'vervoer' \"vervoer\"", ["vervoer"]),
        ("vaccin_centrum", ["vaccin", "centrum"]),
        (
            "één twee drie vier vijf zes zeven acht negen tien",
            ["één", "twee", "drie", "vier", "vijf", "zes", "zeven", "acht"],
        ),
    ],
    ids=[
        "stop-words",
        "one-word",
        "only-stop-words",
        "short-words",
        "quotes-once",
        "underscore",
        "at-most-eight",
    ],
)
def test_the_words_searched(query: str, words: list[str]) -> None:
    assert query_words(query) == words


@pytest.mark.parametrize(
    "draft",
    [
        Draft(question="", answer="Antwoord"),
        Draft(question="Vraag", answer="   "),
        Draft(question="V" * 301, answer="Antwoord"),
        Draft(question="Vraag", answer="A" * 6001),
        Draft(question="Vraag", answer="Antwoord", tags=tuple(f"tag{n}" for n in range(11))),
        Draft(question="Vraag", answer="Antwoord", tags=("t" * 31,)),
    ],
    ids=["no-question", "blank-answer", "long-question", "long-answer", "too-many-tags", "long-tag"],
)
def test_an_entry_that_cannot_be_stored_is_refused(session: Session, draft: Draft) -> None:
    with pytest.raises(InfoScriptError):
        add_entry(session, draft, now=NOW, who=WHO)
    assert entries(session) == []


def test_tags_are_stored_in_lower_case_once_and_the_question_on_one_line(session: Session) -> None:
    added = add_entry(
        session,
        Draft(
            question="  Waar   is de\ningang? ",
            answer="Aan de zijkant.\r\nVolg de pijlen.",
            tags=("Ingang", "ingang", " Rolstoel "),
        ),
        now=NOW,
        who=WHO,
    )
    assert (added.question, added.answer, added.tags) == (
        "Waar is de ingang?",
        "Aan de zijkant.\nVolg de pijlen.",
        ("ingang", "rolstoel"),
    )


def test_postgresql_searches_through_the_dutch_gin_index(session: Session) -> None:
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("the tsvector column and its GIN index are PostgreSQL's")
    seed(session, NOW)
    session.execute(text("SET LOCAL enable_seqscan = off"))
    plan = "\n".join(
        session.execute(
            text("EXPLAIN SELECT id FROM info_scripts WHERE search_vector @@ to_tsquery('dutch', :q)"),
            {"q": tsquery(["vervoer"])},
        ).scalars()
    )
    assert "ix_info_scripts_search" in plan


def test_the_migration_generates_the_vector_the_search_describes() -> None:
    # The migration spells the expression out (migrations stay static); the index serves the
    # search only while both are the same text.
    path = next(
        (Path(__file__).resolve().parents[2] / "alembic" / "versions").glob("*_0015_info_scripts*.py")
    )
    spec = importlib.util.spec_from_file_location("migration_0015", path)
    assert spec is not None
    assert spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    assert migration.PG_VECTOR == PG_VECTOR
