"""Configuration comes only from YIWANG_* variables; bad or missing values fail by name."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from yiwang import config

ROOT = Path(__file__).resolve().parents[2]
YIWANG = str(Path(sys.executable).with_name("yiwang"))


def _run(env_overrides, *args, tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("YIWANG_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    env.update({"YIWANG_VAR_DIR": str(tmp_path)}, **env_overrides)
    return subprocess.run(
        [YIWANG, "manage", *args],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


def test_malformed_bool_names_the_variable(monkeypatch):
    monkeypatch.setenv("YIWANG_DEBUG", "perhaps")
    with pytest.raises(config.ConfigError, match="YIWANG_DEBUG='perhaps' is not a valid bool"):
        config.get("YIWANG_DEBUG")


def test_malformed_int_and_url(monkeypatch):
    monkeypatch.setenv("YIWANG_AUDIT_RETENTION_DAYS", "half a year")
    with pytest.raises(config.ConfigError, match="YIWANG_AUDIT_RETENTION_DAYS"):
        config.get("YIWANG_AUDIT_RETENTION_DAYS")
    monkeypatch.setenv("YIWANG_DATABASE_URL", "not-a-url")
    with pytest.raises(config.ConfigError, match="YIWANG_DATABASE_URL"):
        config.get("YIWANG_DATABASE_URL")


def test_unknown_variable_is_a_programming_error():
    with pytest.raises(config.ConfigError, match="not a known"):
        config.get("YIWANG_NOPE")


def test_demo_mode_generates_the_secret_key_once(tmp_path, monkeypatch):
    monkeypatch.setenv("YIWANG_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("YIWANG_SECRET_KEY", raising=False)
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)  # no per-worker subdirectory
    first = config.secret_key(debug=True)
    assert config.secret_key(debug=True) == first
    assert (tmp_path / "secret_key").read_text() == first
    assert oct((tmp_path / "secret_key").stat().st_mode)[-3:] == "600"


def test_production_without_secret_key_is_a_startup_error(tmp_path):
    result = _run({"YIWANG_DEBUG": "0"}, "check", tmp_path=tmp_path)
    assert result.returncode != 0
    assert "YIWANG_SECRET_KEY must be set" in result.stderr


def test_bad_tasks_url_is_a_startup_error(tmp_path):
    result = _run({"YIWANG_TASKS_URL": "amqp://x"}, "check", tmp_path=tmp_path)
    assert result.returncode != 0
    assert "YIWANG_TASKS_URL" in result.stderr


def test_check_deploy_passes_in_production_mode(tmp_path):
    env = {
        "YIWANG_DEBUG": "0",
        "YIWANG_SECRET_KEY": "k" * 20 + "-Zx9!q2@W#e4$r5%t6^y7&u8*i9(o0)p_A1sS2dD3fF4gG5",
        "YIWANG_PII_KEY": "Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmE=",
        "YIWANG_ALLOWED_HOSTS": "gov.example.cn",
    }
    result = _run(env, "check", "--deploy", "--fail-level", "WARNING", tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_every_variable_is_documented():
    doc = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    for name in config.VARIABLES:
        assert f"`{name}`" in doc, name
        assert f"{name}=" in example, name


def test_parallel_test_workers_get_their_own_var_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("YIWANG_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("YIWANG_TASKS_URL", raising=False)
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw1")
    assert config.var_dir() == tmp_path / "gw1"
    assert config.get("YIWANG_TASKS_URL") == f"sqlite:///{tmp_path}/gw1/tasks.sqlite3"
    assert config.worker_redis_url("redis://127.0.0.1:6379/14") == "redis://127.0.0.1:6379/13"
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw0")
    assert config.worker_redis_url("redis://127.0.0.1:6379/14") == "redis://127.0.0.1:6379/14"
    monkeypatch.delenv("PYTEST_XDIST_WORKER")
    assert config.var_dir() == tmp_path
    assert config.worker_redis_url("redis://127.0.0.1:6379/14") == "redis://127.0.0.1:6379/14"
