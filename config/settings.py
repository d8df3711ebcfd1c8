"""Deployment settings from the environment (PRODUCT.md "Interfaces"); read once by the app factory."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Final, Literal, get_args
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field, GetCoreSchemaHandler, SecretStr
from pydantic_core import CoreSchema, core_schema
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

Role = Literal["supervisor", "ops"]
ROLES: Final[tuple[Role, ...]] = get_args(Role)
MIN_TOKEN_LENGTH: Final = 16


@dataclass(frozen=True)
class ApiTokens:
    """Bearer tokens of the supervisor API, each with its role; written ``role:token,role:token``.

    A role may hold several tokens, so a token can be replaced without downtime.
    """

    tokens: tuple[tuple[Role, SecretStr], ...] = ()

    @classmethod
    def parse(cls, text: str) -> ApiTokens:
        """Parse ``IVR_API_TOKENS``; ``ValueError`` names the entry by position, never the secret."""
        tokens: list[tuple[Role, SecretStr]] = []
        seen: set[str] = set()
        roles = " and ".join(ROLES)
        for number, item in enumerate(text.split(","), start=1):
            entry = item.strip()
            if not entry:
                continue  # tolerate a trailing comma
            role, colon, token = entry.partition(":")
            role, token = role.strip(), token.strip()
            if not colon:
                raise ValueError(f'entry {number} is not written as "role:token"')
            if role not in ROLES:
                raise ValueError(f'entry {number} has unknown role "{role}"; roles are {roles}')
            if not token:
                raise ValueError(f"entry {number} ({role}) has an empty token")
            if len(token) < MIN_TOKEN_LENGTH:
                raise ValueError(
                    f"entry {number} ({role}) has a token shorter than {MIN_TOKEN_LENGTH} characters"
                )
            if token in seen:
                raise ValueError(
                    f"entry {number} ({role}) repeats a token given before; each token has one role"
                )
            seen.add(token)
            tokens.append((_role(role), SecretStr(token)))
        return cls(tuple(tokens))

    def role_of(self, token: str) -> Role | None:
        """The role of a presented bearer token, or ``None``.

        Every configured token is compared, in constant time, so the response time does not tell
        an attacker how much of a token was right or which entry it came close to.
        """
        presented = token.encode()
        found: Role | None = None
        for role, secret in self.tokens:
            if hmac.compare_digest(presented, secret.get_secret_value().encode()):
                found = role
        return found

    def __bool__(self) -> bool:
        return bool(self.tokens)

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_plain_validator_function(
            cls._validate,
            json_schema_input_schema=core_schema.str_schema(),
            serialization=core_schema.plain_serializer_function_ser_schema(cls._masked),
        )

    @classmethod
    def _validate(cls, value: object) -> ApiTokens:
        if isinstance(value, ApiTokens):
            return value
        if isinstance(value, str):
            return cls.parse(value)
        raise ValueError('must be text like "supervisor:token,ops:token"')

    def _masked(self) -> str:
        return ",".join(f"{role}:**********" for role, _secret in self.tokens)


def _role(name: str) -> Role:
    for role in ROLES:
        if role == name:
            return role
    raise ValueError(name)


def _base_url(value: str) -> str:
    # Twilio signs the exact URL it calls, so the base must be plain: scheme, host, optional path.
    parts = urlsplit(value.strip())
    problem = f'"{value}" is not a base URL like "https://ivr.example.be"'
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ValueError(problem)
    try:
        parts.port  # noqa: B018  # raises for a port that is not a number
    except ValueError as exc:
        raise ValueError(problem) from exc
    return value.strip().rstrip("/")


BaseUrl = Annotated[str, AfterValidator(_base_url)]


def _removed_write_interval(value: str | None) -> None:
    if value is not None:
        raise ValueError(
            "IVR_WRITE_INTERVAL_MS is no longer used: webhooks answer once their writes are committed. "
            "Remove it; IVR_GROUP_COMMIT=false makes each webhook commit its own transaction (the "
            "effect of IVR_WRITE_INTERVAL_MS=0)"
        )
    return None


class Settings(BaseSettings):
    """Environment of one deployment; names are case-insensitive, unknown variables ignored."""

    model_config = SettingsConfigDict(
        env_prefix="",
        case_sensitive=False,
        extra="ignore",
        frozen=True,
        env_ignore_empty=True,  # TWILIO_AUTH_TOKEN= in a compose file means "not set"
        hide_input_in_errors=True,  # a refused IVR_API_TOKENS must not print its tokens at start-up
    )

    database_url: str = "sqlite:///var/ivr.sqlite3"
    ivr_config: Path = Path("config/helpdesk.yaml")
    twilio_auth_token: SecretStr | None = None
    twilio_account_sid: str | None = None
    public_base_url: BaseUrl = "http://localhost:8000"
    ivr_api_tokens: Annotated[ApiTokens, NoDecode] = ApiTokens()
    # The once-a-minute jobs (staffing watch, reaper, Twilio queue sizes); off in tests and dry runs.
    ivr_scheduler: bool = True
    # Where webhooks keep their writes while the database is unreachable, until it is back.
    ivr_spool_dir: Path = Path("var/spool")
    # Seconds between the scheduler's attempts (each job still runs once per minute in all).
    ivr_scheduler_interval: int = Field(60, ge=1, le=60)
    # Whether one writer per worker commits the webhooks' writes together (group commit: whatever
    # came in during the previous commit, in one transaction); off, each webhook commits its own.
    # Either way a webhook answers only once its writes are committed (or spooled).
    ivr_group_commit: bool = True
    # Replaced by IVR_GROUP_COMMIT; refused with a clear message rather than silently ignored.
    ivr_write_interval_ms: Annotated[str | None, AfterValidator(_removed_write_interval)] = None
    # Key of the keyed hash that stores caller numbers (repeat callers stay countable without the
    # number). Set it in production and keep it: without it a key is derived from the Twilio token.
    ivr_caller_hash_key: SecretStr | None = None
    # Shared secret that signs the announcements of new escalations to notify.webhook_url.
    ivr_notify_secret: SecretStr | None = None
