"""The deployment files: a Dockerfile hadolint finds nothing in, and a compose set-up that runs as is.

docker-compose.yml is read as data: the database, the one-shot migrations, two instances that wait
for them, the config mounted read-only, one spool volume per instance, and secrets from a ``.env``
that is never committed but whose variables ``.env.example`` lists.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml
from fastapi.routing import APIRoute
from sqlalchemy.engine import make_url

from api.ops import router as ops_router
from config.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "Dockerfile"
COMPOSE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
APPS = ("app1", "app2")
# Inside the container, all interfaces: docker publishes the port.
SERVE = ["uvicorn", "app:create_app", "--factory", "--host", "0.0.0.0", "--port", "8000", "--proxy-headers"]  # noqa: S104
# uvicorn reads it itself: the addresses whose X-Forwarded-* headers --proxy-headers trusts.
UVICORN_VARIABLES = {"FORWARDED_ALLOW_IPS"}
INTERPOLATION = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)[^}]*\}")


def hadolint(dockerfile: Path) -> tuple[int, list[tuple[int, str]]]:
    """Exit code and (line, rule) of every finding; the binary comes from the lock (dev extra)."""
    beside_python = Path(sys.executable).parent / "hadolint"
    binary = str(beside_python) if beside_python.exists() else shutil.which("hadolint")
    assert binary is not None, "hadolint is not installed: make setup installs it from requirements.lock"
    result = subprocess.run(
        [binary, "--no-color", "--failure-threshold", "info", "--format", "json", str(dockerfile)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        timeout=60,
    )
    assert result.stderr == ""
    return result.returncode, [(finding["line"], finding["code"]) for finding in json.loads(result.stdout)]


def final_stage() -> list[tuple[str, str]]:
    """The instructions of the image's last stage, continuation lines joined, comments left out."""
    instructions: list[tuple[str, str]] = []
    for line in DOCKERFILE.read_text().replace("\\\n", " ").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            keyword, _, arguments = line.strip().partition(" ")
            if keyword.upper() == "FROM":
                instructions = []
            instructions.append((keyword.upper(), " ".join(arguments.split())))
    return instructions


def arguments_of(keyword: str) -> list[str]:
    return [arguments for name, arguments in final_stage() if name == keyword]


def image_environment() -> dict[str, str]:
    environment: dict[str, str] = {}
    for arguments in arguments_of("ENV"):
        for item in shlex.split(arguments):
            name, _, value = item.partition("=")
            environment[name] = value
    return environment


def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return document


def service(name: str) -> dict[str, Any]:
    definition: dict[str, Any] = compose()["services"][name]
    return definition


def mounts(name: str) -> list[tuple[str, str, str]]:
    """(source, target, mode) of a service's volumes, written ``source:target[:mode]``."""
    parsed = []
    for volume in service(name).get("volumes", []):
        source, target, *mode = volume.split(":")
        parsed.append((source, target, mode[0] if mode else "rw"))
    return parsed


def env_example() -> tuple[dict[str, str], set[str]]:
    """The variables ``.env.example`` sets, and the optional ones it shows commented out."""
    values: dict[str, str] = {}
    optional: set[str] = set()
    for line in ENV_EXAMPLE.read_text().splitlines():
        if match := re.fullmatch(r"([A-Z][A-Z0-9_]*)=(.*)", line):
            assert match[1] not in values, f"{match[1]} is set twice"
            values[match[1]] = match[2]
        elif match := re.fullmatch(r"# ([A-Z][A-Z0-9_]*)=.*", line):
            optional.add(match[1])
    return values, optional


def git_ignores(path: str) -> bool:
    git = shutil.which("git")
    assert git is not None
    result = subprocess.run([git, "check-ignore", "-q", path], cwd=ROOT, check=False, timeout=30)
    assert result.returncode in (0, 1)
    return result.returncode == 0


def test_hadolint_finds_nothing_in_the_dockerfile() -> None:
    assert hadolint(DOCKERFILE) == (0, [])


def test_hadolint_reports_a_user_name_and_unpinned_packages(tmp_path: Path) -> None:
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y curl\nUSER ivr\n")

    assert hadolint(bad) == (1, [(2, "DL3008"), (2, "DL3009"), (2, "DL3015"), (3, "DL3066")])


def test_image_runs_as_a_numeric_user_that_owns_var() -> None:
    runs = " && ".join(arguments_of("RUN"))

    assert arguments_of("USER") == ["10001:10001"]
    assert "useradd --system --uid 10001 --gid 10001 " in runs
    assert "chown -R 10001:10001 /app/var" in runs


def test_image_serves_the_app_factory_behind_a_proxy_and_checks_health() -> None:
    (healthcheck,) = arguments_of("HEALTHCHECK")
    urls = re.findall(r"https?://[^'\"\s]+", healthcheck)
    paths = {route.path for route in ops_router.routes if isinstance(route, APIRoute)}

    assert [json.loads(command) for command in arguments_of("CMD")] == [SERVE]
    assert arguments_of("EXPOSE") == ["8000"]
    assert urls == ["http://127.0.0.1:8000/health"]
    assert "/health" in paths


def test_image_reads_time_zones_from_the_locked_tzdata_package() -> None:
    probe = (
        "import json, zoneinfo, datetime as dt, tzdata\n"
        "zone = zoneinfo.ZoneInfo('Europe/Brussels')\n"
        "offsets = [dt.datetime(2026, month, 15, 12, tzinfo=zone).strftime('%z') for month in (1, 7)]\n"
        "print(json.dumps([list(zoneinfo.TZPATH), offsets, tzdata.__version__]))\n"
    )
    environment = {**os.environ, "PYTHONTZPATH": image_environment()["PYTHONTZPATH"]}
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=environment, check=True, timeout=60
    )
    locked = re.search(r"^tzdata==(\S+)", (ROOT / "requirements.lock").read_text(), re.MULTILINE)
    assert locked is not None

    # No system zoneinfo folder is searched: the image works whatever its Debian release ships.
    assert json.loads(result.stdout) == [[], ["+0100", "+0200"], locked[1]]


def test_dockerignore_keeps_secrets_and_local_state_out_of_the_image() -> None:
    entries = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()}

    assert {".env", ".venv", "var", ".git"} - entries == set()


def test_compose_runs_the_database_the_migrations_and_two_instances() -> None:
    assert set(compose()["services"]) == {"db", "migrate", *APPS}


def test_migrations_run_once_and_the_instances_wait_for_them() -> None:
    migrate = service("migrate")
    healthy_db = {"db": {"condition": "service_healthy"}}

    assert (migrate["command"], migrate["restart"], migrate["depends_on"]) == (
        ["ivr", "db", "upgrade"],
        "no",
        healthy_db,
    )
    assert [service(app)["depends_on"] for app in APPS] == [
        {**healthy_db, "migrate": {"condition": "service_completed_successfully"}}
    ] * len(APPS)
    # One image, built from this repository, for the migrations and the instances.
    assert {(service(name)["build"], service(name)["image"]) for name in ("migrate", *APPS)} == {
        (".", "vaccination-helpdesk-ivr")
    }


def test_instances_serve_with_the_image_command_on_their_own_ports() -> None:
    assert [("command" in service(app), service(app)["ports"]) for app in APPS] == [
        (False, ["8001:8000"]),
        (False, ["8002:8000"]),
    ]
    assert SERVE[SERVE.index("--port") + 1] == "8000"


def test_database_is_postgres_on_a_named_volume_with_a_readiness_check() -> None:
    db = service("db")

    assert db["image"] == "postgres:15"
    assert db["healthcheck"]["test"] == ["CMD", "pg_isready", "-U", "ivr", "-d", "ivr"]
    assert mounts("db") == [("db-data", "/var/lib/postgresql/data", "rw")]
    assert "db-data" in compose()["volumes"]
    assert "ports" not in db


def test_migrations_and_instances_reach_the_database_with_the_project_driver() -> None:
    db = service("db")["environment"]
    urls = {
        INTERPOLATION.sub("secret", service(name)["environment"]["DATABASE_URL"])
        for name in ("migrate", *APPS)
    }
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())

    assert len(urls) == 1
    url = make_url(urls.pop())
    assert (url.drivername, url.username, url.password, url.host, url.port, url.database) == (
        "postgresql+psycopg",
        db["POSTGRES_USER"],
        "secret",
        "db",
        5432,
        db["POSTGRES_DB"],
    )
    assert "psycopg[binary]==3.3.9" in pyproject["project"]["dependencies"]


@pytest.mark.parametrize("app", APPS)
def test_config_is_mounted_read_only_where_ivr_config_points(app: str) -> None:
    config = PurePosixPath(service(app)["environment"]["IVR_CONFIG"])
    (mount,) = [
        (source, target, mode) for source, target, mode in mounts(app) if target == str(config.parent)
    ]

    assert (mount, config.name) == (("./config", "/etc/ivr", "ro"), "helpdesk.yaml")
    assert (ROOT / mount[0] / config.name).is_file()


def test_each_instance_has_a_spool_volume_of_its_own_owned_by_the_service_user() -> None:
    spools = {
        app: [(source, mode) for source, target, mode in mounts(app) if target == "/app/var/spool"]
        for app in APPS
    }

    assert spools == {"app1": [("app1-spool", "rw")], "app2": [("app2-spool", "rw")]}
    assert {service(app)["environment"]["IVR_SPOOL_DIR"] for app in APPS} == {"/app/var/spool"}
    assert {"app1-spool", "app2-spool"} <= set(compose()["volumes"])
    # A new named volume copies the owner of the folder it is mounted on from the image.
    assert "mkdir -p /app/var/spool" in " && ".join(arguments_of("RUN"))


def test_every_host_path_exists_and_the_secrets_file_is_never_committed() -> None:
    paths: set[str] = set()
    for name, definition in compose()["services"].items():
        build = definition.get("build")
        if build is not None:
            paths.add(build if isinstance(build, str) else build["context"])
        env_files = definition.get("env_file", [])
        paths.update([env_files] if isinstance(env_files, str) else env_files)
        paths.update(source for source, _target, _mode in mounts(name) if source.startswith((".", "/")))

    assert paths == {".", ".env", "./config"}
    assert [path for path in paths - {".env"} if not (ROOT / path).exists()] == []
    assert (git_ignores(".env"), git_ignores(".env.example"), ENV_EXAMPLE.is_file()) == (True, False, True)


def test_env_example_lists_what_compose_interpolates_and_the_service_reads() -> None:
    values, optional = env_example()
    interpolated = set(INTERPOLATION.findall(COMPOSE.read_text()))
    set_by_compose = {name for app in APPS for name in service(app)["environment"]}
    # A variable of earlier versions that the settings refuse with what to do instead.
    removed = {"IVR_WRITE_INTERVAL_MS"}
    read = {name.upper() for name in Settings.model_fields} - removed | UVICORN_VARIABLES

    assert interpolated == {"POSTGRES_PASSWORD"}
    assert interpolated - set(values) == set()
    assert read - set(values) - optional - set_by_compose == set()
    # A value in .env that compose sets as well would be silently overridden.
    assert set(values) & set_by_compose == set()
    assert (set(values) | optional) - read - interpolated == set()


def test_env_example_values_are_accepted_by_the_settings() -> None:
    values, _optional = env_example()
    fields = {name.lower(): value for name, value in values.items() if name.lower() in Settings.model_fields}

    settings = Settings.model_validate(fields)

    assert (settings.public_base_url, [role for role, _token in settings.ivr_api_tokens.tokens]) == (
        "https://ivr.example.be",
        ["supervisor", "ops"],
    )


def test_docker_compose_accepts_the_file(tmp_path: Path) -> None:
    docker = shutil.which("docker")
    version = (
        subprocess.run([docker, "compose", "version"], capture_output=True, check=False, timeout=30)
        if docker is not None
        else None
    )
    if docker is None or version is None or version.returncode != 0:
        pytest.skip("the docker compose client is not installed; the file is checked as data above")
    # The client alone, no engine: a copy with .env made from the example and the config folder.
    shutil.copy(COMPOSE, tmp_path / COMPOSE.name)
    shutil.copy(ENV_EXAMPLE, tmp_path / ".env")
    (tmp_path / "config").symlink_to(ROOT / "config")

    result = subprocess.run(
        [docker, "compose", "config", "--quiet"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
        timeout=60,
    )

    assert (result.returncode, result.stderr) == (0, "")
