from pathlib import Path

import pytest

from voicemock.config import load_settings
from voicemock.errors import ConfigError


def test_defaults_without_a_config_file(tmp_path, monkeypatch):
    monkeypatch.delenv("VOICEMOCK_DATA_DIR", raising=False)
    monkeypatch.delenv("VOICEMOCK_MODEL", raising=False)
    monkeypatch.setenv("VOICEMOCK_CONFIG", str(tmp_path / "absent.toml"))
    settings = load_settings()
    assert settings.model is None and settings.max_follow_ups == 2
    assert settings.resolved_data_dir.name == "voicemock"


def test_file_then_environment_then_flags(tmp_path, monkeypatch):
    config = tmp_path / "config.toml"
    config.write_text('data_dir = "/from/file"\nmax_follow_ups = 3\nmodel = "base.en"\n')
    monkeypatch.setenv("VOICEMOCK_DATA_DIR", "/from/env")
    settings = load_settings(config, max_follow_ups=1)
    assert settings.data_dir == Path("/from/env")
    assert settings.max_follow_ups == 1
    assert settings.model == "base.en"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("modle = 'x'\n", "unknown setting"),
        ("max_follow_ups = -1\n", "whole number"),
        ("this is not toml", "invalid TOML"),
        ("llm_warm_up = 'sometimes'\n", "llm_warm_up must be one of local, always, never"),
    ],
)
def test_bad_config_is_rejected_with_the_file_named(tmp_path, body, message):
    config = tmp_path / "config.toml"
    config.write_text(body)
    with pytest.raises(ConfigError, match=message) as info:
        load_settings(config)
    assert str(config) in str(info.value)
