"""Fixtures: a session-wide app and schema, a transaction rolled back per test.

The suite runs on SQLite by default. With ``TEST_DATABASE_URL`` it runs on that
database (PostgreSQL in CI); with ``TEST_REDIS_URL`` the queue tests use real
Redis and RQ. Under CI (``CI=true``) an unreachable service fails the run.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import g
from flask_migrate import upgrade
from sqlalchemy.orm import scoped_session, sessionmaker

from aidbridge import create_app, tenancy
from aidbridge.accounts.models import Role, TenantType
from aidbridge.areas.service import load_areas
from aidbridge.config import database_url
from aidbridge.extensions import db as _db
from aidbridge.policy.pack import read_pack, shipped_pack_files
from aidbridge.policy.service import install_shipped_packs
from aidbridge.pool.taxonomy import load_taxonomy

from factories import ENGLISH, bearer, make_tenant, make_token, make_user

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL") or None
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL") or None
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
# ../shared beside the repository (HSDS schemas and examples, used from there).
SHARED = Path(os.environ.get("AIDBRIDGE_SHARED") or Path(__file__).resolve().parents[2] / "shared")


def pytest_collection_modifyitems(items) -> None:
    """Tests that commit for real and leave what cannot be deleted (final assessments,
    audit entries) run after all the others, which count rows without them."""
    items.sort(key=lambda item: item.get_closest_marker("commits") is not None)


@pytest.fixture(scope="session")
def shared() -> Path:
    if not (SHARED / "hsds" / "schema").is_dir():
        pytest.fail(
            f"{SHARED} has no hsds/schema: put shared/ beside the repository "
            "or set AIDBRIDGE_SHARED"
        )
    return SHARED


def _reset_database(url: str) -> None:
    """Start from an empty database so that the migrations build the whole schema."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
    except sa.exc.OperationalError as exc:
        message = f"TEST_DATABASE_URL is set but the database cannot be reached: {exc}"
        if IN_CI:
            raise RuntimeError(message) from exc
        pytest.exit(message, returncode=3)
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    if TEST_DATABASE_URL:
        url = database_url(TEST_DATABASE_URL, tmp_path_factory.getbasetemp())
        _reset_database(url)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            "WTF_CSRF_ENABLED": False,
            "REDIS_URL": TEST_REDIS_URL,
            "JOBS_IN_PROCESS": True,
            "SESSION_COOKIE_SECURE": False,
            # A fixed key for the suite only; real ones come from the environment or setup.
            "PII_KEY": "t3Qm0n6bKp2GQe3v9Vf0lq5JcY1pWm8Zx4sR7dH2aLk=",
        }
    )
    _requests_start_like_production(app)
    with app.app_context():
        upgrade()
        load_areas()
        load_taxonomy()
        install_shipped_packs()
        _db.session.commit()
        _db.session.remove()
    yield app
    with app.app_context():
        _db.engine.dispose()


@pytest.fixture
def db(app):
    """The database, inside one transaction that is rolled back after the test.

    Services commit as usual; their commits become savepoints of the outer
    transaction. The test body itself may read across tenants.
    """
    with app.app_context():
        connection = _db.engine.connect()
        outer = connection.begin()
        original = _db.session
        # A plain Session: Flask-SQLAlchemy's own would pick the engine, not this connection.
        _db.session = _TestSession(
            sessionmaker(bind=connection, join_transaction_mode="create_savepoint")
        )
        try:
            with tenancy.all_tenants():
                yield _db
        finally:
            _db.session.end()
            _db.session = original
            outer.rollback()
            connection.close()


class _TestSession(scoped_session):
    """The test's session, for the whole test: a job run in process ends its own app
    context, whose teardown would otherwise close it and leave the test's objects
    detached."""

    def remove(self) -> None:
        self.expire_all()

    def end(self) -> None:
        super().remove()


def _requests_start_like_production(app) -> None:
    """Test requests share the test's app context (and so ``g`` and the session);
    make each start as a real one does: empty ``g``, nothing cached, no tenant in
    scope. Installed first and torn down last, for every client (test client,
    schemathesis, a bare Werkzeug client)."""

    def start():
        g.__dict__.clear()
        _db.session.expire_all()
        g.test_scope = tenancy._scope.set(None)

    def finish(exc):
        token = g.pop("test_scope", None)
        if token is not None:
            tenancy._scope.reset(token)

    app.before_request_funcs.setdefault(None, []).insert(0, start)
    # Teardown functions run last-registered first: put ours at the start to run last.
    app.teardown_request_funcs.setdefault(None, []).insert(0, finish)


@pytest.fixture
def client(app, db):
    return app.test_client()


@pytest.fixture
def redis_url():
    if not TEST_REDIS_URL:
        if IN_CI:
            pytest.fail("CI must set TEST_REDIS_URL: the queue tests need real Redis")
        pytest.skip("TEST_REDIS_URL not set")
    return TEST_REDIS_URL


@pytest.fixture(scope="session")
def packs():
    """The shipped policy packs, parsed once, by name."""
    return {name: read_pack(text, name)[1] for name, text in shipped_pack_files().items()}


@pytest.fixture
def bureau(db):
    """A Nantong bureau (its jurisdiction: 南通市)."""
    return make_tenant(TenantType.bureau, name="南通市崇川区民政局")


@pytest.fixture
def caseworker(bureau):
    return make_user(bureau, Role.caseworker)


@pytest.fixture
def charity(bureau):
    """The city's charity federation, in the bureau's pool."""
    return make_tenant(TenantType.charity, name="南通市慈善总会", jurisdiction="320600")


@pytest.fixture
def agency(bureau):
    """A social-work agency of Chongchuan district, in the bureau's pool."""
    return make_tenant(TenantType.agency, name="崇川区启航社工中心", jurisdiction="320613")


@pytest.fixture
def social_worker(agency):
    return make_user(agency, Role.caseworker)


@pytest.fixture
def api(client, caseworker):
    """Call the API as the bureau's caseworker: ``api("POST", "/households", json=…)``."""
    token = bearer(make_token(caseworker))

    def call(method, url, headers=None, **kwargs):
        headers = {**token, **(headers or {})}
        return client.open(f"/api/v1{url}", method=method, headers=headers, **kwargs)

    return call


@pytest.fixture
def api_en(api):
    """The caseworker's API in English, so messages read as the code has them."""

    def call(method, url, headers=None, **kwargs):
        return api(method, url, headers={**ENGLISH, **(headers or {})}, **kwargs)

    return call


@pytest.fixture
def as_user(client):
    """``as_user(user)``: call the API as ``user``, in English."""

    def caller(user):
        headers = {**bearer(make_token(user)), **ENGLISH}

        def call(method, url, **kwargs):
            return client.open(f"/api/v1{url}", method=method, headers=headers, **kwargs)

        return call

    return caller
