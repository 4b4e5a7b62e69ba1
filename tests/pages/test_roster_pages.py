"""The roster of posts in the pages: an agency adds and ends posts and reads its share of
social-work posts (NT21-SW-1: 30 % of all posts) fall short; a bureau reads its pool's
providers' shares and their monthly record; a holder's ID number is shown masked, and
each reading in full is audited."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from aidbridge.accounts.models import Role, TenantType
from aidbridge.audit.models import AuditEvent
from aidbridge.clock import local_today
from aidbridge.contracts.models import Contract, ContractStatus, FundingSource
from aidbridge.extensions import db
from aidbridge.workforce import service as workforce
from aidbridge.workforce.models import Post

from factories import make_tenant, make_user, sign_in
from page_forms import form_values
from rosters import STARTS, certified, holder_id, make_post, make_roster


@pytest.fixture
def agency(db):
    return make_tenant(TenantType.agency, name="崇川区启航社会工作服务中心")


@pytest.fixture
def admin(client, agency):
    """The agency's administrator, signed in, reading the pages in English."""
    user = make_user(agency, Role.admin)
    sign_in(client, user)
    client.post("/language/en")
    return user


def _signed_in(client, user):
    sign_in(client, user)
    client.post("/language/en")
    return user


def _part(page: str, element_id: str) -> str:
    """The element with this id, up to the end of its section or table, as it reads
    ("<" rather than "&lt;")."""
    start = page.index(f'id="{element_id}"')
    ends = [i for i in (page.find("</section>", start), page.find("</table>", start)) if i > 0]
    return html.unescape(page[start : min(ends)])


def _row(page: str, text: str) -> str:
    """The table row holding ``text``."""
    return next(row for row in page.split("<tr") if text in row)


def _add(client, **fields):
    """Submit the roster's "Add a post" form as the page fills it, with ``fields``."""
    values = form_values(client.get("/roster/").get_data(as_text=True), "post-form")
    values.update(fields)
    return client.post("/roster/posts", data=values)


def _count(model=Post) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def _contract(bureau, provider, number: str) -> Contract:
    today = local_today()
    row = Contract(
        tenant_id=bureau.id,
        provider_id=provider.id,
        number=number,
        title="居家照护服务购买合同",
        starts_on=today.replace(month=1, day=1),
        ends_on=today.replace(month=12, day=31),
        budget_fen=1_000_000,
        funding_source=FundingSource.welfare_lottery,
        status=ContractStatus.active,
    )
    db.session.add(row)
    db.session.commit()
    return row


def test_an_agency_adds_and_ends_posts_and_sees_its_share_fall_short(client, bureau, agency, admin):
    contract = _contract(bureau, agency, "NTMZ-2026-007")
    social_work = make_roster(agency, social_work=2, management=7)[0]
    number = holder_id()

    added = _add(
        client, title="个案社工", category="social_work", holder_name="李娜",
        holder_id_number=number, qualification="social_worker",
        certificate_number="s 2026 001", certified_on="2025-06-01", starts_on=STARTS,
        contract_ids=str(contract.id),
    )  # fmt: skip

    assert added.status_code == 302, added.get_data(as_text=True)
    post = db.session.scalar(select(Post).where(Post.title == "个案社工"))
    assert (post.certificate_number, post.full_time, post.contract_ids) == (
        "S2026001",
        True,
        [contract.id],
    )
    assert post.holder_id_number_masked == number[:4] + "*" * 10 + number[-4:]
    page = client.get("/roster/").get_data(as_text=True)
    compliance = _part(page, "compliance")
    assert "NT21-SW-1: 3 social-work posts of 10 posts = 30.00 % ≥ 30.00 %" in compliance
    assert "more social-work post" not in compliance
    # The contract in force: one post serves it, a social-work one.
    assert "Contract NTMZ-2026-007" in compliance
    assert "1 social-work posts of 1 posts = 100.00 %" in compliance
    row = _row(_part(page, "posts"), "个案社工")
    assert "李娜" in row and "S2026001" in row and "NTMZ-2026-007" in row
    assert number not in page

    # Saving the post's form untouched keeps everything, the holder's ID number too.
    edit = f"/roster/posts/{post.id}/edit"
    untouched = form_values(client.get(edit).get_data(as_text=True), "post-form")
    assert untouched["holder_id_number"] == "" and untouched["contract_ids"] == str(contract.id)
    saved = client.post(edit, data=untouched)
    assert saved.status_code == 302, saved.get_data(as_text=True)
    db.session.expire_all()
    assert post.holder_id_number_masked is not None and post.contract_ids == [contract.id]
    assert _events("post.update") == []

    # A social-work post ends yesterday: 2 of 9 today, one more needed (3 of 10 = 30 %).
    yesterday = local_today() - timedelta(days=1)
    values = form_values(
        client.get(f"/roster/posts/{social_work.id}/edit").get_data(as_text=True), "end-form"
    )
    values["ends_on"] = yesterday.isoformat()
    ended = client.post(f"/roster/posts/{social_work.id}/end", data=values)

    assert ended.status_code == 302, ended.get_data(as_text=True)
    db.session.expire_all()
    assert social_work.ends_on == yesterday and _count() == 10  # ended, not deleted
    [event] = _events("post.end")
    assert event.after == {"ends_on": yesterday.isoformat()}
    page = client.get("/roster/").get_data(as_text=True)
    compliance = _part(page, "compliance")
    assert "NT21-SW-1: 2 social-work posts of 9 posts = 22.22 % < 30.00 %" in compliance
    assert "1 more social-work post needed" in compliance
    assert 'class="card notice-bad" id="compliance"' in page
    # The change is dated: today, the first day without the post.
    latest = _part(page, "changes").split("<tr>")[2]
    assert f"<td>{local_today()}</td>" in latest and "fell below the share" in latest
    # The roster of the day before still counts it.
    before = client.get(f"/roster/?active_on={yesterday}&category=social_work")
    assert before.get_data(as_text=True).count('<tr id="post-') == 3
    today = client.get(f"/roster/?active_on={local_today()}&category=social_work")
    assert today.get_data(as_text=True).count('<tr id="post-') == 2


def test_a_post_ending_before_it_starts_is_refused_on_its_field(client, agency, admin):
    response = _add(client, title="督导", category="management", starts_on="2026-03-01",
                    ends_on="2026-02-28")  # fmt: skip

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert '<small class="error" data-field="ends_on">cannot be before the start</small>' in page
    # The form keeps what was typed.
    assert form_values(page, "post-form")["title"] == "督导"
    assert _count() == 0 and _events("post.add") == []


def test_ending_a_post_before_its_start_is_refused_on_its_field(client, agency, admin):
    post = make_post(agency, "social_work")

    response = client.post(f"/roster/posts/{post.id}/end", data={"ends_on": "2025-12-31"})

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    end_form = page[page.index('id="end-form"') :]
    assert 'data-field="ends_on">cannot be before the start' in end_form
    db.session.expire_all()
    assert post.ends_on is None and _events("post.end") == []


def test_a_bureau_reads_its_providers_shares_and_a_providers_monthly_record(client, bureau, agency):
    make_roster(agency, social_work=3, management=7)
    charity = make_tenant(TenantType.charity, name="南通市慈善总会")
    make_roster(charity, social_work=1, support=9)
    elsewhere = make_tenant(TenantType.agency, jurisdiction="360202", policy_pack="changjiang")
    workforce.take_snapshots(date(2026, 5, 31))
    workforce.take_snapshots(date(2026, 6, 30))
    db.session.commit()
    _signed_in(client, make_user(bureau, Role.monitor))

    page = client.get("/staffing/").get_data(as_text=True)

    providers = _part(page, "providers")
    assert providers.index("南通市慈善总会") < providers.index(agency.name)  # short first
    assert elsewhere.name not in providers
    row = _row(providers, agency.name)
    assert "30.00 %" in row and "3 / 10" in row and "meets" in row
    row = _row(providers, "南通市慈善总会")
    assert "10.00 %" in row and "below" in row
    # 1 + k ≥ 0.3 (10 + k): k = 3.
    assert "3 more social-work posts needed" in row
    link = re.search(rf'href="(/staffing/{agency.id})"', providers).group(1)

    detail = client.get(link).get_data(as_text=True)

    assert "3 social-work posts of 10 posts = 30.00 %" in _part(detail, "compliance")
    trend = _part(detail, "trend")
    june, may = _row(trend, "2026-06"), _row(trend, "2026-05")
    for month in (june, may):
        assert "3 / 10" in month and "30.00 %" in month and "meets" in month
    assert trend.index("2026-06") < trend.index("2026-05")
    # Not a provider of its pool, not a provider at all: no such page.
    assert client.get(f"/staffing/{elsewhere.id}").status_code == 404
    assert client.get(f"/staffing/{bureau.id}").status_code == 404
    # A bureau keeps no roster.
    assert client.get("/roster/").status_code == 404


def test_another_organisation_never_reaches_a_post(client, agency):
    post = make_post(agency, **certified("S2026001", holder_id_number=holder_id()))
    other = make_tenant(TenantType.agency, name="另一家社工机构")
    _signed_in(client, make_user(other, Role.admin))

    assert client.get(f"/roster/posts/{post.id}/edit").status_code == 404
    assert client.post(f"/roster/posts/{post.id}/edit", data={"title": "x"}).status_code == 404
    assert client.post(f"/roster/posts/{post.id}/end", data={"ends_on": STARTS}).status_code == 404
    assert client.post(f"/roster/posts/{post.id}/holder-id-number").status_code == 404
    assert "S2026001" not in client.get("/roster/").get_data(as_text=True)
    db.session.expire_all()
    assert (post.title, post.ends_on) == ("社会工作者", None)
    assert _events("post.holder_id_number_read") == []
    # The agency's own assessor reads the roster; keeping it is not theirs.
    _signed_in(client, make_user(agency, Role.assessor))
    assert client.get("/roster/").status_code == 200
    assert client.get(f"/roster/posts/{post.id}/edit").status_code == 403


def test_a_holders_id_number_is_masked_and_each_full_reading_audited(client, agency, admin):
    number = holder_id()
    post = make_post(agency, **certified("S2026001", holder_id_number=number))
    masked = number[:4] + "*" * 10 + number[-4:]
    reveal = f"/roster/posts/{post.id}/holder-id-number"

    page = client.get("/roster/").get_data(as_text=True)

    assert masked in page and number not in page and f'action="{reveal}' in page
    revealed = client.post(reveal)
    assert revealed.status_code == 200
    assert number in _row(_part(revealed.get_data(as_text=True), "posts"), "S2026001")
    [event] = _events("post.holder_id_number_read")
    assert (event.target_id, event.actor_id) == (str(post.id), admin.id)
    # Masked again on the next page.
    assert number not in client.get("/roster/").get_data(as_text=True)

    # A caseworker keeps the roster but does not read numbers in full.
    _signed_in(client, make_user(agency, Role.caseworker))
    page = client.get("/roster/").get_data(as_text=True)
    assert masked in page and reveal not in page
    assert client.post(reveal).status_code == 403
    assert len(_events("post.holder_id_number_read")) == 1


def test_a_certificate_already_on_a_roster_is_refused_on_its_field(client, agency, admin):
    held = make_post(agency, **certified("S2026001"))

    response = _add(client, title="个案社工", category="social_work", holder_name="李娜",
                    qualification="social_worker", certificate_number="S2026001",
                    certified_on="2025-06-01")  # fmt: skip

    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert f'data-field="certificate_number">already held on post {held.id}' in page
    assert _count() == 1


def test_a_holder_leaves_and_the_post_stays_vacant(client, agency, admin):
    post = make_post(agency, **certified("S2026001", holder_id_number=holder_id()))
    edit = f"/roster/posts/{post.id}/edit"
    values = form_values(client.get(edit).get_data(as_text=True), "post-form")
    values.update(holder_name="", qualification="", certificate_number="", certified_on="")

    response = client.post(edit, data=values)

    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    assert post.vacant and post.holder_id_number_masked is None
    assert (post.qualification, post.certificate_number) == (None, None)
    row = _row(_part(client.get("/roster/").get_data(as_text=True), "posts"), "社会工作者")
    assert "vacant" in row
