"""Bulk import of households (CSV and XLSX): every row checked as registration checks
it, each rejected row reported with its line, column and reason, the accepted
households written in one go — or nothing, as the mode says."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from urllib.parse import quote

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from aidbridge.accounts.models import Role, TenantType
from aidbridge.audit.models import AuditEvent
from aidbridge.households import importing
from aidbridge.households.models import Household, HouseholdImport
from aidbridge.resident_id import check_character

from factories import (
    ENGLISH,
    bearer,
    household_data,
    make_tenant,
    make_token,
    make_user,
    member_data,
    register_household,
    resident_id,
    wrong_check,
)

CHINESE = ["户编号", "社区代码", "详细地址", "城乡类别", "联系电话", "授权核查日期", "登记日期"]
CHINESE += ["姓名", "身份证号码", "与户主关系", "劳动能力", "就业状况", "在学阶段"]
CODES = ["household_ref", "area_code", "address", "setting", "phone", "checks_authorised_on"]
CODES += ["registered_on", "name", "id_number", "relation", "labour_capacity", "employment"]
CODES += ["school_stage"]
COMMUNITY = "320613001001"  # 北大街社区, Nantong


def _head(ref: str, number: str, **cells) -> list:
    row = {
        "household_ref": ref,
        "area_code": COMMUNITY,
        "address": f"北大街{ref}号",
        "setting": "城市",
        "phone": "13812345678",
        "checks_authorised_on": "2026/11/2",
        "registered_on": "2026-11-02",
        "name": "张三",
        "id_number": number,
        "relation": "户主",
        "labour_capacity": "有劳动能力",
        "employment": "失业",
        "school_stage": "",
        **cells,
    }
    return [row[code] for code in CODES]


def _member(ref: str, number: str, relation: str = "子女", **cells) -> list:
    """A later row of the household: its household columns left empty."""
    row = dict.fromkeys(CODES, "") | {
        "household_ref": ref,
        "name": "张小明",
        "id_number": number,
        "relation": relation,
        "labour_capacity": "完全丧失劳动能力",
        "employment": "非劳动力",
        "school_stage": "初中",
        **cells,
    }
    return [row[code] for code in CODES]


def _csv(rows: list[list], header=CHINESE, encoding="utf-8-sig") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([header, *rows])
    return buffer.getvalue().encode(encoding)


def _import(api, raw: bytes, mode: str = "accepted", media="text/csv", name="户.csv"):
    response = api(
        "POST",
        f"/households/import?mode={mode}&file_name={quote(name)}",
        data=raw,
        content_type=media,
        headers=ENGLISH,
    )
    assert response.status_code == 202, response.json
    return response.json


def _rejected(body: dict) -> dict[int, dict]:
    return {r["line"]: r["errors"] for r in body["report"]["rejected"]}


def _households(api) -> int:
    """How many households the bureau has (other tests' bureaus are not counted)."""
    return api("GET", "/households").json["total"]


def _child() -> str:
    return resident_id(date(2012, 3, 1))


def _adult() -> str:
    return resident_id(date(1970, 5, 1))


# --- what is written ----------------------------------------------------------------------------


def test_a_csv_with_chinese_headers_and_words_registers_the_households(api, db):
    head, child, single = _adult(), _child(), _adult()
    raw = _csv([_head("A1", head), _member("A1", child), _head("A2", single, setting="农村")])
    body = _import(api, raw)
    assert body["status"] == "imported" and body["file_name"] == "户.csv"
    report = body["report"]
    assert report["households"] == {"read": 2, "accepted": 2, "rejected": 0, "written": 2}
    assert report["members"] == {"read": 3, "accepted": 3, "rejected": 0, "written": 3}
    assert report["rejected"] == [] and report["headers"]["id_number"] == "身份证号码"

    found = api("GET", f"/households?id_number={child}").json["items"]
    assert len(found) == 1 and found[0]["member_count"] == 2
    household = api("GET", f"/households/{found[0]['id']}").json
    assert (household["setting"], household["phone"]) == ("urban", "138****5678")
    assert household["checks_authorised_on"] == "2026-11-02"
    kid = next(m for m in household["members"] if m["relation"] == "child")
    assert kid["id_number"] == child[:4] + "*" * 10 + child[-4:]
    assert (kid["birth_date"], kid["school_stage"], kid["labour_capacity"]) == (
        "2012-03-01",
        "junior_secondary",
        "none",
    )
    rural = api("GET", f"/households?id_number={single}").json["items"][0]
    assert rural["setting"] == "rural" and rural["head_name"] == "张三"


def test_an_import_writes_one_audit_entry_naming_its_households(api, bureau, db):
    bureau_id = bureau.id  # the job in process ends the test's session
    body = _import(api, _csv([_head("1", _adult()), _head("2", _adult())]))
    entries = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "household.import", AuditEvent.tenant_id == bureau_id
        )
    ).all()
    assert len(entries) == 1
    after = entries[0].after
    assert entries[0].target_id == str(body["id"]) and entries[0].actor_name
    assert (after["households"], after["members"], after["mode"]) == (2, 2, "accepted")
    tenant = entries[0].tenant_id
    ids = set(db.session.scalars(select(Household.id).where(Household.tenant_id == tenant)))
    assert set(after["household_ids"]) == ids and len(ids) == 2
    registered = select(func.count()).where(
        AuditEvent.action == "household.register", AuditEvent.tenant_id == tenant
    )
    assert db.session.scalar(registered) == 0  # one entry, not one per household


def test_an_xlsx_with_code_headers_and_date_cells_is_imported(api, db):
    head, spouse = _adult(), resident_id(date(1972, 8, 9), female=True)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["household_ref", "area_code", "address", "setting", "checks_authorised_on"])
    sheet["F1"], sheet["G1"], sheet["H1"], sheet["I1"] = "name", "id_number", "relation", "劳动能力"
    sheet["J1"], sheet["K1"], sheet["L1"] = "employment", "disability_type", "disability_grade"
    sheet["M1"] = "major_illness"
    day = datetime(2026, 10, 5)
    sheet.append([1, 320613001001, "虹桥新村5号", "urban", day, "王强", head, "head", "full"])
    sheet["J2"] = "employed"
    sheet.append([1, None, None, None, None, "李梅", spouse, "配偶", "部分丧失劳动能力"])
    sheet["J3"], sheet["K3"], sheet["L3"], sheet["M3"] = "灵活就业", "肢体残疾", "二级", "是"
    buffer = io.BytesIO()
    workbook.save(buffer)
    body = _import(api, buffer.getvalue(), media=importing.XLSX_TYPE, name="户.xlsx")
    assert body["status"] == "imported", body["report"]
    household = api("GET", f"/households?id_number={spouse}").json["items"][0]
    detail = api("GET", f"/households/{household['id']}").json
    assert detail["checks_authorised_on"] == "2026-10-05" and detail["area_name"] == "北大街社区"
    wife = next(m for m in detail["members"] if m["relation"] == "spouse")
    assert (wife["disability_type"], wife["disability_grade"], wife["major_illness"]) == (
        "physical",
        2,
        True,
    )
    assert (wife["sex"], wife["employment"]) == ("female", "flexible")


def test_a_gb18030_csv_as_excel_in_china_saves_it_is_read(api, db):
    number = _adult()
    body = _import(api, _csv([_head("甲", number, address="濠西路八号")], encoding="gb18030"))
    assert body["status"] == "imported", body["report"]
    household = api("GET", f"/households?id_number={number}").json["items"][0]
    assert api("GET", f"/households/{household['id']}").json["address"] == "濠西路八号"


def test_a_check_writes_nothing_and_reports_what_an_import_would_do(api, db):
    body = _import(api, _csv([_head("1", _adult()), _head("2", wrong_check(_adult()))]), "check")
    assert body["status"] == "checked"
    assert body["report"]["households"] == {"read": 2, "accepted": 1, "rejected": 1, "written": 0}
    assert list(_rejected(body)) == [3]
    assert _households(api) == 0


def test_all_or_nothing_writes_nothing_when_a_row_is_rejected(api, db):
    rows = [_head("1", _adult()), _head("2", _adult(), area_code="360202001001")]
    body = _import(api, _csv(rows), "all_or_nothing")
    assert body["status"] == "refused"
    assert _rejected(body) == {3: {"area_code": ["outside your jurisdiction"]}}
    assert body["report"]["households"]["written"] == 0 and _households(api) == 0
    body = _import(api, _csv(rows[:1]), "all_or_nothing")
    assert body["status"] == "imported" and _households(api) == 1


def test_accepted_mode_writes_the_good_households_and_rejects_a_household_whole(api, db):
    good, head, bad_child = _adult(), _adult(), wrong_check(_child())
    rows = [_head("1", good), _head("2", head), _member("2", bad_child)]
    body = _import(api, _csv(rows))
    assert body["status"] == "imported"
    assert _rejected(body) == {
        3: {"household_ref": ["another row of this household was rejected"]},
        4: {"id_number": ["the check character is wrong; please check the number"]},
    }
    assert [r["household_ref"] for r in body["report"]["rejected"]] == ["2", "2"]
    assert body["report"]["members"] == {"read": 3, "accepted": 1, "rejected": 2, "written": 1}
    assert _households(api) == 1
    assert api("GET", f"/households?id_number={head}").json["total"] == 0


# --- what is refused, and where -----------------------------------------------------------------


def test_two_heads_are_refused_on_both_lines(api, db):
    rows = [_head("1", _adult()), _member("1", _adult(), relation="户主")]
    body = _import(api, _csv(rows))
    reason = ["exactly one member is the head of the household"]
    assert _rejected(body) == {2: {"relation": reason}, 3: {"relation": reason}}
    assert body["status"] == "refused" and _households(api) == 0


def test_an_unknown_or_missing_column_refuses_the_file(api, db):
    body = _import(api, _csv([[*_head("1", _adult()), "x"]], header=[*CHINESE, "备注"]))
    assert body["status"] == "refused"
    assert body["report"]["file_errors"] == {"备注": ["unknown column"]}
    without_ids = [c for c in CHINESE if c != "身份证号码"]
    rows = [[v for c, v in zip(CHINESE, _head("1", _adult()), strict=True) if c != "身份证号码"]]
    body = _import(api, _csv(rows, header=without_ids))
    assert body["report"]["file_errors"] == {
        "id_number": ["the file has no such column; it is required"]
    }
    assert _households(api) == 0


def test_the_same_person_twice_in_the_file_is_refused_naming_both_lines(api, db):
    number = _adult()
    rows = [_head("1", number), _head("2", _adult()), _head("3", number.lower())]
    body = _import(api, _csv(rows))
    rejected = _rejected(body)
    assert rejected[2] == {"id_number": ["the same person is also on line 4"]}
    assert rejected[4] == {"id_number": ["the same person is also on line 2"]}
    assert body["report"]["households"]["written"] == 1


def test_a_person_registered_by_this_bureau_is_refused_naming_the_household(api, bureau, db):
    number = _adult()
    data = household_data(member_data(date(1970, 5, 1), id_number=number))
    existing = register_household(bureau, data).id
    body = _import(api, _csv([_head("1", number)]))
    assert _rejected(body) == {2: {"id_number": [f"already registered in household {existing}"]}}


def test_a_person_registered_by_another_bureau_is_refused_naming_only_the_bureau(api, db):
    other = make_tenant(TenantType.bureau, name="如东县民政局")
    number = _adult()
    data = household_data(member_data(date(1970, 5, 1), id_number=number), address="掘港镇秘密路9")
    existing = register_household(other, data).id
    response = api(
        "POST", "/households/import?mode=accepted", data=_csv([_head("1", number)]), headers=ENGLISH
    )
    assert _rejected(response.json) == {
        2: {"id_number": ["already registered by another bureau: 如东县民政局"]}
    }
    text = response.get_data(as_text=True)
    assert f"household {existing}" not in text and "秘密路" not in text


def test_a_household_outside_the_jurisdiction_or_not_in_a_community_is_refused(api, db):
    rows = [
        _head("1", _adult(), area_code="360202001001"),
        _head("2", _adult(), area_code="320613001"),
    ]
    rows.append(_head("3", _adult(), area_code="999999999999"))
    assert _rejected(_import(api, _csv(rows))) == {
        2: {"area_code": ["outside your jurisdiction"]},
        3: {"area_code": ["a household lives in a community"]},
        4: {"area_code": ["no such area"]},
    }


def test_bad_cells_are_named_by_line_and_column(api, db):
    future = "32061320991231123"
    rows = [
        _head("1", _adult(), setting="城里", checks_authorised_on="2026-13-01"),
        _head("2", future + check_character(future), relation="老板"),
        _head("3", _adult()),
        _member("3", _child(), address="另一个地址"),
        _member("", _child()),
    ]
    rejected = _rejected(_import(api, _csv(rows)))
    assert rejected[2]["setting"][0].startswith("Must be one of: urban (城市/城镇), rural (农村).")
    assert rejected[2]["checks_authorised_on"] == ["not a date: write it as 2026-01-05"]
    assert rejected[3]["id_number"] == ["the birth date it holds is in the future"]
    assert rejected[3]["relation"][0].startswith("Must be one of: head (户主/本人), spouse")
    assert rejected[5] == {"address": ["differs from line 4 of the same household"]}
    assert rejected[4] == {"household_ref": ["another row of this household was rejected"]}
    assert rejected[6] == {"household_ref": ["Missing data for required field."]}


def test_an_id_number_typed_as_a_number_in_excel_is_refused(api, db):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(CODES)
    row = _head("1", _adult())
    row[CODES.index("id_number")] = 320613197005011234
    sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    body = _import(api, buffer.getvalue(), media=importing.XLSX_TYPE)
    assert _rejected(body)[2]["id_number"] == [
        "enter the ID number as text: a number cell has lost its last digits"
    ]


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"\xd0\xcf\x11\xe0old", "an old Excel workbook (.xls): save it as .xlsx or as CSV"),
        (b"PK\x03\x04broken", "not a readable XLSX workbook"),
        (b"\n\n", "the file is empty"),
    ],
)
def test_an_unreadable_file_is_refused_whole(api, db, raw, reason):
    body = _import(api, raw)
    assert body["status"] == "refused"
    assert body["report"]["file_errors"] == {"file": [reason]}


def test_the_size_and_row_limits_are_clear(api, app, db, monkeypatch):
    raw = _csv([_head("1", _adult()), _head("2", _adult())])
    monkeypatch.setitem(app.config, "HOUSEHOLD_IMPORT_MAX_ROWS", 1)
    body = _import(api, raw)
    assert body["report"]["file_errors"] == {"file": ["more than 1 rows: split the file"]}
    monkeypatch.setitem(app.config, "HOUSEHOLD_IMPORT_MAX_MB", 0)
    response = api("POST", "/households/import", data=raw, headers=ENGLISH)
    assert response.status_code == 422
    assert response.json["errors"] == {"file": ["the file is larger than 0 MB"]}
    empty = api("POST", "/households/import", data=b"", headers=ENGLISH)
    assert empty.status_code == 422 and empty.json["errors"] == {"file": ["the file is empty"]}
    assert api("GET", "/households/imports").json["total"] == 1


# --- the job and the stored imports -------------------------------------------------------------


def test_imports_are_kept_without_their_file_and_listed(api, db):
    body = _import(api, _csv([_head("1", _adult())]), "check", name="../../一月.csv")
    assert body["file_name"] == "一月.csv"
    record = db.session.get(HouseholdImport, body["id"])
    assert record.upload is None  # the ID numbers in clear are not kept
    listed = api("GET", "/households/imports").json
    assert listed["total"] == 1
    assert listed["items"][0]["households"]["accepted"] == 1
    assert "report" not in listed["items"][0]
    assert api("GET", f"/households/imports/{body['id']}").json["report"] == body["report"]


def test_running_an_import_twice_changes_nothing(api, bureau, db):
    from aidbridge.jobs import enqueue

    tenant_id = bureau.id
    body = _import(api, _csv([_head("1", _adult())]))
    assert enqueue(importing.JOB, body["id"], tenant_id=tenant_id) is None
    assert _households(api) == 1


def test_another_bureaus_import_is_not_found(api, db):
    other = make_tenant(TenantType.bureau, name="海门区民政局")
    token = bearer(make_token(make_user(other, Role.caseworker)))
    body = _import(api, _csv([_head("1", _adult())]), "check")
    response = api("GET", f"/households/imports/{body['id']}", headers=token)
    assert response.status_code == 404
    listed = api("GET", "/households/imports", headers=token).json
    assert listed["total"] == 0


def test_the_templates_read_back_as_one_valid_household(api, db):
    csv_body = api("GET", "/households/import/template.csv")
    assert csv_body.status_code == 200 and csv_body.mimetype == "text/csv"
    text = csv_body.get_data().decode("utf-8-sig")
    assert text.startswith("户编号,社区代码,详细地址")
    xlsx = api("GET", "/households/import/template.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.get_data())).active
    assert sheet["I2"].number_format == "@" and sheet["A1"].value == "户编号"
    for raw in (csv_body.get_data(), xlsx.get_data()):
        body = _import(api, raw, "check")
        assert body["status"] == "checked", body["report"]
        assert body["report"]["households"]["accepted"] == 1
        assert body["report"]["members"]["accepted"] == 2


def test_only_keepers_of_households_may_import(client, bureau, db):
    monitor = bearer(make_token(make_user(bureau, Role.monitor)))
    response = client.post("/api/v1/households/import", data=b"x", headers=monitor)
    assert response.status_code == 403


def test_the_file_may_come_as_a_multipart_field_but_not_as_json(api, db):
    raw = _csv([_head("1", _adult())])
    response = api(
        "POST",
        "/households/import?mode=check",
        data={"file": (io.BytesIO(raw), "二月.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 202
    assert (response.json["file_name"], response.json["status"]) == ("二月.csv", "checked")
    refused = api("POST", "/households/import", json={"rows": []}, headers=ENGLISH)
    assert refused.status_code == 422 and list(refused.json["errors"]) == ["file"]
