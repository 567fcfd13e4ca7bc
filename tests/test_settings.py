"""Every setting is documented in .env.example and the README; production fails fast."""

from __future__ import annotations

import re

import pytest
from pydantic import BaseModel, ValidationError
from pydantic_settings import BaseSettings

from geoservice.settings import ROOT, Settings


def _env_names() -> list[str]:
    names = []
    for field in Settings.model_fields.values():
        cls = field.default_factory() if field.default_factory else None  # type: ignore[call-arg]
        assert isinstance(cls, BaseSettings)
        prefix = cls.model_config.get("env_prefix", "")
        names += [str(f.validation_alias or f"{prefix}{name}").upper()
                  for name, f in type(cls).model_fields.items()]
    return names


def test_every_setting_in_env_example_and_readme() -> None:
    env_example = (ROOT / ".env.example").read_text()
    readme = (ROOT / "README.md").read_text()
    documented = set(re.findall(r"^#?\s*(GEOSERVICE_[A-Z0-9_]+)=", env_example, re.M))
    missing_env = [n for n in _env_names() if n not in documented]
    missing_readme = [n for n in _env_names() if f"`{n}`" not in readme]
    assert not missing_env, f"not in .env.example: {missing_env}"
    assert not missing_readme, f"not in README configuration table: {missing_readme}"


def test_public_setting_names_kept() -> None:
    for name in ("GEOSERVICE_DATABASE_URL", "GEOSERVICE_PORT", "GEOSERVICE_TRACES_URL",
                 "GEOSERVICE_TRACES_USERNAME", "GEOSERVICE_TRACES_AUTH_KEY",
                 "GEOSERVICE_TRACES_CLIENT_ID", "GEOSERVICE_TRACES_POLL_SECONDS",
                 "GEOSERVICE_VMD_URL"):
        assert name in _env_names()


def test_environment_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEOSERVICE_PORT", "8123")
    monkeypatch.setenv("GEOSERVICE_TRACES_POLL_SECONDS", "2.5")
    settings = Settings()
    assert settings.web.port == 8123
    assert settings.traces.poll_seconds == 2.5


def test_bad_value_names_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEOSERVICE_PORT", "eighty")
    with pytest.raises(ValidationError, match="port"):
        Settings()


def test_production_requires_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEOSERVICE_ENVIRONMENT", "production")
    monkeypatch.delenv("GEOSERVICE_SECRET_KEY", raising=False)
    with pytest.raises(ValidationError, match="GEOSERVICE_SECRET_KEY"):
        Settings()


def test_settings_are_models() -> None:
    assert issubclass(Settings, BaseModel)
