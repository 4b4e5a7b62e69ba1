"""The monitoring dashboard in the pages: the month's funnel with its charts drawn as
SVG on the server and the numbers beside them, the active contracts' burn, the unmet
needs; a bad period refused on its field; a provider sees its own, without unmet needs."""

from __future__ import annotations

import re
from datetime import timedelta
from io import BytesIO

from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from aidbridge.clock import local_today, utcnow
from aidbridge.contracts import service as contracts
from aidbridge.extensions import db
from aidbridge.matching import service as matching
from aidbridge.referrals import service as referrals
from aidbridge.referrals.models import Referral
from aidbridge.tenancy import tenant_context

from factories import sign_in
from matching_data import assessed, contract_funding, funded, published
from page_forms import section, text


def test_the_bureau_reads_the_months_funnel_contracts_and_unmet_needs(
    client, worker, bureau, agency, social_worker
):
    contract = contract_funding(bureau, agency, units=10)
    funded(bureau, agency, contract, name="上门访视服务", places=5)
    _household, (need,) = assessed(bureau, {"dimension": "care"})
    assessed(bureau, {"dimension": "legal"})
    with tenant_context(bureau.id):
        run = matching.match_now(bureau, need, None, {})
        referral = db.session.scalar(select(Referral).where(Referral.run_id == run.id))
        referrals.offer(referral, None, utcnow())
        referrals.accept(referral, social_worker.id, social_worker, utcnow())
        db.session.commit()
    client.post("/language/en")
    page = client.get("/monitoring/")
    assert page.status_code == 200
    funnel = section(page, "funnel")
    assert "Offered 1" in funnel and "Acceptance rate 100.0%" in funnel
    assert "<svg" in page.text and 'aria-label="Declines by reason"' in page.text
    assert re.search(r'href="/monitoring/export\?[^"]*table=unmet', page.text)
    assert contract.number in section(page, "contracts")
    assert "崇川区启航社工中心 1 1" in section(page, "providers")
    unmet = section(page, "unmet")
    assert "Legal" in unmet and "not matched yet: 1" in unmet
    staffing = section(page, "staffing")
    assert "崇川区启航社工中心" in staffing and "30.0%" in staffing and "NT21-SW-1" in staffing
    assert "和平桥街道" in section(page, "reviews")

    refused = client.get("/monitoring/?since=2026-12-31&until=2026-12-01")
    assert refused.status_code == 422
    assert re.search(r'data-field="until">cannot be before the start<', refused.text)

    sign_in(client, social_worker)
    client.post("/language/en")
    own = client.get("/monitoring/")
    assert own.status_code == 200 and "Offered 1" in section(own, "funnel")
    assert 'id="unmet"' not in own.text
    assert "Monitoring" in text(own)


def test_every_table_exports_as_csv_and_xlsx_with_the_filters(client, worker, bureau, charity):
    published(charity, name="居家照护服务", places=0)
    assessed(bureau, {"dimension": "care", "urgency": "priority"})
    client.post("/language/en")
    csv_file = client.get("/monitoring/export?table=unmet&format=csv&dimension=care")
    assert csv_file.status_code == 200
    assert csv_file.headers["Content-Disposition"].startswith('attachment; filename="unmet-')
    text_csv = csv_file.data.decode("utf-8-sig")
    assert text_csv.splitlines()[0].startswith("Street,Need,Urgency,Number of needs")
    assert "和平桥街道,Care,Priority,1" in text_csv
    book = client.get("/monitoring/export?table=funnel&format=xlsx")
    assert book.status_code == 200
    sheet = load_workbook(BytesIO(book.data)).active
    assert [c.value for c in next(sheet.iter_rows(max_row=1))] == ["Measure", "Value"]
    for table in ("contracts", "staffing", "reviews", "providers"):
        assert client.get(f"/monitoring/export?table={table}&format=csv").status_code == 200
    assert client.get("/monitoring/export?table=secrets&format=csv").status_code == 404


def test_a_contracts_printable_report_for_a_period(client, worker, bureau, agency, social_worker):
    contract = contract_funding(bureau, agency, units=10, price_fen=8_000)
    (line,) = contract.items
    today = local_today()
    with tenant_context(bureau.id):
        for days_ago in (0, 3, 20):  # the last is before the reported period
            contracts.record_delivery(
                contract,
                {
                    "contract_item_id": line.id,
                    "units": 1,
                    "delivered_on": today - timedelta(days=days_ago),
                },
                social_worker,
            )
        db.session.commit()
    since = (today - timedelta(days=7)).isoformat()
    client.post("/language/en")
    page = client.get(f"/monitoring/contracts/{contract.id}/report?since={since}&until={today}")
    assert page.status_code == 200
    facts = section(page, "report-contract")
    assert "2 units, ¥160.00" in facts and "3 / 10" in facts
    deliveries = page.text[page.text.index('id="report-deliveries"') :]
    assert len(re.findall(r"<tr><td>\d{4}-\d\d-\d\d</td>", deliveries)) == 2
    # The same report as a PDF file, its text read back.
    pdf = client.get(f"/monitoring/contracts/{contract.id}/report.pdf?since={since}&until={today}")
    assert pdf.mimetype == "application/pdf"
    words = "".join(p.extract_text() for p in PdfReader(BytesIO(pdf.data)).pages)
    assert f"Report of contract {contract.number}" in words and agency.name in words
    assert "2 units, ¥160.00" in words and "3 / 10" in words
    assert len(re.findall(r"\d{4}-\d\d-\d\d\s+购买服务项目\s+1\s+¥80.00", words)) == 2
    client.post("/language/zh")
    chinese = client.get(f"/monitoring/contracts/{contract.id}/report.pdf?since={since}")
    assert "合同" in "".join(p.extract_text() for p in PdfReader(BytesIO(chinese.data)).pages)
    sign_in(client, social_worker)
    assert client.get(f"/monitoring/contracts/{contract.id}/report").status_code == 200
