"""Configuration from the environment, read when the app is created.

The defaults give the embedded mode: a SQLite file under ``instance/``, jobs run
in process, demo data. ``DATABASE_URL`` and ``REDIS_URL`` switch to production
services; ``AIDBRIDGE_ENV=production`` demands them and a real ``SECRET_KEY``.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

MIN_SECRET_LENGTH = 32
SECRET_FILE = "secret_key"


class ConfigError(RuntimeError):
    """The environment does not allow the application to start safely."""


def database_url(url: str | None, instance_dir: Path) -> str:
    if not url:
        return f"sqlite:///{instance_dir / 'aidbridge.sqlite3'}"
    # Plain postgres URLs name no driver; we use psycopg 3.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def embedded_secret(instance_dir: Path) -> str:
    """The embedded mode's session key: the one ``flask setup`` wrote, or else a random
    one for this process. Never a constant: a known key lets anyone forge a session."""
    try:
        return (instance_dir / SECRET_FILE).read_text().strip()
    except OSError:
        return secrets.token_hex(32)


def write_embedded_secret(instance_dir: Path) -> bool:
    """Create the embedded key file (owner-only) unless it exists; True if written."""
    path = instance_dir / SECRET_FILE
    if path.exists():
        return False
    instance_dir.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(secrets.token_hex(32))
    return True


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    value = env.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def load_config(env: Mapping[str, str] | None = None) -> dict:
    """Build the Flask config mapping from environment variables."""
    env = os.environ if env is None else env
    mode = env.get("AIDBRIDGE_ENV", "embedded").strip().lower() or "embedded"
    if mode not in {"embedded", "production"}:
        raise ConfigError(f"AIDBRIDGE_ENV must be 'embedded' or 'production', not {mode!r}.")
    production = mode == "production"
    instance_dir = Path(env.get("AIDBRIDGE_INSTANCE") or Path.cwd() / "instance")

    secret = env.get("SECRET_KEY", "")
    if production:
        if len(secret) < MIN_SECRET_LENGTH:
            raise ConfigError(
                "AIDBRIDGE_ENV=production needs SECRET_KEY set to a random value of at least "
                f"{MIN_SECRET_LENGTH} characters, e.g. "
                "`python -c 'import secrets; print(secrets.token_hex(32))'`."
            )
        for name, why in (("DATABASE_URL", "PostgreSQL"), ("REDIS_URL", "the job queues")):
            if not env.get(name):
                raise ConfigError(f"AIDBRIDGE_ENV=production needs {name} ({why}).")

    if not secret:
        secret = embedded_secret(instance_dir)

    redis_url = env.get("REDIS_URL") or None
    secure_cookies = _flag(env, "SESSION_COOKIE_SECURE", production)
    return {
        "AIDBRIDGE_ENV": mode,
        "INSTANCE_DIR": str(instance_dir),
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": database_url(env.get("DATABASE_URL"), instance_dir),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": redis_url,
        # Without Redis, jobs run in process (embedded mode).
        "JOBS_IN_PROCESS": redis_url is None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure_cookies,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": secure_cookies,
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=8),
        "BABEL_DEFAULT_LOCALE": "zh",
        "BABEL_DEFAULT_TIMEZONE": env.get("AIDBRIDGE_TIMEZONE", "Asia/Shanghai"),
        "LANGUAGES": ("zh", "en"),
        # Sign-in throttling: failures counted in a sliding window.
        "LOGIN_WINDOW": timedelta(minutes=int(env.get("LOGIN_WINDOW_MINUTES", "15"))),
        "LOGIN_MAX_FAILURES_PER_ACCOUNT": int(env.get("LOGIN_MAX_FAILURES_PER_ACCOUNT", "5")),
        "LOGIN_MAX_FAILURES_PER_ADDRESS": int(env.get("LOGIN_MAX_FAILURES_PER_ADDRESS", "20")),
        # Reverse proxies in front of the app whose X-Forwarded-* headers to trust, so
        # that sign-in throttling and the audit log see the client's real address.
        "TRUSTED_PROXIES": int(env.get("TRUSTED_PROXIES", "0")),
        # Published listings not verified for this many days are flagged to their owner.
        "POOL_STALE_AFTER_DAYS": int(env.get("POOL_STALE_AFTER_DAYS", "180")),
        "API_PAGE_SIZE": 50,
        "API_MAX_PAGE_SIZE": 200,
    }
