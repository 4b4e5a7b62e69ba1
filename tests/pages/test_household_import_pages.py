"""Importing households in the pages: the layout is documented where the file is
uploaded, and the report shows each rejected row with its line, column and reason."""

from __future__ import annotations

import io
import re
from datetime import date

from sqlalchemy import func, select

from aidbridge.accounts.models import Role
from aidbridge.households.models import Household

from factories import make_user, resident_id, sign_in

HEADER = "户编号,社区代码,详细地址,城乡类别,姓名,身份证号码,与户主关系,劳动能力,就业状况"


def _file(*lines: str) -> io.BytesIO:
    return io.BytesIO("\n".join([HEADER, *lines]).encode("utf-8"))


def _households(db, tenant_id: int) -> int:
    query = select(func.count()).select_from(Household).where(Household.tenant_id == tenant_id)
    return db.session.scalar(query)


def _upload(client, mode: str, *lines: str):
    return client.post(
        "/households/import",
        data={"file": (_file(*lines), "一月.csv"), "mode": mode},
        content_type="multipart/form-data",
    )


def test_the_import_page_documents_the_layout_and_offers_the_templates(client, worker, db):
    assert 'href="/households/import"' in client.get("/households/").get_data(as_text=True)
    page = client.get("/households/import").get_data(as_text=True)
    for text in ("身份证号码", "与户主关系", "户主/本人", "部分丧失劳动能力", "城市/城镇"):
        assert text in page
    assert 'href="/households/import/template.xlsx"' in page
    template = client.get("/households/import/template.csv")
    assert template.status_code == 200
    assert template.get_data().decode("utf-8-sig").startswith("户编号,社区代码")


def test_an_upload_imports_the_accepted_households_and_reports_the_rejected_rows(
    client, worker, db
):
    tenant_id = worker.tenant_id
    good, bad = resident_id(date(1966, 6, 6)), resident_id(date(1967, 7, 7))
    bad = bad[:17] + ("1" if bad[17] != "1" else "2")
    response = _upload(
        client,
        "accepted",
        f"1,320613001001,北大街1号,城市,王一,{good},户主,有劳动能力,失业",
        f"2,360202001001,外地路2号,农村,赵二,{bad},户主,有劳动能力,就业",
    )
    assert response.status_code == 302
    location = response.headers["Location"]
    assert re.search(r"/households/imports/\d+$", location)
    report = client.get(location).get_data(as_text=True)
    assert "一月.csv" in report
    assert "不在本单位辖区内" in report  # outside your jurisdiction, on 社区代码
    assert "身份证号码" in report and "社区代码" in report
    assert re.search(r"<td[^>]*>3</td>", report)  # the rejected row's line
    assert _households(db, tenant_id) == 1
    listing = client.get("/households/import").get_data(as_text=True)
    assert "一月.csv" in listing and location in listing


def test_a_check_writes_nothing(client, worker, db):
    tenant_id = worker.tenant_id
    number = resident_id(date(1966, 6, 6))
    response = _upload(
        client, "check", f"1,320613001001,北大街1号,城市,王一,{number},户主,有劳动能力,失业"
    )
    assert response.status_code == 302
    assert _households(db, tenant_id) == 0


def test_an_upload_without_a_file_is_refused_on_its_field(client, worker, db):
    response = client.post(
        "/households/import", data={"mode": "accepted"}, content_type="multipart/form-data"
    )
    assert response.status_code == 422
    assert "文件为空" in response.get_data(as_text=True)


def test_a_monitor_has_no_import_page(client, bureau, db):
    sign_in(client, make_user(bureau, Role.monitor))
    assert client.get("/households/import").status_code == 403
