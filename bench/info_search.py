"""Info-script search benchmark (``make bench-info``): ``GET /api/info-scripts?q=…`` with 5,000
entries stored, on SQLite (FTS5) and PostgreSQL (the 'dutch' tsvector GIN index).

A fresh migrated database gets the playbook's seed and 4,991 generated entries: Dutch questions
and answers of 30 to 120 words drawn from a vocabulary of helpdesk words, so that common words
match hundreds of entries and rare ones a few. The service runs as in production (uvicorn) and
each query is timed over HTTP on 127.0.0.1, 20 times after one untimed round. The target
(issue 23): every query's p95 under 100 ms. Exit code 1 when one is over.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import httpx
from sqlalchemy import insert

from bench.databases import DEFAULT_POSTGRES, fresh_database
from bench.helpdesks import EXAMPLE_CONFIG
from bench.service import start_uvicorn, stop
from database import make_engine, make_sessionmaker
from infoscripts import InfoScript, seed

ENTRIES = 5_000
REPEAT = 20
MAX_P95_MS = 100.0
QUERIES = (
    "vervoer",
    "thuisvaccinatie",
    "afspraak verplaatsen",
    "vaccinatie",
    "parking ingang rolstoel",
    "brief kwijt",
    "zorgverleners uitnodiging",
    "huisarts",
)
_WORDS = """vaccinatie vaccinatiecentrum afspraak afspraken verplaatsen annuleren bevestigen brief
uitnodiging huisarts thuisvaccinatie vervoer belbus pendelbus taxicheque parking ingang rolstoel
wachtrij tweede prik eerste dosis vaccin bijwerkingen allergie zwangerschap mantelzorger
zorgverlener reservelijst vrijwilliger identiteitskaart attest certificaat covidsafe gemeente
helpdesk burger medewerker openingsuren centrum station apotheek ziekenhuis mobiliteit
gezondheid informatie website formulier telefoon nummer adres"""
_FILLER = "de het een en van voor met op naar in bij aan of niet ook nog dan als"
WORDS = _WORDS.split()
FILLER = _FILLER.split()


def entries(count: int, rng: random.Random) -> list[dict[str, object]]:
    now = dt.datetime.now(dt.UTC)
    rows: list[dict[str, object]] = []
    for number in range(count):
        question = " ".join(rng.choice(WORDS + FILLER) for _ in range(rng.randint(4, 12))).capitalize() + "?"
        answer = " ".join(rng.choice(WORDS + FILLER * 2) for _ in range(rng.randint(30, 120))) + "."
        rows.append(
            {
                "question": f"{question} ({number})",
                "answer": answer.capitalize(),
                "tags": ", ".join(rng.sample(WORDS, 2)),
                "helpdesk_id": rng.choice([None, "voorkempen", "kempen-zuid"]),
                "created_at": now,
                "created_by": "bench",
                "updated_at": now,
                "updated_by": "bench",
            }
        )
    return rows


def fill(url: str) -> int:
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine).begin() as session:
            seeded = seed(session, dt.datetime.now(dt.UTC))
            rows = entries(ENTRIES - seeded, random.Random(23))  # noqa: S311 (test data, not secrets)
            session.execute(insert(InfoScript), rows)
        return seeded + len(rows)
    finally:
        engine.dispose()


def measure(database: str, postgres_url: str, workdir: Path) -> list[tuple[str, int, float, float]]:
    with fresh_database(database, workdir / "info.sqlite3", postgres_url) as url:
        stored = fill(url)
        print(f"  {database}: {stored:,} info scripts stored", flush=True)
        token = secrets.token_hex(16)
        env = {
            "DATABASE_URL": url,
            "IVR_CONFIG": str(EXAMPLE_CONFIG),
            "IVR_API_TOKENS": f"supervisor:{token}",
            "IVR_SCHEDULER": "false",
            "IVR_SPOOL_DIR": str(workdir / "spool"),
            "TWILIO_AUTH_TOKEN": secrets.token_hex(16),
        }
        service = start_uvicorn("app:create_app", env, workdir / "info.log", extra_args=("--no-access-log",))
        timings = []
        try:
            with httpx.Client(
                base_url=service.base_url, headers={"Authorization": f"Bearer {token}"}
            ) as client:
                for query in QUERIES:  # once each first: the connection pool, caches, the planner
                    client.get("/api/info-scripts", params={"q": query, "limit": 20}).raise_for_status()
                for query in QUERIES:
                    samples = []
                    found = 0
                    for _ in range(REPEAT):
                        started = time.perf_counter()
                        answer = client.get("/api/info-scripts", params={"q": query, "limit": 20})
                        samples.append((time.perf_counter() - started) * 1000)
                        answer.raise_for_status()
                        found = len(answer.json())
                    samples.sort()
                    p95 = samples[max(0, round(0.95 * len(samples)) - 1)]
                    timings.append((query, found, statistics.median(samples), p95))
        finally:
            stop(service)
        return timings


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.info_search", description=__doc__)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES)
    args = parser.parse_args(argv)
    databases = ("sqlite", "postgresql") if args.database == "both" else (args.database,)
    passed = True
    with tempfile.TemporaryDirectory(prefix="ivr-bench-info-") as folder:
        for database in databases:
            timings = measure(database, args.postgres_url, Path(folder))
            print(f"\n{database}: GET /api/info-scripts?q=… over HTTP, {ENTRIES:,} entries, {REPEAT} each")
            print("  {:<26} {:>7} {:>9} {:>9}".format("query", "results", "median", "p95"))
            for query, found, median, p95 in timings:
                flag = "" if p95 < MAX_P95_MS else f"  over {MAX_P95_MS:.0f} ms"
                passed &= p95 < MAX_P95_MS
                print(f"  {query:<26} {found:>7} {median:>7.1f}ms {p95:>7.1f}ms{flag}")
    print("\nall queries under 100 ms (p95)" if passed else "\nsome queries over 100 ms (p95)")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
