"""Settings read from the environment (prefix ``ESCALERA_``); no global instance."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from escalera.analytics.confidentiality import MIN_ALLOWED_GROUP_SIZE, MIN_GROUP_SIZE
from escalera.errors import ConfigError
from escalera.i18n import _

DEFAULT_SQLITE_FILE = "escalera.db"
DEV_SECRET = "development-only-secret-change-me"


class Settings(BaseSettings):
    """Runtime settings. Build one with ``Settings()`` at the edge and pass it down."""

    model_config = SettingsConfigDict(env_prefix="ESCALERA_", extra="ignore")

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
                     description="development or production; production refuses the default "
                     "secret key and sends cookies over HTTPS only.")
    secret_key: str = Field(default=DEV_SECRET, min_length=16,
                            description="Signs session cookies; set a long random value "
                            "outside development.")
    login_attempts: int = Field(default=5, ge=1, description="Failed logins allowed per "
                                "user and address in 15 minutes before refusing.")

    @field_validator("secret_key")
    @classmethod
    def _secret(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("env", "development") != "development" and value == DEV_SECRET:
            raise ValueError(_("the default secret key may only be used in development; set "
                               "ESCALERA_SECRET_KEY to a long random value"))
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


def load_settings() -> Settings:
    """Settings from the environment; a bad ``ESCALERA_*`` value is one ConfigError line
    naming the variable, its value and the reason."""
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "ESCALERA_" + str(first["loc"][0]).upper() if first["loc"] else "ESCALERA_*"
        raise ConfigError(_("{variable}={value!r}: {reason}").format(
            variable=name, value=first.get("input"), reason=first["msg"])) from None
