"""Sign-in throttling holds under concurrent attempts (PostgreSQL, real transactions)."""

import threading

import pytest
from sqlalchemy import delete

from aidbridge.accounts.models import LoginAttempt
from aidbridge.accounts.service import SignInRefused, authenticate
from aidbridge.extensions import db

from conftest import TEST_DATABASE_URL

pytestmark = [
    pytest.mark.skipif(not TEST_DATABASE_URL, reason="needs PostgreSQL"),
    pytest.mark.commits,
]
ATTEMPTS = 16


def test_concurrent_failures_never_exceed_the_limit(app):
    username = "nobody.concurrent"
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    outcomes: list[str] = []
    barrier = threading.Barrier(ATTEMPTS)

    def attempt(i: int) -> None:
        with app.test_request_context():
            barrier.wait()
            try:
                authenticate(username, "wrong-password", f"10.77.0.{i}")
            except SignInRefused as refused:
                outcomes.append(refused.reason)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(ATTEMPTS)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        with app.app_context():
            db.session.execute(delete(LoginAttempt).where(LoginAttempt.username == username))
            db.session.commit()
    assert len(outcomes) == ATTEMPTS
    # Each attempt is recorded before it is judged: at most `limit` get a password check.
    assert outcomes.count("invalid") <= limit
    assert outcomes.count("throttled") >= ATTEMPTS - limit
