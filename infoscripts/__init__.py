"""Info scripts for agents (playbook 1.3.1, 1.3.2.2): the questions citizens ask and the answer
to give, searchable in Dutch with the database's own full-text engine, seeded from the playbook's
own questions and extended by ops and team leaders, also from answered escalations."""

from infoscripts.entries import (
    LIST_LIMIT,
    MAX_ANSWER,
    MAX_QUESTION,
    MAX_TAG,
    MAX_TAGS,
    Draft,
    Entry,
    Found,
    InfoScriptError,
    Source,
    UnknownInfoScriptError,
    add_entry,
    change_entry,
    delete_entry,
    entries,
    entry,
    search,
    split_tags,
)
from infoscripts.search import query_words
from infoscripts.seed import SEED_FILE, SEEDED_BY, SeedEntry, seed, seed_entries
from infoscripts.tables import SEARCH_SCHEMA, InfoScript, modelled

__all__ = [
    "LIST_LIMIT",
    "MAX_ANSWER",
    "MAX_QUESTION",
    "MAX_TAG",
    "MAX_TAGS",
    "SEARCH_SCHEMA",
    "SEEDED_BY",
    "SEED_FILE",
    "Draft",
    "Entry",
    "Found",
    "InfoScript",
    "InfoScriptError",
    "SeedEntry",
    "Source",
    "UnknownInfoScriptError",
    "add_entry",
    "change_entry",
    "delete_entry",
    "entries",
    "entry",
    "modelled",
    "query_words",
    "search",
    "seed",
    "seed_entries",
    "split_tags",
]
