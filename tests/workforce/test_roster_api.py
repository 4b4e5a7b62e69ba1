"""A provider keeps its roster of posts through the API: holders with their ID numbers
sealed, certificates once per jurisdiction, posts ended rather than deleted, contracts
served; every refusal names its field and writes nothing; nobody else sees a post."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from aidbridge.accounts.models import Role, TenantType
from aidbridge.audit.models import AuditEvent
from aidbridge.contracts.models import Contract, ContractStatus, FundingSource
from aidbridge.errors import Conflict
from aidbridge.extensions import db
from aidbridge.workforce.models import Post

from factories import make_tenant, make_user, wrong_check
from rosters import add, certified, holder_id, make_post, post_json


def _count(model=Post, **where) -> int:
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return db.session.scalar(query)


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


# --- adding, reading, changing, ending --------------------------------------------------------


def test_a_post_is_added_with_its_holders_id_number_masked_and_the_reading_logged(agency_api):
    number = holder_id()
    answer = agency_api("POST", "/posts", json=certified("S2026001", holder_id_number=number))

    assert answer.status_code == 201, answer.json
    post = answer.json
    assert post["holder_id_number"] == number[:4] + "**********" + number[-4:]
    assert (post["category"], post["qualification"]) == ("social_work", "social_worker")
    assert (post["certificate_number"], post["certified_on"]) == ("S2026001", "2025-06-01")
    assert post["vacant"] is False and post["ends_on"] is None
    [added] = _events("post.add")
    assert number not in str(added.after) and added.after["holder_id_number"].startswith("3206")

    revealed = agency_api("GET", f"/posts/{post['id']}/id-number")

    assert revealed.status_code == 200 and revealed.json == {"value": number}
    assert len(_events("post.holder_id_number_read")) == 1


def test_only_the_providers_admin_reads_a_holders_id_number_in_full(agency, as_user):
    post = make_post(agency, holder_id_number=holder_id())
    caseworker = as_user(make_user(agency, Role.caseworker))

    assert caseworker("GET", f"/posts/{post.id}/id-number").status_code == 403
    assert caseworker("GET", f"/posts/{post.id}").status_code == 200
    assert _events("post.holder_id_number_read") == []


def test_a_vacant_post_has_no_holder_to_reveal(agency, agency_api):
    post = make_post(agency, "social_work", holder_name="")

    answer = agency_api("GET", f"/posts/{post.id}/id-number")

    assert answer.status_code == 404 and "holder_id_number" in answer.json["errors"]


def test_the_roster_lists_posts_active_on_a_day_of_a_category(agency, agency_api):
    make_post(agency, "social_work", title="个案社工")
    make_post(agency, "social_work", title="已离任社工", ends_on="2026-03-31")
    make_post(agency, "management", title="主任")

    def titles(query):
        return {p["title"] for p in agency_api("GET", f"/posts{query}").json["items"]}

    assert titles("") == {"主任", "个案社工", "已离任社工"}
    assert titles("?active_on=2026-06-01") == {"主任", "个案社工"}
    assert titles("?active_on=2026-06-01&category=social_work") == {"个案社工"}
    assert titles("?active_on=2026-03-31&category=social_work") == {"个案社工", "已离任社工"}


def test_a_holder_leaves_and_the_certificate_goes_with_them(agency, agency_api):
    post = make_post(agency, **certified("S2026001", holder_id_number=holder_id()))
    vacate = {
        "holder_name": "",
        "holder_id_number": None,
        "qualification": None,
        "certificate_number": None,
        "certified_on": None,
    }

    answer = agency_api("PATCH", f"/posts/{post.id}", json=vacate)

    assert answer.status_code == 200, answer.json
    assert answer.json["vacant"] is True and answer.json["holder_id_number"] is None
    assert answer.json["certificate_number"] is None
    # The certificate is free for the post its holder takes next.
    taken = agency_api("POST", "/posts", json=certified("S2026001"))
    assert taken.status_code == 201
    [change] = _events("post.update")
    assert change.before["certificate_number"] == "S2026001"
    assert change.after["holder_name"] == ""


def test_ending_a_post_keeps_it_in_the_history(agency, agency_api):
    post = make_post(agency, "social_work")

    answer = agency_api("POST", f"/posts/{post.id}/end", json={"ends_on": "2026-06-30"})

    assert answer.status_code == 200 and answer.json["ends_on"] == "2026-06-30"
    assert agency_api("GET", f"/posts/{post.id}").json["ends_on"] == "2026-06-30"
    assert agency_api("GET", "/posts?active_on=2026-07-01").json["total"] == 0
    [ended] = _events("post.end")
    assert (ended.before, ended.after) == ({"ends_on": None}, {"ends_on": "2026-06-30"})
    # Ending earlier is allowed; later than the end already set is a change, not an end.
    later = agency_api("POST", f"/posts/{post.id}/end", json={"ends_on": "2026-07-31"})
    assert later.status_code == 422 and "ends_on" in later.json["errors"]
    earlier = agency_api("POST", f"/posts/{post.id}/end", json={"ends_on": "2026-05-31"})
    assert earlier.status_code == 200 and earlier.json["ends_on"] == "2026-05-31"


# --- refusals: a field named, nothing written -------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field", "reason"),
    [
        ({"ends_on": "2026-01-04"}, "ends_on", "cannot be before the start"),
        (
            {"qualification": "social_worker", "certificate_number": "S1"},
            "certified_on",
            "give the date of the certificate with its number",
        ),
        ({"certified_on": "2025-06-01"}, "certificate_number", "give the certificate's number"),
        (
            {"certificate_number": "S1", "certified_on": "2025-06-01"},
            "qualification",
            "give the qualification the certificate attests",
        ),
        (
            {
                "holder_name": "",
                "qualification": "social_worker",
                "certificate_number": "S1",
                "certified_on": "2025-06-01",
            },
            "certificate_number",
            "a vacant post holds no certificate",
        ),
        ({"holder_name": "", "holder_id_number": holder_id()}, "holder_name", "the holder's name"),
        ({"holder_id_number": wrong_check(holder_id())}, "holder_id_number", "check character"),
        ({"certified_on": "2099-01-01"}, "certified_on", "cannot be in the future"),
        ({"category": "volunteer"}, "category", "Must be one of"),
        ({"certificate_number": "S" * 41}, "certificate_number", "Longer than maximum length 40"),
    ],
)
def test_a_post_that_does_not_fit_together_is_refused_naming_the_field(
    agency_api, fields, field, reason
):
    answer = agency_api("POST", "/posts", json=post_json(**{"category": "social_work", **fields}))

    assert answer.status_code == 422
    assert reason in " ".join(answer.json["errors"][field]), answer.json
    assert _count() == 0 and _events("post.add") == []


def test_a_change_is_judged_with_the_post_as_it_would_become(agency, agency_api):
    post = make_post(agency, **certified("S2026001"))

    early_end = agency_api("PATCH", f"/posts/{post.id}", json={"ends_on": "2025-12-31"})
    late_start = agency_api(
        "PATCH", f"/posts/{post.id}", json={"starts_on": "2027-01-01", "ends_on": "2026-12-31"}
    )
    no_date = agency_api("PATCH", f"/posts/{post.id}", json={"certified_on": None})
    end_before_start = agency_api("POST", f"/posts/{post.id}/end", json={"ends_on": "2026-01-04"})

    assert early_end.status_code == 422 and "ends_on" in early_end.json["errors"]
    assert late_start.status_code == 422 and "ends_on" in late_start.json["errors"]
    assert no_date.status_code == 422 and "certified_on" in no_date.json["errors"]
    assert end_before_start.status_code == 422 and "ends_on" in end_before_start.json["errors"]
    db.session.expire_all()
    assert (post.ends_on, post.certified_on) == (None, date(2025, 6, 1))
    assert _events("post.update") == [] and _events("post.end") == []


def test_a_certificate_number_is_held_once_in_a_jurisdiction(agency, agency_api):
    first = make_post(agency, **certified("S2026001"))
    charity = make_tenant(TenantType.charity)  # Nantong too
    changjiang = make_tenant(TenantType.agency, jurisdiction="360202", policy_pack="changjiang")

    again = agency_api("POST", "/posts", json=certified(" s2026 001 "))

    assert again.status_code == 409
    assert again.json["errors"] == {"certificate_number": [f"already held on post {first.id}"]}
    with pytest.raises(Conflict) as elsewhere:
        add(charity, certified("S2026001"))
    assert elsewhere.value.errors == {
        "certificate_number": ["already held on a post of another organisation in the jurisdiction"]
    }
    assert _count() == 1 and len(_events("post.add")) == 1
    # Another jurisdiction keeps its own register of certificates.
    assert add(changjiang, certified("S2026001")).certificate_number == "S2026001"


def test_another_organisations_certificate_is_a_409_through_the_api_too(agency, as_user):
    charity = make_tenant(TenantType.charity)
    make_post(charity, **certified("S2026001"))
    own = make_post(agency, **certified("S2026002"))
    api = as_user(make_user(agency, Role.admin))

    created = api("POST", "/posts", json=certified("S2026001"))
    changed = api("PATCH", f"/posts/{own.id}", json={"certificate_number": "S2026001"})

    for answer in (created, changed):
        assert answer.status_code == 409
        assert answer.json["errors"]["certificate_number"] == [
            "already held on a post of another organisation in the jurisdiction"
        ]
    db.session.expire_all()
    assert own.certificate_number == "S2026002"
    assert _count(tenant_id=agency.id) == 1 and _events("post.update") == []


def test_a_post_serves_contracts_naming_its_provider_only(bureau, agency, agency_api):
    other = make_tenant(TenantType.agency)

    def contract(provider, number):
        row = Contract(
            tenant_id=bureau.id,
            provider_id=provider.id,
            number=number,
            title="购买服务",
            starts_on=date(2026, 1, 1),
            ends_on=date(2026, 12, 31),
            budget_fen=1_000_000,
            funding_source=FundingSource.welfare_lottery,
            status=ContractStatus.active,
        )
        db.session.add(row)
        db.session.commit()
        return row

    ours, theirs = contract(agency, "C-1"), contract(other, "C-2")

    linked = agency_api("POST", "/posts", json=post_json(contract_ids=[ours.id, ours.id]))
    refused = agency_api("POST", "/posts", json=post_json(contract_ids=[ours.id, theirs.id]))
    unknown = agency_api("POST", "/posts", json=post_json(contract_ids=[theirs.id + 1000]))

    assert linked.status_code == 201 and linked.json["contract_ids"] == [ours.id]
    for answer in (refused, unknown):
        assert answer.status_code == 422 and "contract_ids" in answer.json["errors"]
    assert _count() == 1
    post_id = linked.json["id"]
    unlinked = agency_api("PATCH", f"/posts/{post_id}", json={"contract_ids": []})
    assert unlinked.status_code == 200 and unlinked.json["contract_ids"] == []
    served = agency_api("GET", f"/posts?contract_id={ours.id}").json
    assert served["total"] == 0


# --- who may, and nobody else's posts ---------------------------------------------------------


def test_another_organisations_post_is_not_found(agency, agency_api, as_user):
    theirs = make_post(make_tenant(TenantType.charity), "social_work", title="别家的岗位")

    for method, url, body in (
        ("GET", f"/posts/{theirs.id}", None),
        ("PATCH", f"/posts/{theirs.id}", {"title": "改"}),
        ("POST", f"/posts/{theirs.id}/end", {"ends_on": "2026-02-01"}),
        ("GET", f"/posts/{theirs.id}/id-number", None),
    ):
        answer = agency_api(method, url, json=body)
        assert answer.status_code == 404, (method, url)
        assert "别家的岗位" not in answer.get_data(as_text=True)
    assert agency_api("GET", "/posts").json["total"] == 0
    db.session.expire_all()
    assert (theirs.title, theirs.ends_on) == ("别家的岗位", None)


def test_the_roster_is_kept_by_its_providers_admins_and_caseworkers(bureau, agency, as_user):
    assessor = as_user(make_user(agency, Role.assessor))
    bureau_admin = as_user(make_user(bureau, Role.admin))

    assert assessor("GET", "/posts").status_code == 200
    assert assessor("GET", "/compliance").status_code == 200
    assert assessor("POST", "/posts", json=post_json()).status_code == 403
    assert bureau_admin("POST", "/posts", json=post_json()).status_code == 403
    assert bureau_admin("GET", "/compliance").status_code == 403
    assert _count() == 0
