from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from integrita.errors import ConfigurationError
from integrita.logging import JsonFormatter, mask_text
from integrita.settings import load_settings


def test_environment_beats_the_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "integrita.toml"
    config.write_text('[integrita]\ndata_dir = "from-file"\ncalendar_country = "HK"\n')
    monkeypatch.setenv("INTEGRITA_CONFIG", str(config))
    monkeypatch.setenv("INTEGRITA_DATA_DIR", "from-env")
    settings = load_settings()
    assert settings.data_dir == Path("from-env")
    assert settings.calendar_country == "HK"


def test_unknown_setting_in_the_file_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "integrita.toml"
    config.write_text('[integrita]\ndatabse_url = "sqlite://"\n')
    monkeypatch.setenv("INTEGRITA_CONFIG", str(config))
    with pytest.raises(ConfigurationError, match="databse_url"):
        load_settings()


def test_bad_value_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("INTEGRITA_LOG_LEVEL", "LOUD")
    with pytest.raises(ConfigurationError, match="log_level"):
        load_settings()


def test_personal_data_is_masked_in_log_lines() -> None:
    record = logging.LogRecord(
        "integrita.test",
        logging.INFO,
        __file__,
        1,
        "sent code to 13800138000 and li@example.com",
        (),
        None,
    )
    record.__dict__.update(
        {"id_number": "110101195001011234", "customer_name": "Wang Fang", "amount_minor": 500}
    )
    line = json.loads(JsonFormatter().format(record))
    assert "13800138000" not in line["event"] and "li@example.com" not in line["event"]
    assert line["id_number"] == "11**************34"
    assert line["customer_name"] == "Wa*****ng"
    assert line["amount_minor"] == 500


def test_masking_keeps_short_numbers() -> None:
    assert mask_text("order 12345 paid") == "order 12345 paid"
