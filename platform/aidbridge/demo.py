"""Demo tenants and users for the embedded mode, created through the normal services."""

from __future__ import annotations

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
