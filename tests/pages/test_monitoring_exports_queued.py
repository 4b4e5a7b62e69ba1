"""Long monitoring lists are exported through the queue: the page asks first, the file is
built by the job (in process without Redis, on a real RQ worker with it) for the day,
language and filters it was asked with, and downloaded from its page when ready; a
stalled build is failed and old files are deleted."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from aidbridge.clock import utcnow
from aidbridge.exports import service as exports
from aidbridge.exports.models import Export, ExportStatus
from aidbridge.extensions import db

from monitoring_data import november
from page_forms import form_values, section, text

PERIOD = "since=2026-11-01&until=2026-11-30"


@pytest.fixture
def month(app, bureau, agency, social_worker):
    made = november(bureau, agency, social_worker)
    limit = app.config["MONITORING_EXPORT_INLINE_ROWS"]
    app.config["MONITORING_EXPORT_INLINE_ROWS"] = 1  # a list of two is "long" here
    yield made
    app.config["MONITORING_EXPORT_INLINE_ROWS"] = limit


def _ask(client, query: str):
    """Ask for an export, and confirm it on the page that says it will be prepared."""
    page = client.get(f"/monitoring/export?{query}")
    assert page.status_code == 200 and 'id="export-queue"' in page.text
    return client.post("/monitoring/exports", data=form_values(page.text, "export-queue"))


def test_a_long_list_is_prepared_and_downloaded_when_ready(client, worker, month):
    client.post("/language/en")
    page = client.get(f"/monitoring/export?table=referrals&format=csv&{PERIOD}")
    assert "This list has 5 rows (2026-11-01 – 2026-11-30)" in text(page)
    asked = _ask(client, f"table=referrals&format=xlsx&{PERIOD}&status=completed")
    assert asked.status_code == 302
    status = client.get(asked.headers["Location"])
    assert "Ready" in section(status, "export") and "2 rows" in section(status, "export")
    assert '<meta http-equiv="refresh"' not in status.text
    export = db.session.scalar(select(Export))
    assert (export.table, export.locale, export.rows) == ("monitoring.referrals", "en", 2)
    assert export.args == {"since": "2026-11-01", "until": "2026-11-30", "status": "completed"}
    download = client.get(f"/monitoring/exports/{export.id}/file")
    assert download.headers["Content-Disposition"] == (
        'attachment; filename="referrals-2026-11-01-2026-11-30.xlsx"'
    )
    sheet = load_workbook(BytesIO(download.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("No.", "Offered", "Need") and len(rows) == 1 + 2
    assert {r[8] for r in rows[1:]} == {"Completed"}
    listed = client.get("/monitoring/exports")
    assert "Referrals behind the figures" in section(listed, "exports")


def test_a_short_table_downloads_at_once_and_a_wrong_ask_is_refused(client, worker, month):
    summary = client.get(f"/monitoring/export?table=providers&format=csv&{PERIOD}")
    assert summary.headers["Content-Disposition"].startswith("attachment;")
    one = client.get(f"/monitoring/export?table=referrals&format=csv&{PERIOD}&status=declined")
    assert len(one.data.decode("utf-8-sig").splitlines()) == 2  # under the limit: at once
    refused = client.post("/monitoring/exports", data={"table": "secrets", "format": "csv"})
    assert refused.status_code == 404
    assert db.session.scalar(select(Export)) is None


def test_a_prepared_export_on_a_real_rq_worker(app, client, worker, month, redis_url):
    from redis import Redis
    from rq import Queue, SimpleWorker

    connection = Redis.from_url(redis_url)
    app.config.update(JOBS_IN_PROCESS=False)
    try:
        asked = _ask(client, f"table=referrals&format=csv&{PERIOD}")
        waiting = client.get(asked.headers["Location"])
        assert '<meta http-equiv="refresh" content="3">' in waiting.text
        assert "排队中" in section(waiting, "export")
        SimpleWorker([Queue("default", connection=connection)], connection=connection).work(
            burst=True
        )
    finally:
        app.config.update(JOBS_IN_PROCESS=True)
        Queue("default", connection=connection).empty()
    ready = client.get(asked.headers["Location"])
    assert "可下载" in section(ready, "export")
    export = db.session.scalar(select(Export))
    lines = client.get(f"/monitoring/exports/{export.id}/file").data.decode("utf-8-sig")
    assert lines.splitlines()[0].startswith("编号,已派发,需求")  # the language it was asked in
    assert len(lines.splitlines()) == 1 + 5


def test_a_stalled_export_is_failed_and_old_ones_are_deleted(app, client, worker, month):
    asked = _ask(client, f"table=referrals&format=csv&{PERIOD}")
    export = db.session.scalar(select(Export))
    export.status, export.started_at = ExportStatus.running, utcnow() - timedelta(hours=1)
    db.session.commit()
    assert exports.fail_stalled(utcnow()) == 1
    db.session.expire_all()
    assert export.status is ExportStatus.failed
    client.post("/language/en")
    failed = client.get(asked.headers["Location"])
    assert "could not be prepared" in section(failed, "export")
    assert client.get(f"/monitoring/exports/{export.id}/file").status_code == 404
    # One asked for whose job never ran (lost, or never queued) is failed too.
    lost = exports.request_export(worker, "monitoring.funnel", "csv", {}, "zh")
    lost.status = ExportStatus.queued
    lost.created_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    assert exports.fail_stalled(utcnow()) == 1
    db.session.expire_all()
    assert lost.status is ExportStatus.failed
    kept = app.config["EXPORTS_KEPT_DAYS"]
    assert exports.purge(utcnow() + timedelta(days=kept - 1)) == 0
    assert exports.purge(utcnow() + timedelta(days=kept + 1)) == 2
    assert db.session.scalar(select(Export)) is None


def test_the_prepared_exports_are_listed_page_by_page(client, worker):
    asked = {"table": "monitoring.funnel", "format": "csv", "args": {}, "locale": "zh"}
    for _ in range(51):
        db.session.add(Export(tenant_id=worker.tenant_id, created_by_id=worker.id, **asked))
    db.session.commit()
    client.post("/language/en")
    first = client.get("/monitoring/exports")
    assert "Prepared exports (51)" in text(first) and "Referral funnel" in section(first, "exports")
    assert first.text.count('href="/monitoring/exports/') == 50
    assert 'href="/monitoring/exports?page=2"' in first.text
    second = client.get("/monitoring/exports?page=2")
    assert second.text.count('href="/monitoring/exports/') == 1
