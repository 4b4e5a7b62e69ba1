"""Configuration from the environment, read when the app is created.

The defaults give the embedded mode: a SQLite file under ``instance/``, jobs run
in process, demo data. ``DATABASE_URL`` and ``REDIS_URL`` switch to production
services; ``AIDBRIDGE_ENV=production`` demands them and a real ``SECRET_KEY``.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from datetime import date, timedelta
from pathlib import Path

MIN_SECRET_LENGTH = 32
SECRET_FILE = "secret_key"
PII_KEY_FILE = "pii_key"


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


def _new_pii_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


def _check_pii_key(key: str) -> None:
    from cryptography.fernet import Fernet

    try:
        Fernet(key)
    except (ValueError, TypeError):
        raise ConfigError(
            "PII_KEY must be a Fernet key (32 url-safe base64-encoded bytes), e.g. "
            "`python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())'`"
        ) from None


# The embedded mode's keys, written by ``flask setup`` into instance/ (never a constant:
# a known session key lets anyone forge a session, a known PII key opens every ID number).
EMBEDDED_KEYS = {SECRET_FILE: lambda: secrets.token_hex(32), PII_KEY_FILE: _new_pii_key}


def _read_key(instance_dir: Path, name: str) -> str | None:
    try:
        return (instance_dir / name).read_text().strip() or None
    except OSError:
        return None


def embedded_secret(instance_dir: Path) -> str:
    """The embedded mode's session key: the one ``flask setup`` wrote, or else a random
    one for this process."""
    return _read_key(instance_dir, SECRET_FILE) or secrets.token_hex(32)


def embedded_pii_key(instance_dir: Path) -> str | None:
    """The embedded mode's personal-data key, as ``flask setup`` wrote it."""
    return _read_key(instance_dir, PII_KEY_FILE)


def write_embedded_keys(instance_dir: Path) -> list[str]:
    """Create the embedded key files (owner-only) that do not exist; the names written."""
    written = []
    for name, make in EMBEDDED_KEYS.items():
        path = instance_dir / name
        if path.exists():
            continue
        instance_dir.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(make())
        written.append(name)
    return written


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    value = env.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _dates(env: Mapping[str, str], name: str) -> frozenset[date]:
    try:
        return frozenset(
            date.fromisoformat(part.strip())
            for part in env.get(name, "").split(",")
            if part.strip()
        )
    except ValueError as exc:
        raise ConfigError(f"{name} must be ISO dates separated by commas: {exc}") from None


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
        needed = (
            ("DATABASE_URL", "PostgreSQL"),
            ("REDIS_URL", "the job queues"),
            ("PII_KEY", "encrypting ID and phone numbers"),
        )
        for name, why in needed:
            if not env.get(name):
                raise ConfigError(f"AIDBRIDGE_ENV=production needs {name} ({why}).")

    if not secret:
        secret = embedded_secret(instance_dir)

    # Without it (embedded mode before `flask setup`) nothing personal can be stored.
    pii_key = env.get("PII_KEY") or embedded_pii_key(instance_dir)
    if pii_key:
        _check_pii_key(pii_key)
    redis_url = env.get("REDIS_URL") or None
    import_mb = int(env.get("HOUSEHOLD_IMPORT_MAX_MB", "20"))
    secure_cookies = _flag(env, "SESSION_COOKIE_SECURE", production)
    return {
        "AIDBRIDGE_ENV": mode,
        "INSTANCE_DIR": str(instance_dir),
        "SECRET_KEY": secret,
        "PII_KEY": pii_key,
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
        # A household's review is "due" this many days before its date.
        "REVIEW_NOTICE_DAYS": int(env.get("REVIEW_NOTICE_DAYS", "30")),
        # Bulk import of households: the largest file and the most member rows taken.
        "HOUSEHOLD_IMPORT_MAX_MB": import_mb,
        "HOUSEHOLD_IMPORT_MAX_ROWS": int(env.get("HOUSEHOLD_IMPORT_MAX_ROWS", "50000")),
        "HOUSEHOLD_IMPORT_STALLED_AFTER": int(env.get("HOUSEHOLD_IMPORT_STALLED_AFTER", "3600")),
        # No request body is larger than the largest upload (with a margin for the form
        # around it): anything larger is refused (413) before it is read.
        "MAX_CONTENT_LENGTH": (import_mb + 1) * 2**20,
        # The matching engine's cost weights (0–100 each; a run may set its own), the
        # distance at which the distance part is at its worst, how many referrals' worth
        # a provider's record is shrunk towards the pool's mean, and how many next-best
        # alternatives each match keeps in its explanation.
        "MATCHING_WEIGHT_DISTANCE": int(env.get("MATCHING_WEIGHT_DISTANCE", "50")),
        "MATCHING_WEIGHT_PERFORMANCE": int(env.get("MATCHING_WEIGHT_PERFORMANCE", "20")),
        "MATCHING_WEIGHT_CONTINUITY": int(env.get("MATCHING_WEIGHT_CONTINUITY", "20")),
        "MATCHING_WEIGHT_PRICE": int(env.get("MATCHING_WEIGHT_PRICE", "10")),
        "MATCHING_DISTANCE_SCALE_KM": float(env.get("MATCHING_DISTANCE_SCALE_KM", "20")),
        "MATCHING_PERFORMANCE_PRIOR": int(env.get("MATCHING_PERFORMANCE_PRIOR", "10")),
        "MATCHING_ALTERNATIVES": int(env.get("MATCHING_ALTERNATIVES", "3")),
        # The nightly run for each bureau's jurisdiction starts in this local hour.
        "MATCHING_NIGHTLY_HOUR": int(env.get("MATCHING_NIGHTLY_HOUR", "2")),
        # A run still "running" this many seconds after it started has lost its worker.
        "MATCHING_RUN_STALLED_AFTER": int(env.get("MATCHING_RUN_STALLED_AFTER", "3600")),
        # Loads and solves again when capacity changed meanwhile; the last attempt locks
        # the pool's services first.
        "MATCHING_ATTEMPTS": int(env.get("MATCHING_ATTEMPTS", "3")),
        # Local changes to the mainland calendar of working days (ISO dates, comma
        # separated): days off it does not know, and working days it does not know.
        "HOLIDAYS": _dates(env, "AIDBRIDGE_HOLIDAYS"),
        "WORKDAYS": _dates(env, "AIDBRIDGE_WORKDAYS"),
        # E-mail of notifications (none without SMTP_HOST): sent by a periodic job, for
        # notifications at most NOTIFICATION_EMAIL_MAX_AGE seconds old, with links under
        # PUBLIC_URL.
        "SMTP_HOST": env.get("SMTP_HOST") or None,
        "SMTP_PORT": int(env.get("SMTP_PORT", "587")),
        "SMTP_USERNAME": env.get("SMTP_USERNAME") or None,
        "SMTP_PASSWORD": env.get("SMTP_PASSWORD") or None,
        "SMTP_STARTTLS": _flag(env, "SMTP_STARTTLS", True),
        "MAIL_FROM": env.get("MAIL_FROM", "AidBridge <noreply@localhost>"),
        "PUBLIC_URL": env.get("PUBLIC_URL", "http://127.0.0.1:5000").rstrip("/"),
        "NOTIFICATION_EMAIL_MAX_AGE": int(env.get("NOTIFICATION_EMAIL_MAX_AGE", "86400")),
        # A contract's spending is on track while within this share of its time elapsed.
        "MONITORING_BURN_TOLERANCE": float(env.get("MONITORING_BURN_TOLERANCE", "0.10")),
        # A list longer than this is exported through the queue, to download when ready.
        "MONITORING_EXPORT_INLINE_ROWS": int(env.get("MONITORING_EXPORT_INLINE_ROWS", "5000")),
        # An export still queued or building this many seconds after it was asked for or
        # started is failed (its job was lost, or its worker ended); every export is
        # deleted with its file after this many days.
        "EXPORT_STALLED_AFTER": int(env.get("EXPORT_STALLED_AFTER", "1800")),
        "EXPORTS_KEPT_DAYS": int(env.get("EXPORTS_KEPT_DAYS", "7")),
        "API_PAGE_SIZE": 50,
        "API_MAX_PAGE_SIZE": 200,
    }
