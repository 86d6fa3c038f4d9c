"""Settings read from the environment (prefix ``ESCALERA_``); no global instance."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, IPvAnyNetwork, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from escalera.analytics.confidentiality import MIN_ALLOWED_GROUP_SIZE, MIN_GROUP_SIZE
from escalera.errors import ConfigError
from escalera.i18n import _

DEFAULT_SQLITE_FILE = "escalera.db"
DEV_SECRET = "development-only-secret-change-me"
SECRET_MIN_LENGTH = 32
SECRET_MIN_DISTINCT = 8
SECRET_MIN_BITS_PER_CHAR = 2.9  # Shannon estimate; a random hex string of 32 has about 3.6
SECRET_SETTINGS = frozenset({"secret_key"})
"""Settings whose values are never echoed in an error."""


class Settings(BaseSettings):
    """Runtime settings. Build one with ``Settings()`` at the edge and pass it down."""

    # A ValidationError never prints a value: the secret key must not reach a log.
    model_config = SettingsConfigDict(env_prefix="ESCALERA_", extra="ignore",
                                      hide_input_in_errors=True)

    database_url: str = Field(
        default="",
        description="SQLAlchemy URL; empty means an SQLite file escalera.db in the working dir.",
    )
    catalog_path: Path | None = Field(
        default=None, description="A catalog directory or YAML file replacing the default one."
    )
    stale_after_days: int = Field(
        default=730, ge=1,
        description="Evidence older than this many days counts as not assessed.",
    )
    dispute_window_days: int = Field(
        default=30, ge=0,
        description="Days after an assessment becomes final during which the firm may "
        "dispute it.",
    )
    lang: str = Field(default="es", pattern="^(es|en)$", description="Interface language.")
    min_group_size: int = Field(
        default=MIN_GROUP_SIZE,
        description="Peer groups of fewer firms are never shown (benchmarks, trends, ladder "
        "statistics); at least 3.",
    )

    env: str = Field(default="development", pattern="^(development|production)$",
                     description="development or production; production refuses a weak "
                     "secret key, sends cookies over HTTPS only, keeps the API docs behind "
                     "sign-in, and escalera demo refuses to run there.")
    secret_key: str = Field(default=DEV_SECRET, min_length=16,
                            description="Signs session cookies; outside development at least "
                            "32 random characters (secret_weakness).")
    login_attempts: int = Field(default=5, ge=1, description="Failed logins allowed per "
                                "user and address in 15 minutes before refusing.")
    trusted_proxies: Annotated[list[IPvAnyNetwork], NoDecode] = Field(
        default_factory=list, description="Reverse proxies whose X-Forwarded-For or "
        "Forwarded header names the client (addresses or networks, comma-separated); from "
        "any other peer those headers are ignored.")
    single_person_review: bool = Field(
        default=False, description="A one-person agency: whoever recorded an assessment may "
        "also review and finalise it and resolve its disputes; each such step is recorded "
        "as taken by the same person.")
    public_api_docs: bool = Field(
        default=False, description="In production, /api/docs and /openapi.json are shown "
        "without signing in (always shown in development).")

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _proxies(cls, value: Any) -> Any:
        return [part.strip() for part in value.split(",") if part.strip()] \
            if isinstance(value, str) else value

    @field_validator("secret_key")
    @classmethod
    def _secret(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("env", "development") == "development":
            return value
        if value == DEV_SECRET:
            raise ValueError(_("the default secret key may only be used in development; set "
                               "ESCALERA_SECRET_KEY to a long random value"))
        weakness = secret_weakness(value)
        if weakness:
            raise ValueError(weakness)
        return value

    @field_validator("min_group_size")
    @classmethod
    def _confidential(cls, value: int) -> int:
        if value < MIN_ALLOWED_GROUP_SIZE:
            raise ValueError(_("must be at least {minimum}: smaller groups would identify "
                               "the firms in them").format(minimum=MIN_ALLOWED_GROUP_SIZE))
        return value

    def resolved_database_url(self) -> str:
        """The database URL in use: the configured one or the default SQLite file."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{Path.cwd() / DEFAULT_SQLITE_FILE}"


def secret_weakness(value: str) -> str:
    """Why ``value`` is too weak to sign sessions in production ("" when it is not): at least
    32 characters, 8 of them different, an estimated 2.9 bits of Shannon entropy per
    character, and not a shorter piece repeated. ``python -c "import secrets;
    print(secrets.token_urlsafe(32))"`` makes a good one."""
    advice = _("set ESCALERA_SECRET_KEY to a long random value, e.g. the output of python -c "
               "\"import secrets; print(secrets.token_urlsafe(32))\"")
    if len(value) < SECRET_MIN_LENGTH:
        return _("the secret key has {length} characters; production needs at least "
                 "{minimum}: {advice}").format(length=len(value), minimum=SECRET_MIN_LENGTH,
                                                advice=advice)
    counts = Counter(value)
    bits = -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())
    repeated = value in (value + value)[1:-1]  # a shorter piece repeated
    if len(counts) < SECRET_MIN_DISTINCT or bits < SECRET_MIN_BITS_PER_CHAR or repeated:
        return _("the secret key is not random enough (too few different characters, or a "
                 "piece repeated): {advice}").format(advice=advice)
    return ""


def load_settings() -> Settings:
    """Settings from the environment; a bad ``ESCALERA_*`` value is one ConfigError line
    naming the variable, its value (never a secret's) and the reason."""
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else ""
        name = "ESCALERA_" + field.upper() if field else "ESCALERA_*"
        value = "***" if field in SECRET_SETTINGS else repr(first.get("input"))
        reason = str(first["msg"]).removeprefix("Value error, ")
        raise ConfigError(_("{variable}={value}: {reason}").format(
            variable=name, value=value, reason=reason)) from None
