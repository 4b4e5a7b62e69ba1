"""Tenant isolation, walked over every registered route.

Tenant A (a charity of another pool, and a bureau beside it) owns users, tokens,
services, households… whose texts and names carry a unique marker. A user of
tenant B (holding every role its tenant type allows) calls every rule of the URL
map with each of its methods, putting A's objects into the URL arguments. URL
objects are loaded in order and the first 404 ends the request, so where a URL
names several objects A could own (a member under its household) the route is
also called once per such argument, with only that one A's and the others B's own.

Every route is walked because the walk iterates ``app.url_map`` itself, and every
URL argument must be declared with ``url_objects``/``load`` (``_url`` fails on one
that names no model): a new route joins this test by existing.

Expected: A's tenant-owned objects, and A's pool's objects behind a
``SharedLookup`` that is not ``shared``, are 404; no response, whatever its
status, contains A's marker; nothing of A's changes; nothing answers 500.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date

import pytest
from sqlalchemy import func, inspect, select

from aidbridge.accounts.models import ApiToken, Role, Tenant, TenantType, User
from aidbridge.accounts.permissions import ASSIGNABLE_ROLES
from aidbridge.areas.models import Area
from aidbridge.clock import utcnow
from aidbridge.contracts import service as contracts
from aidbridge.contracts.models import Contract, Delivery, ItemStatus, PurchaseItem
from aidbridge.contracts.schemas import ContractInputSchema, PurchaseItemInputSchema
from aidbridge.exports.models import Export, ExportStatus
from aidbridge.extensions import db
from aidbridge.households import cases
from aidbridge.households.models import (
    CaseGrant,
    Decision,
    EconomicItem,
    Household,
    HouseholdImport,
    ImportMode,
    ImportStatus,
    Member,
)
from aidbridge.households.service import decide
from aidbridge.matching import service as matching
from aidbridge.matching.models import MatchingRun, UnmatchedNeed
from aidbridge.needs import service as needs
from aidbridge.needs.models import Assessment, Need
from aidbridge.needs.schemas import AssessmentInputSchema
from aidbridge.notifications.models import Notification
from aidbridge.policy.models import PolicyPackVersion
from aidbridge.pool import hsds
from aidbridge.pool.models import Project, Service, TaxonomyTerm
from aidbridge.referrals import service as referrals
from aidbridge.referrals.models import Referral
from aidbridge.tenancy import SharedLookup, TenantOwned, tenant_context
from aidbridge.workforce.models import Post

from factories import (
    bearer,
    household_data,
    make_project,
    make_service,
    make_tenant,
    make_token,
    make_user,
    member_data,
    register_household,
    sign_in,
)
from rosters import certified, holder_id, make_post

# URL arguments that name no object (a language code, a static file).
PLAIN_ARGUMENTS = {
    ("site.set_language", "code"): "en",
    ("static", "filename"): "app.css",
    ("hsds.taxonomy", "taxonomy_id"): hsds.taxonomy_id(),
}
METHODS = ("GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE")
# Signing out would end the walk's own session; it takes no object.
NOT_WALKED = {"site.sign_out"}
MARK = "Zq7"  # in every text of tenant A, and nowhere else


@pytest.fixture
def foreign(db):
    """Tenant A and its data, as the objects each model's URL argument will receive."""
    # Another pool (Changjiang), so even what A publishes is not B's to see.
    tenant = make_tenant(
        TenantType.charity, name=f"{MARK}慈善会", jurisdiction="360202", policy_pack="changjiang"
    )
    admin = make_user(tenant, Role.admin, username=f"{MARK}admin")
    admin.full_name = f"{MARK}管理员"
    admin.email = f"{MARK}@example.cn"
    make_user(tenant, Role.caseworker, username=f"{MARK}worker")
    from aidbridge.accounts import service

    token, _plain = service.create_token(admin, f"{MARK}token", None)
    notification = Notification(
        tenant_id=tenant.id, user_id=admin.id, kind="review_overdue", message=f"{MARK}通知"
    )
    db.session.add(notification)
    db.session.commit()
    project = make_project(tenant, status="active", title=f"{MARK}项目", areas=["360202"])
    published = make_service(
        tenant, name=f"{MARK}服务", status="published", areas=["360202"], project_id=project.id
    )
    # Households are a bureau's: A's bureau keeps one.
    bureau = make_tenant(
        TenantType.bureau, name=f"{MARK}民政局", jurisdiction="360202", policy_pack="changjiang"
    )
    household_objects = _household(bureau, "360202001001", MARK)
    household = household_objects[Household]
    grant = household_objects[CaseGrant]
    contract_objects = _contract(bureau, tenant, MARK)
    contract = contract_objects[Contract]
    # A's bureau matched its household's legal need with A's legal service.
    legal = make_service(
        tenant, name=f"{MARK}法律援助", status="published", areas=["360202"],
        dimension="legal", subcategory=None,
    )  # fmt: skip
    run = _run(bureau)
    referral = db.session.scalar(select(Referral).where(Referral.run_id == run.id))
    # Offered to A's charity: the provider's routes find it, for A only.
    referrals.offer(referral, None, utcnow())
    db.session.commit()
    post = make_post(
        tenant,
        **certified(
            f"{MARK}1", title=f"{MARK}岗位", holder_name=f"{MARK}王", holder_id_number=holder_id()
        ),
    )
    counts = dict.fromkeys(("read", "accepted", "rejected", "written"), 1)
    household_import = HouseholdImport(
        tenant_id=bureau.id,
        file_name=f"{MARK}.csv",
        mode=ImportMode.accepted,
        status=ImportStatus.imported,
        counts={"households": counts, "members": counts},
        report={
            "file_errors": {},
            "headers": {"household_ref": f"{MARK}户编号"},
            "households": counts,
            "members": counts,
            "rejected": [{"line": 2, "household_ref": MARK, "errors": {"name": [MARK]}}],
        },
    )
    db.session.add(household_import)
    # A's prepared export, its file ready to download.
    prepared = Export(
        tenant_id=bureau.id,
        table="monitoring.referrals",
        format="csv",
        args={},
        locale="zh",
        status=ExportStatus.ready,
        file_name=f"{MARK}.csv",
        rows=1,
        content=f"{MARK}\n".encode(),
    )
    db.session.add(prepared)
    db.session.commit()
    return {
        "tenant": tenant,
        "names": [tenant.name, bureau.name, grant.agency.name],
        "objects": {
            User: admin,
            ApiToken: token,
            Tenant: tenant,
            Area: tenant.jurisdiction,
            Service: published,
            Project: project,
            TaxonomyTerm: db.session.get(TaxonomyTerm, "care"),
            **household_objects,
            **contract_objects,
            Post: post,
            MatchingRun: run,
            Referral: referral,
            Notification: notification,
            HouseholdImport: household_import,
            Export: prepared,
            # Public policy, shared on purpose: A's jurisdiction's pack.
            PolicyPackVersion: db.session.scalar(
                select(PolicyPackVersion).where(PolicyPackVersion.jurisdiction == "changjiang")
            ),
        },
        "state": lambda: (
            admin.active,
            admin.full_name,
            token.revoked_at,
            tenant.status,
            sorted(admin.roles),
            # What the provider routes change.
            published.name,
            published.status,
            published.capacity_available,
            published.assured_date,
            project.title,
            project.status,
            project.funds_raised_fen,
            # What the household routes change.
            household.address,
            household.next_review_on,
            household.members[0].name,
            household.items[0].amount_fen,
            len(household.items),
            db.session.scalar(select(func.count(Decision.id))),
            db.session.scalar(select(func.count(Assessment.id))),
            db.session.scalar(select(func.count(Need.id))),
            notification.read_at,
            household_import.status,
            db.session.scalar(select(func.count(Export.id))),
            grant.ended_at,
            db.session.scalar(select(func.count(CaseGrant.id))),
            # What the contract and roster routes change.
            contract.title,
            contract.status,
            contract.spent_fen,
            contract.provider_id,
            contract_objects[PurchaseItem].name,
            contract_objects[PurchaseItem].status,
            db.session.scalar(select(func.count(Delivery.id))),
            post.title,
            post.ends_on,
            post.holder_name,
            # What the matching routes change.
            legal.capacity_available,
            contract.reserved_fen,
            referral.status,
            referral.worker_id,
            len(referral.events),
            *(
                db.session.scalar(select(func.count(m.id)).where(m.tenant_id == bureau.id))
                for m in (MatchingRun, Referral, UnmatchedNeed)
            ),
        ),
    }


def _household(bureau, community: str, mark: str = "") -> dict:
    """A household of ``bureau`` and one of each of its parts: a member, a pension,
    a decision, an assessment and the need it opened, and its case open to an agency
    of the bureau's pool."""
    data = household_data(
        member_data(date(1950, 2, 3), name=f"{mark}户主"),
        area_code=community,
        address=f"{mark}路1号",
    )
    data["items"] = [{"kind": "income", "type": "pension", "member": 0, "amount_fen": 30_000}]
    household = register_household(bureau, data)
    with tenant_context(bureau.id):
        decide(household, date(2026, 11, 10), None)
        need = {"dimension": "legal", "severity": "mild", "note": f"{mark}法律"}
        assessment = needs.assess(
            household,
            AssessmentInputSchema().load(
                {"assessed_on": "2026-11-11", "consents_to_share": True, "needs": [need]}
            ),
            None,
        )
        agency = make_tenant(
            TenantType.agency,
            name=f"{mark}社工事务所",
            jurisdiction=bureau.jurisdiction_code,
            policy_pack=bureau.policy_pack,
        )
        grant = cases.grant(
            bureau, household, {"agency_id": agency.id, "note": f"{mark}请协助评估"}, None
        )
        db.session.commit()
    return {
        Household: household,
        Member: household.members[0],
        EconomicItem: household.items[0],
        Assessment: assessment,
        Need: db.session.scalar(select(Need).where(Need.household_id == household.id)),
        CaseGrant: grant,
    }


def _contract(bureau, provider, mark: str = "") -> dict:
    """A published purchase-list entry of ``bureau`` and a draft contract buying it from
    ``provider``."""
    with tenant_context(bureau.id):
        item = contracts.add_item(
            PurchaseItemInputSchema().load(
                {
                    "code": f"{mark}JZ",
                    "name": f"{mark}居家照护",
                    "dimension": "care",
                    "unit": "hour",
                    "unit_price_fen": 5_000,
                }
            )
        )
        contracts.set_item_status(item, ItemStatus.published)
        contract = contracts.create_contract(
            bureau,
            ContractInputSchema().load(
                {
                    "provider_id": provider.id,
                    "number": f"{mark}HT-1",
                    "title": f"{mark}购买服务合同",
                    "starts_on": "2026-01-01",
                    "ends_on": "2026-12-31",
                    "budget_fen": 100_000,
                    "funding_source": "special_funds",
                    "areas": [bureau.jurisdiction_code],
                    "items": [{"purchase_item_id": item.id, "units": 20}],
                }
            ),
        )
        db.session.commit()
    return {PurchaseItem: item, Contract: contract}


def _run(bureau) -> MatchingRun:
    """A matching run of ``bureau`` over its jurisdiction (run in process)."""
    with tenant_context(bureau.id):
        run = matching.start_run(bureau, None, {})
        db.session.commit()
    return run


def _export(tenant: Tenant) -> Export:
    export = Export(
        tenant_id=tenant.id, table="monitoring.funnel", format="csv", args={}, locale="zh"
    )
    db.session.add(export)
    db.session.flush()
    return export


def _own_objects(viewer: User) -> dict:
    """B's own objects, for the arguments of a URL that are not A's. (Any tenant may
    hold a household, a contract or a roster here: the routes refuse those whose type
    may not.)"""
    tenant = viewer.tenant
    own = {User: viewer, Tenant: tenant, Area: tenant.jurisdiction}
    provider = make_tenant(TenantType.agency, jurisdiction=tenant.jurisdiction_code)
    return (
        own
        | _household(tenant, "320613001001")
        | _contract(tenant, provider)
        | {Post: make_post(tenant), MatchingRun: _run(tenant), Export: _export(tenant)}
    )


def _text(response) -> str:
    """Everything a response says, unpacking archives (exports)."""
    if response.mimetype == "application/zip" and response.get_data():
        archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
        return "\n".join(archive.read(n).decode("utf-8") for n in archive.namelist())
    document = response.get_json(silent=True)
    if document is not None:  # as it reads, not as JSON escapes it (names are Chinese)
        return json.dumps(document, ensure_ascii=False)
    return response.get_data().decode("utf-8", errors="replace")


def _routes(app):
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        declared = getattr(view, "url_objects", {})
        methods = sorted(m for m in rule.methods if m in METHODS)
        yield rule, declared, methods


def _hidden(spec) -> bool:
    """Is another tenant's object, named by this declaration, a 404?"""
    if isinstance(spec, SharedLookup):
        return not spec.shared  # another pool's service is; the shared taxonomy's term is not
    return spec is not None and issubclass(spec, TenantOwned)


def _foreign_argument_sets(rule, declared) -> list[set[str]]:
    """Which arguments get A's objects: all of them; and, where the URL names several
    objects that A's would hide, each of those alone (the others are B's own)."""
    hidden = [argument for argument in rule.arguments if _hidden(declared.get(argument))]
    return [set(rule.arguments)] + ([{a} for a in hidden] if len(hidden) > 1 else [])


def _url(rule, declared, foreign_args, foreign, own) -> str:
    """The rule's URL with A's objects in ``foreign_args`` and B's in the others."""
    values = {}
    for argument in rule.arguments:
        if (rule.endpoint, argument) in PLAIN_ARGUMENTS:
            values[argument] = PLAIN_ARGUMENTS[(rule.endpoint, argument)]
            continue
        spec = declared.get(argument)
        model = getattr(spec, "model", spec)  # a SharedLookup names its model
        assert model is not None, (
            f"{rule.rule}: argument <{argument}> names no model; declare it with "
            "url_objects(...) or endpoint(load=...) so isolation can be checked"
        )
        objects = foreign if argument in foreign_args else own
        assert model in objects, f"{rule.rule}: add B's own {model.__name__} to _own_objects"
        obj = objects[model]
        if isinstance(spec, SharedLookup):  # it says what its URLs carry
            values[argument] = spec.url_value(obj)
        else:
            values[argument] = getattr(obj, inspect(model).primary_key[0].name)
    return rule.build(values, append_unknown=False)[1]


@pytest.mark.parametrize("viewer_type", list(TenantType))
def test_no_route_gives_another_tenants_data(app, client, db, foreign, viewer_type):
    viewer_tenant = make_tenant(viewer_type)
    viewer = make_user(viewer_tenant, *ASSIGNABLE_ROLES[viewer_type])
    own = _own_objects(viewer)
    headers = bearer(make_token(viewer))
    sign_in(client, viewer)
    # The platform operator manages every tenant: A's names, and nothing else of A's,
    # are its to read.
    readable = foreign["names"] if viewer_type == TenantType.operator else []
    before = foreign["state"]()
    for rule, declared, methods in _routes(app):
        if rule.endpoint in NOT_WALKED:
            continue
        is_api = rule.endpoint.startswith(("api.", "hsds."))
        for foreign_args in _foreign_argument_sets(rule, declared):
            url = _url(rule, declared, foreign_args, foreign["objects"], own)
            hidden = any(_hidden(declared.get(argument)) for argument in foreign_args)
            for method in methods:
                response = client.open(
                    url,
                    method=method,
                    headers=headers if is_api else None,
                    json={} if is_api and method != "GET" else None,
                )
                where = f"{method} {url} as {viewer_type}"
                assert response.status_code != 500, where
                # Flask answers OPTIONS itself (Allow header, no view, no data).
                if hidden and method != "OPTIONS":
                    assert response.status_code == 404, f"{where}: {response.status_code}"
                body = _text(response)
                response.close()
                for name in readable:
                    body = body.replace(name, "")
                assert MARK not in body, where
    db.session.expire_all()
    assert foreign["state"]() == before


def test_lists_stay_inside_the_tenant(client, db, foreign):
    viewer = make_user(make_tenant(), Role.admin, Role.monitor)
    headers = bearer(make_token(viewer))
    users = client.get("/api/v1/users", headers=headers).json["items"]
    assert [u["username"] for u in users] == [viewer.username]
    tokens = client.get("/api/v1/tokens", headers=headers).json["items"]
    assert {t["username"] for t in tokens} == {viewer.username}
    audit = client.get("/api/v1/audit", headers=headers).json["items"]
    assert audit and all(MARK not in str(e) for e in audit)
    assert db.session.scalars(select(User).where(User.tenant_id == foreign["tenant"].id)).all()
