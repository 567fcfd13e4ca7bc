"""Typed settings, one class per concern, read from ``GEOSERVICE_*`` environment variables.

Every field here must appear in ``.env.example`` and in the README's configuration table;
``tests/test_settings.py`` fails otherwise.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent

Environment = Literal["development", "test", "production"]


def _config(prefix: str) -> SettingsConfigDict:
    return SettingsConfigDict(env_prefix=prefix, extra="ignore", env_file=None)


class DatabaseSettings(BaseSettings):
    """Where PostgreSQL/PostGIS is."""

    model_config = _config("GEOSERVICE_DATABASE_")

    url: str = Field(
        default="",
        description="SQLAlchemy URL (postgresql+psycopg://…). "
        "Empty: the private cluster under var/.",
    )
    # 5: on 2 cores, p99 under bench.load fell from 0.90-1.12 s (10 per process) to 0.76 s;
    # PostgreSQL runs best with 2-4 active connections per core (README, Scaling).
    pool_size: int = Field(default=5, ge=1, le=200, description="Connections kept per process.")


class WebSettings(BaseSettings):
    """The HTTP server and the browser session."""

    model_config = _config("GEOSERVICE_")

    host: str = Field(default="127.0.0.1", description="Interface the web server binds to.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port of the web server.")
    workers: int = Field(
        default=0, ge=0, le=256,
        description="Server processes of `geoservice serve` (0: one per CPU).",
    )
    environment: Environment = Field(
        default="development", description="development, test or production."
    )
    secret_key: SecretStr = Field(
        default=SecretStr(""),
        description="Signs session cookies; required in production (generated in var/ otherwise).",
    )
    max_body_mb: float = Field(
        default=25.0, gt=0, le=1024, description="Largest request body accepted, in MB."
    )
    session_hours: int = Field(default=12, ge=1, le=720, description="Web session lifetime.")
    base_url: str = Field(
        default="", description="Public base URL for links (empty: taken from the request)."
    )
    basemap_url: str = Field(
        default="https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        description="XYZ tile URL of the base map; empty for a blank base map.",
    )
    basemap_attribution: str = Field(
        default="© OpenStreetMap contributors", description="Attribution of the base map."
    )
    orthophoto_wms_url: str = Field(
        default="https://lvmgeoserver.lvm.lv/geoserver/ows",
        description="WMS of the Latvian orthophoto offered as an optional base map.",
    )
    orthophoto_wms_layer: str = Field(
        default="public:Orto_LKS", description="Layer name of the orthophoto WMS."
    )
    layers_public: bool = Field(
        default=False, description="Land-use layers readable without logging in (OGC, WFS, tiles)."
    )
    log_level: str = Field(default="INFO", description="Python logging level.")
    log_format: Literal["text", "json"] = Field(
        default="text", description="Log lines: text, or json (one object per line, request id)."
    )


class AuthSettings(BaseSettings):
    """Limits on guessing: refused logins and token-less API requests, counted in PostgreSQL."""

    model_config = _config("GEOSERVICE_AUTH_")

    window_minutes: int = Field(
        default=15, ge=1, le=1440, description="Window in which refused attempts are counted."
    )
    account_failures: int = Field(
        default=10, ge=1, description="Wrong passwords for one account in the window before 429."
    )
    address_failures: int = Field(
        default=50, ge=1, description="Wrong passwords from one address in the window before 429."
    )
    api_refusals: int = Field(
        default=50, ge=1,
        description="API requests refused for a missing or bad token from one address in the "
        "window before 429.",
    )


class TracesSettings(BaseSettings):
    """EU TRACES (EUDR information system) V3 web services."""

    model_config = _config("GEOSERVICE_TRACES_")

    url: str = Field(
        default="",
        description="Base URL up to and including /tracesnt/; empty = the built-in simulator.",
    )
    username: str = Field(default="", description="EU Login user name of the web-service user.")
    auth_key: SecretStr = Field(
        default=SecretStr(""), description="Authentication key from the TRACES profile."
    )
    client_id: str = Field(default="eudr-test", description="WebServiceClientId header value.")
    poll_seconds: float = Field(
        default=30.0,
        ge=0,
        description="Wait before the first status poll after submit and between polls.",
    )
    timeout_seconds: float = Field(default=30.0, gt=0, description="HTTP timeout per SOAP call.")
    simulator_port: int = Field(
        default=8010, ge=1, le=65535, description="Port of `geoservice traces-sim`."
    )
    simulator_delay_seconds: float = Field(
        default=20.0, ge=0, description="Simulator: seconds from SUBMITTED to AVAILABLE."
    )
    credentials_key: SecretStr = Field(
        default=SecretStr(""),
        description="Fernet key encrypting organisations' own TRACES credentials at rest.",
    )


class VmdSettings(BaseSettings):
    """State Forest Service (VMD) certificate source."""

    model_config = _config("GEOSERVICE_VMD_")

    url: str = Field(default="", description="Base URL of a VMD interface; empty = simulator.")
    username: str = Field(default="", description="VMD interface user.")
    password: SecretStr = Field(default=SecretStr(""), description="VMD interface password.")
    timeout_seconds: float = Field(default=10.0, gt=0, description="HTTP timeout per VMD call.")
    retries: int = Field(default=2, ge=0, le=10, description="Retries on timeouts and 5xx.")


class CheckSettings(BaseSettings):
    """Thresholds of the deforestation and legality checks."""

    model_config = _config("GEOSERVICE_CHECK_")

    sliver_ha: float = Field(
        default=0.05, ge=0, description="Overlaps below this area (ha) AND below sliver_percent "
        "are digitising noise and ignored.",
    )
    sliver_percent: float = Field(
        default=1.0, ge=0, le=100, description="Overlaps below this share (%) AND below "
        "sliver_ha are ignored.",
    )
    min_forest_2020_percent: float = Field(
        default=50.0, ge=0, le=100,
        description="Flag an area when less than this share was forest on 31 Dec 2020.",
    )
    cutoff_date: str = Field(default="2020-12-31", description="EUDR deforestation cut-off date.")
    layers_dir: str = Field(
        default=str(ROOT / "layers"), description="Folder of layer files (rasters, manifest)."
    )


class FetchSettings(BaseSettings):
    """Fetching land-use layers from their sources (``geoservice layers fetch``)."""

    model_config = _config("GEOSERVICE_LAYERS_FETCH_")

    timeout_seconds: float = Field(default=120.0, gt=0,
                                   description="HTTP timeout per request to a layer source.")
    retries: int = Field(default=5, ge=0, le=20,
                         description="Retries of a page on timeouts, 5xx and truncated answers.")
    backoff_seconds: float = Field(default=2.0, ge=0, description="Wait before the first "
                                   "retry; doubles with each further retry.")
    sources_file: str = Field(default=str(ROOT / "layers" / "sources.toml"),
                              description="The named national layer sources.")


class SmtpSettings(BaseSettings):
    """Outgoing e-mail of notifications; no host means no e-mail (each one is logged)."""

    model_config = _config("GEOSERVICE_SMTP_")

    host: str = Field(default="", description="SMTP server; empty = notifications are logged.")
    port: int = Field(default=587, ge=1, le=65535, description="SMTP port.")
    user: str = Field(default="", description="SMTP user name (empty: no login).")
    password: SecretStr = Field(default=SecretStr(""), description="SMTP password.")
    from_: str = Field(default="geoservice@localhost", validation_alias="GEOSERVICE_SMTP_FROM",
                       description="Sender address of notification e-mails.")
    starttls: bool = Field(default=True, description="Upgrade the connection with STARTTLS.")
    timeout_seconds: float = Field(default=10.0, gt=0, description="Timeout per SMTP session.")


class VerifySettings(BaseSettings):
    """Verification of reference/verification pairs: the throttle against guessing."""

    model_config = _config("GEOSERVICE_VERIFY_")

    calls_per_minute: int = Field(
        default=60, ge=1, description="Verify calls per API token (or web user) per minute.")
    ip_calls_per_minute: int = Field(
        default=300, ge=1, description="Verify calls per client IP address per minute.")
    misses_per_hour: int = Field(
        default=500, ge=1,
        description="NON_EXISTENT answers per API token (or web user) per hour.")
    ip_misses_per_hour: int = Field(
        default=2000, ge=1, description="NON_EXISTENT answers per client IP address per hour.")
    max_pairs: int = Field(
        default=20000, ge=1, le=200000, description="Pairs per verify CSV or received document.")


class Settings(BaseSettings):
    """All settings of one process."""

    model_config = _config("GEOSERVICE_")

    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    web: WebSettings = Field(default_factory=WebSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    traces: TracesSettings = Field(default_factory=TracesSettings)
    vmd: VmdSettings = Field(default_factory=VmdSettings)
    check: CheckSettings = Field(default_factory=CheckSettings)
    fetch: FetchSettings = Field(default_factory=FetchSettings)
    smtp: SmtpSettings = Field(default_factory=SmtpSettings)
    verify: VerifySettings = Field(default_factory=VerifySettings)

    @model_validator(mode="after")
    def _production_needs_secrets(self) -> Settings:
        if self.web.environment == "production":
            missing = [
                name
                for name, value in (
                    ("GEOSERVICE_SECRET_KEY", self.web.secret_key),
                    ("GEOSERVICE_DATABASE_URL", self.database.url),
                )
                if not (value.get_secret_value() if isinstance(value, SecretStr) else value)
            ]
            if missing:
                raise ValueError(f"production needs {', '.join(missing)} to be set")
        return self


def load_settings() -> Settings:
    """Read settings from the environment (and nothing else)."""
    return Settings()
