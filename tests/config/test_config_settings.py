"""Deployment settings read from the environment (PRODUCT.md "Interfaces")."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from config import Settings
from config.settings import ApiTokens

ENV_NAMES = (
    "DATABASE_URL",
    "IVR_CONFIG",
    "TWILIO_AUTH_TOKEN",
    "TWILIO_ACCOUNT_SID",
    "PUBLIC_BASE_URL",
    "IVR_API_TOKENS",
    "IVR_SPOOL_DIR",
)
SUPERVISOR_TOKEN = "s3cr3t-supervisor-0001"
OPS_TOKEN = "s3cr3t-ops-000000000001"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


def test_defaults() -> None:
    settings = Settings()
    assert settings.database_url == "sqlite:///var/ivr.sqlite3"
    assert settings.ivr_config == Path("config/helpdesk.yaml")
    assert settings.twilio_auth_token is None
    assert settings.twilio_account_sid is None
    assert settings.public_base_url == "http://localhost:8000"
    assert settings.ivr_api_tokens == ApiTokens(())
    assert settings.ivr_api_tokens.role_of(SUPERVISOR_TOKEN) is None
    assert settings.ivr_spool_dir == Path("var/spool")


def test_every_setting_comes_from_its_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://ivr@db/ivr")
    monkeypatch.setenv("IVR_CONFIG", "/etc/ivr/helpdesk.yaml")
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "0123456789abcdef0123456789abcdef")
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", "AC0123456789abcdef0123456789abcdef")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://ivr.example.be/")
    monkeypatch.setenv("IVR_API_TOKENS", f"supervisor:{SUPERVISOR_TOKEN},ops:{OPS_TOKEN}")

    settings = Settings()

    assert settings.database_url == "postgresql+psycopg://ivr@db/ivr"
    assert settings.ivr_config == Path("/etc/ivr/helpdesk.yaml")
    assert settings.twilio_auth_token is not None
    assert settings.twilio_auth_token.get_secret_value() == "0123456789abcdef0123456789abcdef"
    assert settings.twilio_account_sid == "AC0123456789abcdef0123456789abcdef"
    assert settings.public_base_url == "https://ivr.example.be"
    assert settings.ivr_api_tokens.role_of(SUPERVISOR_TOKEN) == "supervisor"
    assert settings.ivr_api_tokens.role_of(OPS_TOKEN) == "ops"


def test_names_are_case_insensitive(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("public_base_url", "https://ivr.example.be")
    assert Settings().public_base_url == "https://ivr.example.be"


def test_empty_variables_count_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "")
    monkeypatch.setenv("PUBLIC_BASE_URL", "")
    settings = Settings()
    assert (settings.twilio_auth_token, settings.public_base_url) == (None, "http://localhost:8000")


def test_secrets_stay_out_of_the_representation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "0123456789abcdef0123456789abcdef")
    monkeypatch.setenv("IVR_API_TOKENS", f"supervisor:{SUPERVISOR_TOKEN}")
    settings = Settings()
    shown = repr(settings) + str(settings.model_dump())
    assert "0123456789abcdef" not in shown
    assert SUPERVISOR_TOKEN not in shown
    assert settings.model_dump(mode="json")["ivr_api_tokens"] == "supervisor:**********"


def test_settings_are_frozen() -> None:
    settings = Settings()
    with pytest.raises(ValidationError):
        settings.database_url = "sqlite://"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("http://localhost:8000", "http://localhost:8000", id="plain"),
        pytest.param("https://ivr.example.be/", "https://ivr.example.be", id="trailing-slash"),
        pytest.param("https://example.be/ivr/", "https://example.be/ivr", id="with-path"),
        pytest.param(" https://ivr.example.be ", "https://ivr.example.be", id="surrounding-spaces"),
    ],
)
def test_public_base_url_is_kept_without_trailing_slash(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: str
) -> None:
    monkeypatch.setenv("PUBLIC_BASE_URL", value)
    assert Settings().public_base_url == expected


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("ftp://ivr.example.be", id="not-http"),
        pytest.param("ivr.example.be", id="no-scheme"),
        pytest.param("https://", id="no-host"),
        pytest.param("https://ivr.example.be/?tenant=1", id="query"),
        pytest.param("https://ivr.example.be/#top", id="fragment"),
        pytest.param("https://ivr.example.be:web", id="bad-port"),
    ],
)
def test_public_base_url_refuses_anything_but_a_plain_http_base(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("PUBLIC_BASE_URL", value)
    with pytest.raises(ValidationError) as caught:
        Settings()
    [error] = caught.value.errors()
    assert (error["loc"], error["msg"]) == (
        ("public_base_url",),
        f'Value error, "{value.strip()}" is not a base URL like "https://ivr.example.be"',
    )


def test_api_tokens_allow_several_tokens_per_role() -> None:
    second = "s3cr3t-supervisor-0002"
    tokens = ApiTokens.parse(f" supervisor : {SUPERVISOR_TOKEN} , supervisor:{second},ops:{OPS_TOKEN},")
    assert [role for role, _secret in tokens.tokens] == ["supervisor", "supervisor", "ops"]
    assert tokens.role_of(second) == "supervisor"
    assert tokens.role_of(OPS_TOKEN) == "ops"


@pytest.mark.parametrize(
    "presented",
    [
        pytest.param("", id="empty"),
        pytest.param(SUPERVISOR_TOKEN[:-1], id="prefix"),
        pytest.param(SUPERVISOR_TOKEN + "x", id="longer"),
        pytest.param(SUPERVISOR_TOKEN.upper(), id="other-case"),
        pytest.param("sécret-supervisor-0001", id="non-ascii"),
    ],
)
def test_api_tokens_know_no_role_for_a_wrong_token(presented: str) -> None:
    assert ApiTokens.parse(f"supervisor:{SUPERVISOR_TOKEN}").role_of(presented) is None


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param(
            f"admin:{SUPERVISOR_TOKEN}",
            'entry 1 has unknown role "admin"; roles are supervisor and ops',
            id="unknown-role",
        ),
        pytest.param(
            f"supervisor:{SUPERVISOR_TOKEN},ops:",
            "entry 2 (ops) has an empty token",
            id="empty-token",
        ),
        pytest.param(
            "ops:short-token",
            "entry 1 (ops) has a token shorter than 16 characters",
            id="short-token",
        ),
        pytest.param(
            SUPERVISOR_TOKEN,
            'entry 1 is not written as "role:token"',
            id="no-role",
        ),
        pytest.param(
            f"supervisor:{SUPERVISOR_TOKEN},ops:{SUPERVISOR_TOKEN}",
            "entry 2 (ops) repeats a token given before; each token has one role",
            id="same-token-twice",
        ),
    ],
)
def test_api_tokens_refuse_bad_entries_without_showing_the_token(
    monkeypatch: pytest.MonkeyPatch, value: str, message: str
) -> None:
    monkeypatch.setenv("IVR_API_TOKENS", value)
    with pytest.raises(ValidationError) as caught:
        Settings()
    [error] = caught.value.errors()
    assert (error["loc"], error["msg"]) == (("ivr_api_tokens",), f"Value error, {message}")
    assert SUPERVISOR_TOKEN not in str(caught.value)
