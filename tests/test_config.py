"""Run modes: embedded by default, production only with its services and a real secret."""

import pytest

from aidbridge import create_app
from aidbridge.config import ConfigError, load_config

PRODUCTION = {
    "AIDBRIDGE_ENV": "production",
    "SECRET_KEY": "x" * 40,
    "DATABASE_URL": "postgresql://aidbridge@db/aidbridge",
    "REDIS_URL": "redis://cache:6379/0",
    "PII_KEY": "4Fe3y0cyx1ZjyNvIa6G2V8o9l5x2Qx9b6f0m1Gd9p3Y=",
}


def test_embedded_defaults_use_sqlite_under_instance_and_run_jobs_in_process(tmp_path):
    config = load_config({"AIDBRIDGE_INSTANCE": str(tmp_path)})
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'aidbridge.sqlite3'}"
    assert config["JOBS_IN_PROCESS"] is True
    assert config["BABEL_DEFAULT_LOCALE"] == "zh"


def test_production_needs_a_real_secret_key():
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config({**PRODUCTION, "SECRET_KEY": ""})
    with pytest.raises(ConfigError, match="at least 32 characters"):
        load_config({**PRODUCTION, "SECRET_KEY": "short"})


@pytest.mark.parametrize("missing", ["DATABASE_URL", "REDIS_URL", "PII_KEY"])
def test_production_needs_its_services(missing):
    env = dict(PRODUCTION)
    del env[missing]
    with pytest.raises(ConfigError, match=missing):
        load_config(env)


def test_a_malformed_personal_data_key_is_refused_at_start():
    with pytest.raises(ConfigError, match="PII_KEY must be a Fernet key"):
        load_config({**PRODUCTION, "PII_KEY": "not-a-key"})


def test_production_config_uses_psycopg_redis_and_secure_cookies():
    config = load_config(PRODUCTION)
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://aidbridge@db/aidbridge"
    assert config["JOBS_IN_PROCESS"] is False
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["SESSION_COOKIE_HTTPONLY"] is True


def test_unknown_mode_is_refused():
    with pytest.raises(ConfigError, match="AIDBRIDGE_ENV"):
        load_config({"AIDBRIDGE_ENV": "staging"})


def test_create_app_refuses_production_without_secret(monkeypatch):
    monkeypatch.setenv("AIDBRIDGE_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()


def test_trusted_proxy_gives_the_client_address(monkeypatch):
    monkeypatch.setenv("TRUSTED_PROXIES", "1")
    app = create_app({"TESTING": True})
    seen = {}

    @app.get("/whoami-test")
    def whoami():
        from flask import request

        seen["addr"] = request.remote_addr
        return ""

    app.test_client().get(
        "/whoami-test",
        environ_base={"REMOTE_ADDR": "10.0.0.1"},
        headers={"X-Forwarded-For": "203.0.113.7"},
    )
    assert seen["addr"] == "203.0.113.7"


def test_embedded_mode_never_uses_a_known_key(tmp_path):
    first = load_config({"AIDBRIDGE_INSTANCE": str(tmp_path)})["SECRET_KEY"]
    second = load_config({"AIDBRIDGE_INSTANCE": str(tmp_path)})["SECRET_KEY"]
    assert len(first) >= 32 and first != second  # random per process without a key file


def test_setup_key_file_is_private_and_reused(tmp_path):
    from aidbridge.config import write_embedded_keys

    assert write_embedded_keys(tmp_path) == ["secret_key", "pii_key"]
    assert write_embedded_keys(tmp_path) == []
    for name in ("secret_key", "pii_key"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o600
    configs = [load_config({"AIDBRIDGE_INSTANCE": str(tmp_path)}) for _ in range(2)]
    assert len({c["SECRET_KEY"] for c in configs}) == 1
    assert len({c["PII_KEY"] for c in configs}) == 1
    assert configs[0]["PII_KEY"] != configs[0]["SECRET_KEY"]
