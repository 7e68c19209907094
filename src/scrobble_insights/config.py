"""One typed Settings object from the environment, `.env` and `scrobble-insights.toml`.

Precedence (highest first): command-line options, environment variables, `.env`, the TOML file,
defaults. The API key is a SecretStr: its repr and str are masked, and `redact` scrubs it from any
text we print or log.
"""

from __future__ import annotations

import json
import logging
import os
import re
from datetime import date
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values
from pydantic import AliasChoices, BaseModel, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from scrobble_insights.errors import ConfigError

OFFICIAL_API_URL = "https://ws.audioscrobbler.com/2.0/"
MUSICBRAINZ_API_URL = "https://musicbrainz.org/ws/2/"
CONFIG_FILE = "scrobble-insights.toml"
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,61}[a-z0-9]$")     # GCS bucket names (3-63 characters)


def parse_gs_url(url: str) -> tuple[str, str]:
    """gs://bucket[/prefix] -> (bucket, prefix without slashes at either end)."""
    bucket, _, prefix = url.removeprefix("gs://").partition("/")
    return bucket, prefix.strip("/")


def _check_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r}: use an IANA name such as Europe/London") from None
    return name


class Move(BaseModel):
    """From `since` (00:00 UTC of that day) on, the user lives in time zone `tz`."""

    since: date
    tz: str

    _zone = field_validator("tz")(_check_zone)


class UserProfile(BaseModel):
    """One listener: `[[users]]` in scrobble-insights.toml (a plain name is enough)."""

    name: str
    timezone: str | None = None               # None: SCROBBLE_INSIGHTS_TIMEZONE, else the machine's
    hemisphere: Literal["north", "south"] = "north"
    moves: list[Move] = Field(default_factory=list)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        return None if value is None else _check_zone(value)


class Settings(BaseSettings):
    """Every setting, with its environment variable in the description."""

    model_config = SettingsConfigDict(
        env_prefix="SCROBBLE_INSIGHTS_",
        env_file=".env",
        env_file_encoding="utf-8",
        toml_file=CONFIG_FILE,
        extra="ignore",
        populate_by_name=True,
    )

    lastfm_api_key: SecretStr | None = Field(
        None, validation_alias=AliasChoices("LASTFM_API_KEY", "lastfm_api_key"),
        description="LASTFM_API_KEY: your last.fm API key (https://www.last.fm/api/account/create)")
    lastfm_api_url: str = Field(
        OFFICIAL_API_URL, validation_alias=AliasChoices("LASTFM_API_URL", "lastfm_api_url"),
        description="LASTFM_API_URL: the API endpoint (the simulator's URL for the demo and tests)")
    data_dir: Path = Field(Path("scrobble-data"),
                           description="SCROBBLE_INSIGHTS_DATA_DIR: bronze files, state and warehouse")
    bronze_url: str = Field("", description="SCROBBLE_INSIGHTS_BRONZE_URL: where bronze lives: a directory, "
                                            "or gs://bucket/prefix (default: <data_dir>/bronze)")
    users: Annotated[list[UserProfile], NoDecode] = Field(
        default_factory=list,
        description="SCROBBLE_INSIGHTS_USERS: default users, a JSON list of names (or names separated by "
                    "commas); in the TOML file [[users]] tables with name, timezone, hemisphere and moves")
    timezone: str | None = Field(None, description="SCROBBLE_INSIGHTS_TIMEZONE: default IANA time zone of "
                                                   "users (default: this machine's)")
    rate_limit: float = Field(5.0, gt=0, le=1000, allow_inf_nan=False,
                              description="SCROBBLE_INSIGHTS_RATE_LIMIT: requests per second (up to 1000)")
    max_concurrency: int = Field(16, ge=1, le=64,
                                 description="SCROBBLE_INSIGHTS_MAX_CONCURRENCY: requests in flight at most "
                                             "(the client keeps rate x latency in flight, up to this)")
    request_timeout_s: float = Field(30.0, gt=0, le=600, allow_inf_nan=False,
                                     description="SCROBBLE_INSIGHTS_REQUEST_TIMEOUT_S")
    max_attempts: int = Field(8, ge=1, le=100, description="SCROBBLE_INSIGHTS_MAX_ATTEMPTS: tries per request")
    retry_backoff_s: float = Field(1.0, ge=0, le=600, allow_inf_nan=False,
                                   description="SCROBBLE_INSIGHTS_RETRY_BACKOFF_S: first backoff")
    retry_backoff_max_s: float = Field(60.0, ge=0, le=3600, allow_inf_nan=False,
                                       description="SCROBBLE_INSIGHTS_RETRY_BACKOFF_MAX_S")
    page_limit: int = Field(200, ge=1, le=200, description="SCROBBLE_INSIGHTS_PAGE_LIMIT: scrobbles per page")
    window_target_pages: int = Field(20, ge=1, le=1000,
                                     description="SCROBBLE_INSIGHTS_WINDOW_TARGET_PAGES: pages per window")
    duckdb_memory_limit: str = Field(
        "2GB", description="SCROBBLE_INSIGHTS_DUCKDB_MEMORY_LIMIT: the most memory a dbt build may use on DuckDB "
                    "(e.g. 2GB); beyond it DuckDB spills to disk beside the warehouse")
    lookback_days: int = Field(14, ge=0, le=365,
                               description="SCROBBLE_INSIGHTS_LOOKBACK_DAYS: days `run` re-reads (0-365)")
    tags_max_age_days: int = Field(90, ge=0, le=3650,
                                   description="SCROBBLE_INSIGHTS_TAGS_MAX_AGE_DAYS: refresh tags older than this")
    early_answer_s: float = Field(30.0, ge=0, le=86400, allow_inf_nan=False,
                                  description="SCROBBLE_INSIGHTS_EARLY_ANSWER_S: when the artist tags would take "
                                              "longer than this at the rate limit, model and publish the scrobbles "
                                              "first, then the genres as the tags arrive")
    mb_api_url: str = Field(MUSICBRAINZ_API_URL, description="SCROBBLE_INSIGHTS_MB_API_URL: the MusicBrainz ws/2 "
                                                              "root (the simulator's for the demo and tests)")
    mb_contact: str = Field("", description="SCROBBLE_INSIGHTS_MB_CONTACT: an e-mail address or URL where "
                                            "MusicBrainz can reach whoever runs enrich (sent in the User-Agent; "
                                            "required by `enrich`)")
    mb_rate_limit: float = Field(1.0, gt=0, le=1000, allow_inf_nan=False,
                                 description="SCROBBLE_INSIGHTS_MB_RATE_LIMIT: MusicBrainz requests per second "
                                             "(MusicBrainz allows 1 on average)")
    mb_max_age_days: int = Field(90, ge=0, le=3650,
                                 description="SCROBBLE_INSIGHTS_MB_MAX_AGE_DAYS: ask MusicBrainz again about "
                                             "artists enriched longer ago than this")
    mb_lookup_top: int = Field(500, ge=0, le=1_000_000,
                               description="SCROBBLE_INSIGHTS_MB_LOOKUP_TOP: look up curated genres "
                                           "(one request each) for this many most-played matched artists")

    schedule_hour: int = Field(6, ge=0, le=23, description="SCROBBLE_INSIGHTS_SCHEDULE_HOUR: the UTC hour of "
                                                         "the orchestrator's daily run")
    history_start: date = Field(date(2002, 1, 1), description="SCROBBLE_INSIGHTS_HISTORY_START: first day "
                                                              "the orchestrator offers as a partition")
    alert_webhook: SecretStr | None = Field(
        None, description="SCROBBLE_INSIGHTS_ALERT_WEBHOOK: URL that gets a JSON POST when a job fails "
                          "(Slack or Discord incoming webhook)")
    log_format: Literal["text", "json"] = Field(
        "text", description="SCROBBLE_INSIGHTS_LOG_FORMAT: console logs as text, or json (one object per line)")
    warehouse: Literal["duckdb", "bigquery"] = Field(
        "duckdb", description="SCROBBLE_INSIGHTS_WAREHOUSE: duckdb (embedded, default) or bigquery")
    bigquery_project: str = Field("", description="SCROBBLE_INSIGHTS_BIGQUERY_PROJECT: GCP project id")
    bigquery_dataset_prefix: str = Field("", description="SCROBBLE_INSIGHTS_BIGQUERY_DATASET_PREFIX")
    bigquery_location: str = Field("US", description="SCROBBLE_INSIGHTS_BIGQUERY_LOCATION")

    @field_validator("users", mode="before")
    @classmethod
    def _names_to_profiles(cls, value):
        if isinstance(value, str):          # from the environment or .env: JSON, or names and commas
            text = value.strip()
            if text.startswith(("[", "{")):
                try:
                    value = json.loads(text)
                except ValueError:
                    raise ValueError('is not valid JSON: write a list of names such as ["alice", "bob"]') from None
            else:
                value = [name.strip() for name in text.split(",") if name.strip()]
        if not isinstance(value, list):
            return value                    # pydantic names what it expected
        return [{"name": v} if isinstance(v, str) else v for v in value]

    @field_validator("duckdb_memory_limit")
    @classmethod
    def _memory(cls, value: str) -> str:
        if not re.fullmatch(r"\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)", value.strip()):
            raise ValueError("must be an amount of memory such as 2GB, 1.5GB or 512MB")
        return value.strip()

    @field_validator("timezone")
    @classmethod
    def _default_zone(cls, value: str | None) -> str | None:
        return None if value is None else _check_zone(value)

    def user_names(self) -> list[str]:
        return [u.name for u in self.users]

    def profile(self, name: str) -> UserProfile:
        """The configured profile of a user, or the defaults."""
        for user in self.users:
            if user.name.lower() == name.lower():
                return user
        return UserProfile(name=name)

    def default_timezone(self) -> str:
        """SCROBBLE_INSIGHTS_TIMEZONE, else the machine's zone, else UTC."""
        if self.timezone:
            return self.timezone
        try:
            import tzlocal

            return _check_zone(tzlocal.get_localzone_name() or "UTC")
        except Exception:  # noqa: BLE001 - an odd machine setup must not stop the pipeline
            return "UTC"

    @field_validator("lastfm_api_url", "mb_api_url")
    @classmethod
    def _url_is_usable(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        try:
            parts = urlsplit(value)
            port = parts.port
        except ValueError:
            raise ValueError("has an invalid port or host: the port must be a number from 1 to 65535") from None
        if not parts.hostname or any(c.isspace() for c in value):
            raise ValueError("must name a host, such as https://ws.audioscrobbler.com/2.0/")
        if port == 0:
            raise ValueError("has an invalid port: the port must be a number from 1 to 65535")
        return value

    @field_validator("bronze_url")
    @classmethod
    def _bronze_url(cls, value: str) -> str:
        value = value.strip()
        example = "such as gs://my-scrobbles/bronze or /srv/scrobbles/bronze"
        if value.startswith("gs://"):
            bucket, _ = parse_gs_url(value)
            if not _BUCKET.match(bucket) or ".." in bucket:
                raise ValueError(f"names no valid bucket (3-63 lower-case letters, digits, '-', '_' or '.'): "
                                 f"write gs://bucket[/prefix], {example}")
        elif re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", value):
            raise ValueError(f"must be a local path or gs://bucket[/prefix], {example}")
        return value

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings],
                                   init_settings: PydanticBaseSettingsSource,
                                   env_settings: PydanticBaseSettingsSource,
                                   dotenv_settings: PydanticBaseSettingsSource,
                                   file_secret_settings: PydanticBaseSettingsSource):
        return init_settings, env_settings, dotenv_settings, TomlConfigSettingsSource(settings_cls)

    @property
    def warehouse_path(self) -> Path:
        return self.data_dir / "warehouse.duckdb"

    @property
    def snapshot_path(self) -> Path:
        """The read-only copy every reader opens, published after each job (load/snapshot.py)."""
        return self.data_dir / "warehouse.snapshot.duckdb"

    @property
    def bronze_dir(self) -> Path:
        """The local bronze directory (when SCROBBLE_INSIGHTS_BRONZE_URL is a gs:// URL, bronze is there
        instead: read and write it through bronze.store.open_bronze)."""
        if self.bronze_url and not self.bronze_url.startswith("gs://"):
            return Path(self.bronze_url)
        return self.data_dir / "bronze"

    @property
    def state_dir(self) -> Path:
        return self.data_dir / "state"

    def secrets(self) -> list[str]:
        """Every value to scrub from logs, errors and alerts: the API key and the webhook URL (it embeds
        a token)."""
        return [s.get_secret_value() for s in (self.lastfm_api_key, self.alert_webhook) if s is not None]

    def mb_user_agent(self) -> str:
        """`scrobble-insights/<version> ( <contact> )`, or a one-line error when no contact is set:
        MusicBrainz asks every application to say who runs it."""
        from scrobble_insights import __version__

        contact = self.mb_contact.strip()
        if not contact or any(c in contact for c in "()\r\n"):
            raise ConfigError("SCROBBLE_INSIGHTS_MB_CONTACT is not set (or holds brackets): MusicBrainz asks every "
                              "client for a contact; `export SCROBBLE_INSIGHTS_MB_CONTACT=you@example.org` "
                              "(an e-mail address or a URL)")
        return f"scrobble-insights/{__version__} ( {contact} )"

    def api_key(self) -> str:
        """The API key, or a one-line error saying how to set it."""
        if self.lastfm_api_key is None or not self.lastfm_api_key.get_secret_value().strip():
            raise ConfigError("LASTFM_API_KEY is not set: create a key at https://www.last.fm/api/account/create "
                              "and `export LASTFM_API_KEY=...` (or put it in .env)")
        return self.lastfm_api_key.get_secret_value().strip()


def build_settings(**overrides) -> Settings:
    """Settings from all sources; overrides (command-line options) win. Bad values -> ConfigError."""
    overrides = {k: v for k, v in overrides.items() if v is not None}
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = [str(p) for p in err["loc"]] or ["setting"]
        name = loc[0]
        env = name.upper() if name.upper().startswith("LASTFM_") else "SCROBBLE_INSIGHTS_" + name.upper()
        if len(loc) > 1:      # inside a structure, e.g. [[users]]: say where that structure came from
            inner = f"[{loc[1]}]" + "".join(f".{p}" for p in loc[2:])
            source = _source(name, env, overrides)
            env = f"{name}{inner} in {CONFIG_FILE}" if source == CONFIG_FILE else (
                f"{env}{inner}" + (" in .env" if source == ".env" else ""))
        message = err["msg"].removeprefix("Value error, ")
        shown = "" if "KEY" in env else f" (got {err.get('input')!r})"     # never echo a secret
        raise ConfigError(f"invalid setting {env}: {message}{shown}") from None
    except ValueError as exc:  # e.g. a broken TOML file
        raise ConfigError(f"could not read the configuration ({CONFIG_FILE}, .env): {exc}") from None


def _source(name: str, env: str, overrides: dict) -> str:
    """Where a setting's value came from: 'option', 'environment', '.env' or the TOML file."""
    if name in overrides:
        return "option"
    if any(key.upper() == env for key in os.environ):
        return "environment"
    try:
        in_dotenv = any(key.upper() == env for key in dotenv_values(".env"))
    except (OSError, ValueError):
        in_dotenv = False
    return ".env" if in_dotenv else CONFIG_FILE


def disable_telemetry() -> None:
    """Switch off every usage report and update check of the tools we use (before they are imported)."""
    defaults = {
        "DO_NOT_TRACK": "1",                          # dbt (and others honouring the convention)
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "RUNTIME__DLTHUB_TELEMETRY": "false",          # dlt
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
        "STREAMLIT_SERVER_HEADLESS": "true",
        "DAGSTER_DISABLE_TELEMETRY": "1",
        "HF_HUB_OFFLINE": "1",
    }
    for key, value in defaults.items():
        os.environ.setdefault(key, value)


class RedactFilter(logging.Filter):
    """Replaces secrets in every log record that passes through a handler."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            message = redact(record.getMessage(), self.secrets)
            record.msg, record.args = message, None
            for key, value in vars(record).items():          # extra= fields, formatted tracebacks
                if isinstance(value, str) and key != "msg":
                    setattr(record, key, redact(value, self.secrets))
            if record.exc_info:         # the traceback, formatted here once and scrubbed, replaces exc_info
                record.exc_text = redact(record.exc_text or logging.Formatter().formatException(record.exc_info),
                                         self.secrets)
                record.exc_info = None
        return True


def redact(text: str, secrets: list[str]) -> str:
    """Replace each secret in text with '***'."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text
