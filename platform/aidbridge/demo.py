"""Demo tenants and users for the embedded mode, created through the normal services."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import select

from aidbridge.accounts import service
from aidbridge.accounts.credit_code import check_character
from aidbridge.accounts.models import Role, Tenant, TenantType, User
from aidbridge.extensions import db
from aidbridge.tenancy import tenant_context

DEMO_PASSWORD = "aidbridge-demo"


def _code(first17: str) -> str:
    return first17 + check_character(first17)


# (type, name, credit code, jurisdiction, [(username, full name, roles)]); the first user
# of each tenant is its administrator.
DEMO_TENANTS = [
    (
        TenantType.operator,
        "AidBridge 平台运营中心",
        _code("52320600MJD000001"),
        "320600",
        [
            ("operator", "平台运营员", [Role.operator, Role.admin]),
        ],
    ),
    (
        TenantType.bureau,
        "南通市民政局",
        _code("11320600014000001"),
        "320600",
        [
            ("bureau.admin", "王建国", [Role.admin]),
            ("bureau.caseworker", "李梅", [Role.caseworker]),
            ("bureau.assessor", "张伟", [Role.assessor]),
            ("bureau.monitor", "陈静", [Role.monitor]),
        ],
    ),
    (
        TenantType.charity,
        "南通市慈善总会",
        _code("53320600509000001"),
        "320600",
        [
            ("charity.admin", "刘芳", [Role.admin]),
            ("charity.worker", "赵磊", [Role.caseworker]),
        ],
    ),
    (
        TenantType.agency,
        "崇川区启航社会工作服务中心",
        _code("52320613MJD000002"),
        "320613",
        [
            ("agency.admin", "孙悦", [Role.admin]),
            ("agency.worker", "周洁", [Role.caseworker]),
            ("agency.assessor", "吴昊", [Role.assessor]),
        ],
    ),
    (
        TenantType.bureau,
        "景德镇市昌江区民政局",
        _code("11360202014000001"),
        "360202",
        [
            ("changjiang.admin", "黄涛", [Role.admin]),
        ],
    ),
]


def load_demo() -> list[tuple[str, str, list[str]]]:
    """Create what is missing; running it twice changes nothing. Returns the accounts."""
    accounts = []
    for tenant_type, name, code, area, users in DEMO_TENANTS:
        tenant = db.session.scalar(select(Tenant).where(Tenant.credit_code == code))
        first_username, first_name, _roles = users[0]
        if tenant is None:
            tenant, _admin = service.create_tenant(
                {
                    "type": tenant_type,
                    "name": name,
                    "credit_code": code,
                    "jurisdiction_code": area,
                    "policy_pack": None,
                    "admin": {
                        "username": first_username,
                        "full_name": first_name,
                        "email": None,
                        "password": DEMO_PASSWORD,
                    },
                }
            )
        with tenant_context(tenant.id):
            for username, full_name, roles in users:
                user = db.session.scalar(select(User).where(User.username == username))
                if user is None:
                    user = service.create_user(
                        tenant,
                        {
                            "username": username,
                            "full_name": full_name,
                            "email": None,
                            "password": DEMO_PASSWORD,
                            "roles": roles,
                        },
                        actor=None,  # the system itself
                    )
                elif set(roles) - user.roles:
                    service.update_user(
                        tenant, user, {"roles": sorted(set(roles) | user.roles)}, actor=None
                    )
                accounts.append((tenant.name, username, [str(r) for r in roles]))
    db.session.commit()
    return accounts


# Demo services and a charity project in the Nantong pool: (provider credit code,
# service fields). Coverage codes are streets and communities of Chongchuan district.
DEMO_SERVICES = [
    (
        DEMO_TENANTS[3][2],
        {
            "name": "高龄独居老人上门访视",
            "description": "社工每月上门探访高龄、独居困难老人，了解照料需求并链接资源",
            "dimension": "care",
            "subcategory": "care.home_visit",
            "target_groups": ["elderly"],
            "categories": ["dibao", "tekun", "low_income"],
            "min_age": 70,
            "areas": ["320613001", "320613002", "320613003"],
            "capacity": {"unit": "户次", "period": "month", "per_period": 60, "available": 42},
            "funding": "government_purchased",
            "locations": [
                {
                    "name": "和平桥街道社工站",
                    "area_code": "320613001001",
                    "address": "和平桥街道人民中路 88 号",
                    "latitude": None,
                    "longitude": None,
                }
            ],
        },
    ),
    (
        DEMO_TENANTS[3][2],
        {
            "name": "困难家庭心理疏导",
            "description": "为低保、特困家庭成员提供个案心理疏导和精神慰藉",
            "dimension": "psychological",
            "subcategory": "psychological.counselling",
            "categories": ["dibao", "tekun"],
            "areas": ["320613"],
            "capacity": {"unit": "人次", "period": "month", "per_period": 40, "available": 40},
            "funding": "government_purchased",
        },
    ),
    (
        DEMO_TENANTS[3][2],
        {
            "name": "失业人员技能培训与岗位推荐",
            "description": "面向有劳动能力的失业救助对象，提供技能培训和岗位推荐",
            "dimension": "employment",
            "subcategory": "employment.skills_training",
            "target_groups": ["unemployed"],
            "min_age": 16,
            "max_age": 60,
            "areas": ["320613"],
            "capacity": {
                "unit": "个培训名额",
                "period": "quarter",
                "per_period": 30,
                "available": 30,
            },
            "funding": "government_purchased",
        },
    ),
    (
        DEMO_TENANTS[2][2],
        {
            "name": "困难群众心理关爱热线",
            "description": "慈善总会志愿者心理咨询师电话陪伴、情绪疏导，必要时转介专业机构",
            "dimension": "psychological",
            "subcategory": "psychological.counselling",
            "areas": ["320613"],
            "capacity": {"unit": "人次", "period": "month", "per_period": 20, "available": 20},
            "funding": "charity_funded",
        },
    ),
]
DEMO_PROJECT = {
    "title": "困境儿童关爱计划",
    "aims": "为低保、低收入家庭的学龄儿童提供学业辅导与亲情陪伴",
    "dimensions": ["education", "psychological"],
    "target_groups": ["minors"],
    "areas": ["320613001", "320613002"],
    "funding_target_fen": 30_000_000,
    "funds_raised_fen": 12_680_000,
}
DEMO_PROJECT_SERVICES = [
    {
        "name": "困境儿童学业辅导",
        "description": "大学生志愿者每周末为困境儿童提供学业辅导",
        "dimension": "education",
        "subcategory": "education.tutoring",
        "target_groups": ["minors"],
        "categories": ["dibao", "low_income"],
        "min_age": 6,
        "max_age": 15,
        "areas": ["320613001", "320613002"],
        "capacity": {"unit": "人", "period": "month", "per_period": 25, "available": 9},
        "funding": "charity_funded",
    },
    {
        "name": "儿童亲情陪伴",
        "description": "志愿者结对陪伴留守和困境儿童",
        "dimension": "education",
        "subcategory": "education.companionship",
        "target_groups": ["minors"],
        "max_age": 17,
        "areas": ["320613001", "320613002"],
        "capacity": {"unit": "对", "period": "year", "per_period": 40, "available": 16},
        "funding": "charity_funded",
    },
]


def load_demo_pool() -> int:
    """Publish the demo services and project once (matched by name). Returns how many
    services were created."""
    from aidbridge.clock import local_today
    from aidbridge.pool import service as pool
    from aidbridge.pool.models import Project, ProjectStatus, Service, ServiceStatus
    from aidbridge.pool.schemas import ProjectInputSchema, ServiceInputSchema

    created = 0
    charity = db.session.scalar(select(Tenant).where(Tenant.credit_code == DEMO_TENANTS[2][2]))
    with tenant_context(charity.id):
        project = db.session.scalar(select(Project).where(Project.title == DEMO_PROJECT["title"]))
        if project is None:
            today = local_today()
            # Through the API's schema: the demo data is checked like any input.
            period = {
                "starts_on": today.replace(month=1, day=1).isoformat(),
                "ends_on": today.replace(month=12, day=31).isoformat(),
            }
            project = pool.create_project(
                charity, ProjectInputSchema().load({**DEMO_PROJECT, **period})
            )
            pool.set_project_status(project, ProjectStatus.active)
        offers = [
            (DEMO_TENANTS[2][2], {**s, "project_id": project.id}) for s in DEMO_PROJECT_SERVICES
        ]
    providers = {t.credit_code: t for t in db.session.scalars(select(Tenant))}
    for code, fields in DEMO_SERVICES + offers:
        provider = providers[code]
        with tenant_context(provider.id):
            if db.session.scalar(select(Service.id).where(Service.name == fields["name"])):
                continue
            publisher = db.session.scalars(select(User).order_by(User.id)).first()
            service = pool.create_service(provider, ServiceInputSchema().load(fields))
            pool.set_status(service, ServiceStatus.published, publisher)
            created += 1
    db.session.commit()
    return created


# --- households with assessed needs, and a contract funding a service --------------------

# The agency's roster meets the Nantong social-work post share (NT21-SW-1) with posts to
# spare: (title, category, certificate number or None).
DEMO_ROSTER = [
    ("社会工作者", "social_work", "SW2024-0311"),
    ("社会工作者", "social_work", "SW2024-0312"),
    ("社会工作者", "social_work", "SW2025-0107"),
    ("社会工作者", "social_work", "SW2025-0108"),
    ("项目主管", "management", None),
    ("行政专员", "management", None),
    ("财务", "support", None),
    ("心理咨询师", "professional_technical", None),
    ("护理员", "support", None),
    ("护理员", "support", None),
]
DEMO_PURCHASE_ITEM = {
    "code": "NT-2026-CARE-01",
    "name": "高龄困难老人上门访视服务",
    "dimension": "care",
    "subcategory": "care.home_visit",
    "unit": "visit",
    "unit_price_fen": 8_000,
    "quality": "每次上门不少于 1 小时，记录老人照料需求并跟进",
}
DEMO_CONTRACT = {
    "number": "NTMZ-2026-017",
    "title": "崇川区高龄困难老人上门访视服务项目",
    "budget_fen": 4_800_000,
    "funding_source": "special_funds",
    "areas": ["320613001", "320613002", "320613003"],
    "units": 600,
}
# The contract funds this service of the pool.
DEMO_FUNDED_SERVICE = "高龄独居老人上门访视"

# Households of the bureau: (head's name, community, address, coordinates or None,
# members [(name, birth date, relation, labour capacity, employment, sex)], monthly
# pensions by member position (fen), consents to share, needs [(dimension, sub-category,
# member position or None, severity, urgency)]). Low pensions make them dibao households
# when decided; the last household earns enough to receive nothing.
DEMO_HOUSEHOLDS = [
    (
        "320613001001", "北大街23号1幢102室", (32.0135, 120.8583),
        [("王秀英", "1944-03-12", "head", "none", "not_in_labour_force", "female")],
        {0: 60_000}, True,
        [("care", "care.home_visit", 0, "severe", "priority"),
         ("psychological", "psychological.counselling", 0, "moderate", "routine")],
    ),
    (
        "320613001002", "八仙城小区5幢301室", None,
        [("李国华", "1949-11-02", "head", "none", "not_in_labour_force", "male")],
        {0: 75_000}, True,
        [("care", "care.home_visit", 0, "severe", "emergency")],
    ),
    (
        "320613002001", "东大街118号", (32.0102, 120.8721),
        [("张建军", "1981-07-19", "head", "full", "unemployed", "male"),
         ("张小雨", "2015-09-01", "child", "none", "not_in_labour_force", "female")],
        {}, True,
        [("employment", "employment.skills_training", 0, "moderate", "routine"),
         ("education", "education.tutoring", 1, "moderate", "routine")],
    ),
    (
        "320613001003", "北濠桥新村12幢402室", None,
        [("陈丽", "1988-02-27", "head", "full", "employed", "female"),
         ("陈浩然", "2013-05-14", "child", "none", "not_in_labour_force", "male")],
        {0: 900_000}, True,
        [("education", "education.tutoring", 1, "mild", "routine"),
         ("education", "education.companionship", 1, "moderate", "routine")],
    ),
    (
        "320613004002", "人民路66号3幢201室", None,
        [("赵桂兰", "1952-08-30", "head", "none", "not_in_labour_force", "female")],
        {0: 50_000}, False,
        [("care", "care.home_visit", 0, "moderate", "routine"),
         ("psychological", "psychological.counselling", 0, "moderate", "routine"),
         ("legal", None, None, "moderate", "priority")],
    ),
]  # fmt: skip


def _resident_id(born: str, serial: int, female: bool) -> str:
    """A valid resident ID number of Chongchuan (320602) for the demo's people."""
    from aidbridge.resident_id import check_character

    body = f"320602{born.replace('-', '')}{serial * 2 + (0 if female else 1):03d}"
    return body + check_character(body)


@contextmanager
def _acting_for(tenant: Tenant) -> Iterator[None]:
    """In the tenant's scope, flushing what it wrote (its rows and audit entries) before
    another tenant's turn."""
    with tenant_context(tenant.id):
        yield
        db.session.flush()


def load_demo_cases() -> int:
    """A roster for the agency, a contract with it funding the home-visit service, and
    the bureau's households decided and assessed with open needs, once. Returns how many
    households were registered."""
    from aidbridge.clock import local_today
    from aidbridge.contracts import service as contracts
    from aidbridge.contracts.models import Contract, ContractStatus, ItemStatus
    from aidbridge.contracts.schemas import ContractInputSchema, PurchaseItemInputSchema
    from aidbridge.households import service as households
    from aidbridge.households.models import Household
    from aidbridge.households.schemas import RegistrationSchema
    from aidbridge.needs import service as needs
    from aidbridge.needs.schemas import AssessmentInputSchema
    from aidbridge.pool.models import Service
    from aidbridge.workforce import service as workforce
    from aidbridge.workforce.models import Post
    from aidbridge.workforce.schemas import PostInputSchema

    bureau, agency = (
        db.session.scalar(select(Tenant).where(Tenant.credit_code == DEMO_TENANTS[i][2]))
        for i in (1, 3)
    )
    today = local_today()
    year_start = today.replace(month=1, day=1)
    with _acting_for(agency):
        if db.session.scalar(select(Post.id).limit(1)) is None:
            for n, (title, category, certificate) in enumerate(DEMO_ROSTER):
                post = {"title": title, "category": category, "holder_name": f"员工{n + 1}"}
                if certificate:
                    post |= {
                        "qualification": "social_worker",
                        "certificate_number": certificate,
                        "certified_on": "2024-06-01",
                    }
                data = PostInputSchema().load({**post, "starts_on": year_start.isoformat()})
                workforce.add_post(agency, data, None)
    with _acting_for(bureau):
        number = DEMO_CONTRACT["number"]
        contract = db.session.scalar(select(Contract).where(Contract.number == number))
        if contract is None:
            item = contracts.add_item(PurchaseItemInputSchema().load(DEMO_PURCHASE_ITEM))
            contracts.set_item_status(item, ItemStatus.published)
            fields = {k: v for k, v in DEMO_CONTRACT.items() if k != "units"}
            contract = contracts.create_contract(
                bureau,
                ContractInputSchema().load(
                    {
                        **fields,
                        "provider_id": agency.id,
                        "starts_on": year_start.isoformat(),
                        "ends_on": today.replace(month=12, day=31).isoformat(),
                        "items": [{"purchase_item_id": item.id, "units": DEMO_CONTRACT["units"]}],
                    }
                ),
            )
            contracts.set_contract_status(contract, ContractStatus.active, today)
        contract_id = contract.id
    with _acting_for(agency):
        service = db.session.scalar(select(Service).where(Service.name == DEMO_FUNDED_SERVICE))
        if service is not None and service.contract_id is None:
            contracts.fund_service(agency, service, contract_id)
    registered = 0
    with _acting_for(bureau):
        caseworker = db.session.scalar(select(User).where(User.username == "bureau.caseworker"))
        serial = 0
        for area, address, point, members, pensions, consents, wanted in DEMO_HOUSEHOLDS:
            people = []
            for name, born, relation, labour, employment, sex in members:
                serial += 1
                people.append(
                    {
                        "name": name,
                        "id_number": _resident_id(born, serial, sex == "female"),
                        "relation": relation,
                        "labour_capacity": labour,
                        "employment": employment,
                    }
                )
            if db.session.scalar(select(Household.id).where(Household.address == address)):
                continue
            registered_on = year_start.isoformat()
            latitude, longitude = point or (None, None)
            household = households.register(
                bureau,
                RegistrationSchema().load(
                    {
                        "area_code": area,
                        "address": address,
                        "latitude": latitude,
                        "longitude": longitude,
                        "setting": "urban",
                        "phone": f"1381234{5600 + serial:04d}",
                        "checks_authorised_on": registered_on,
                        "registered_on": registered_on,
                        "members": people,
                        "items": [
                            {"kind": "income", "type": "pension", "amount_fen": fen, "member": m}
                            for m, fen in pensions.items()
                        ],
                    }
                ),
            )
            households.decide(household, today, caseworker)
            rows = [
                {
                    "dimension": dimension,
                    "subcategory": subcategory,
                    "member_id": None if m is None else household.members[m].id,
                    "severity": severity,
                    "urgency": urgency,
                }
                for dimension, subcategory, m, severity, urgency in wanted
            ]
            needs.assess(
                household,
                AssessmentInputSchema().load(
                    {"assessed_on": today.isoformat(), "consents_to_share": consents, "needs": rows}
                ),
                caseworker,
            )
            registered += 1
    db.session.commit()
    return registered
