"""Policy packs in the pages: every tenant reads its own; the operator publishes."""

from __future__ import annotations

import io

from sqlalchemy import select

from aidbridge.accounts.models import TenantType
from aidbridge.policy.models import PolicyPackVersion

from factories import make_tenant, make_user, next_nantong_pack, sign_in

NEXT = next_nantong_pack()


def test_a_bureau_reads_its_jurisdictions_packs_and_their_rules(client, db):
    sign_in(client, make_user(make_tenant(TenantType.bureau), "caseworker"))
    listing = client.get("/policy/").get_data(as_text=True)
    assert "nantong-2021" in listing and "nantong-2017" in listing
    assert "changjiang-2021" not in listing
    assert "生效中" in listing and "已被取代" in listing
    version = db.session.scalar(
        select(PolicyPackVersion).where(
            PolicyPackVersion.version == "2021", PolicyPackVersion.jurisdiction == "nantong"
        )
    )
    page = client.get(f"/policy/{version.id}").get_data(as_text=True)
    assert "NT21-LI-1" in page and "低保标准2倍以下" in page
    assert "¥1,020.00" in page  # S from 1 July 2026
    assert "<code>property</code>" in page  # a local setting
    assert client.get("/policy/new").status_code == 403


def test_the_operator_publishes_a_version_in_the_pages(client, db):
    sign_in(client, make_user(make_tenant(TenantType.operator), "operator"))
    response = client.post("/policy/new", data={"text": NEXT})
    assert response.status_code == 302
    created = db.session.scalar(
        select(PolicyPackVersion).where(PolicyPackVersion.version == "2027")
    )
    assert created is not None and str(created.starts_on) == "2027-04-01"
    listing = client.get("/policy/").get_data(as_text=True)
    assert "nantong-2027" in listing and "changjiang-2021" in listing and "待生效" in listing


def test_a_broken_pack_is_shown_with_the_path_of_each_error(client, db):
    sign_in(client, make_user(make_tenant(TenantType.operator), "operator"))
    broken = NEXT.replace("months = 6\n", 'months = "six"\n')
    response = client.post("/policy/new", data={"text": broken})
    assert response.status_code == 422
    assert 'data-field="text">gradual_exit.months: ' in response.get_data(as_text=True)
    assert (
        db.session.scalar(select(PolicyPackVersion).where(PolicyPackVersion.version == "2027"))
        is None
    )


def test_an_uploaded_pack_that_is_not_utf_8_is_refused_on_the_file(client, db):
    sign_in(client, make_user(make_tenant(TenantType.operator), "operator"))
    response = client.post(
        "/policy/new",
        data={"text": "", "file": (io.BytesIO(NEXT.encode("gb18030")), "nantong-2027.toml")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert 'data-field="file">' in response.get_data(as_text=True)
    assert (
        db.session.scalar(select(PolicyPackVersion).where(PolicyPackVersion.version == "2027"))
        is None
    )


def test_an_uploaded_utf_8_pack_is_published(client, db):
    sign_in(client, make_user(make_tenant(TenantType.operator), "operator"))
    upload = io.BytesIO(NEXT.encode("utf-8-sig"))
    response = client.post(
        "/policy/new",
        data={"text": "", "file": (upload, "nantong-2027.toml")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert db.session.scalar(select(PolicyPackVersion).where(PolicyPackVersion.version == "2027"))
