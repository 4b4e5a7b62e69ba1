"""The main job in the browser, as its users do it in Chinese: a charity publishes a
project and a service funded by the bureau's contract; the bureau registers and
assesses a household and runs matching; the charity's social worker accepts the offer,
records a visit and closes the case; the bureau's dashboard shows the delivered unit,
the contract's drawdown and the closed loop, and the referral behind its figures."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from aidbridge.accounts.models import Role, TenantType
from browser.conftest import screenshot, seeded

from factories import PASSWORD, make_tenant, make_user, resident_id
from matching_data import contract_funding

pytestmark = pytest.mark.browser

# 和平桥街道 北大街社区, in the bureau's jurisdiction.
COMMUNITY = "320613001001"
SERVICE = "高龄老人生活照料"
UNIT_PRICE_FEN = 8_000
BORN = date(1940, 3, 8)


@dataclass(frozen=True)
class Cast:
    contract_number: str
    bureau_worker: str
    charity_admin: str
    social_worker: str
    social_worker_id: int
    social_worker_name: str


def _cast() -> Cast:
    """The bureau, with a caseworker; the charity, with its admin and a social worker,
    a roster meeting NT21-SW-1 and an active contract of the bureau buying care."""
    bureau = make_tenant(TenantType.bureau, name="南通市崇川区民政局")
    charity = make_tenant(TenantType.charity, name="崇川区慈善协会")
    worker = make_user(bureau, Role.caseworker, username="e2e.bureau")
    admin = make_user(charity, Role.admin, username="e2e.charity")
    social = make_user(charity, Role.caseworker, username="e2e.social")
    contract = contract_funding(
        bureau, charity, units=12, budget_fen=96_000, price_fen=UNIT_PRICE_FEN
    )
    return Cast(
        contract.number,
        worker.username,
        admin.username,
        social.username,
        social.id,
        social.full_name,
    )


@pytest.fixture(scope="module")
def cast(site) -> Cast:
    return seeded(site, _cast)


def _sign_in(page: Page, username: str) -> None:
    page.goto("/sign-in")
    page.fill("[name=username]", username)
    page.fill("[name=password]", PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.locator("[name=password]")).to_have_count(0)


def test_the_main_job_end_to_end(open_page, cast):
    charity = open_page()
    _sign_in(charity, cast.charity_admin)

    # The charity publishes a project …
    charity.goto("/provider/projects/new")
    charity.fill("[name=title]", "幸福晚年关爱计划")
    charity.fill("[name=aims]", "为高龄独居老人提供生活照料")
    charity.check("[name=dimensions][value=care]")
    charity.check(f"[name=areas][value='{COMMUNITY[:9]}']")
    charity.fill("[name=starts_on]", "2026-01-01")
    charity.fill("[name=ends_on]", "2027-12-31")
    charity.fill("[name=funding_target_yuan]", "200000")
    charity.fill("[name=funds_raised_yuan]", "50000")
    charity.get_by_role("button", name="保存", exact=True).click()
    expect(charity.get_by_text("慈善项目“幸福晚年关爱计划”已保存。")).to_be_visible()
    row = charity.locator("tr", has_text="幸福晚年关爱计划")
    row.get_by_role("button", name="启动", exact=True).click()
    screenshot(charity, "01-charity-project")

    # … and a service of it, published and funded by the bureau's contract.
    charity.goto("/provider/services/new")
    charity.fill("[name=name]", SERVICE)
    charity.fill("[name=description]", "每周上门协助高龄老人起居、助餐和清洁")
    charity.select_option("[name=dimension]", "care")
    charity.select_option("[name=subcategory]", "care.personal_care")
    charity.select_option("[name=funding]", "government_purchased")
    charity.select_option("[name=project_id]", label="幸福晚年关爱计划")
    charity.fill("[name=capacity_unit]", "户次")
    charity.select_option("[name=capacity_period]", "month")
    charity.fill("[name=capacity_per_period]", "10")
    charity.fill("[name=capacity_available]", "10")
    charity.check(f"[name=areas][value='{COMMUNITY[:9]}']")
    charity.get_by_role("button", name="保存", exact=True).click()
    expect(charity.get_by_text(f"服务“{SERVICE}”已保存。")).to_be_visible()
    row = charity.locator("tr", has_text=SERVICE)
    row.get_by_role("button", name="发布", exact=True).click()
    row = charity.locator("tr", has_text=SERVICE)
    expect(row.get_by_text("已发布")).to_be_visible()
    funding = row.locator("[name=contract_id]")
    funding.select_option(
        funding.locator("option", has_text=cast.contract_number).get_attribute("value")
    )
    row.get_by_role("button", name="保存", exact=True).click()
    expect(charity.get_by_text(f"{SERVICE}：资助合同已保存。")).to_be_visible()
    screenshot(charity, "02-charity-services")

    # The bureau registers an elderly man living alone, in full care with no supporter …
    bureau = open_page()
    _sign_in(bureau, cast.bureau_worker)
    bureau.goto("/households/new")
    fields = {
        "address": "北大街12号3幢201室",
        "phone": "13812345678",
        "checks_authorised_on": "2026-11-02",
        "registered_on": "2026-11-02",
        "members_0_name": "周德顺",
        "members_0_id_number": resident_id(BORN),
    }
    choices = {
        "area_code": COMMUNITY,
        "setting": "urban",
        "members_0_relation": "head",
        "members_0_labour_capacity": "none",
        "members_0_employment": "not_in_labour_force",
        "members_0_self_care": "full_care",
        "members_0_supporter": "none",
    }
    for name, value in fields.items():
        bureau.fill(f"[name={name}]", value)
    for name, value in choices.items():
        bureau.select_option(f"[name={name}]", value)
    bureau.get_by_role("button", name="登记", exact=True).click()
    expect(bureau).to_have_url(re.compile(r"/households/\d+$"))
    household_url = bureau.url
    expect(bureau.get_by_text("周德顺").first).to_be_visible()
    expect(bureau.get_by_text("138****5678").first).to_be_visible()

    # … assesses him (the proposed care need, with his consent to share) …
    bureau.goto(f"{household_url}/assessments/new")
    bureau.check("[name=consents_to_share]")
    bureau.get_by_role("button", name="保存评估").click()
    expect(bureau.get_by_text("CN21-AS-1").first).to_be_visible()
    screenshot(bureau, "03-bureau-assessment")

    # … and runs matching, offering the match to the charity.
    bureau.goto("/matching/")
    bureau.locator("#run-form").get_by_role("button", name="开始匹配").click()
    offer = bureau.get_by_role("button", name="将拟转介的匹配派发给服务提供方")
    _until_visible(bureau, offer)
    expect(bureau.get_by_text(SERVICE).first).to_be_visible()
    screenshot(bureau, "04-bureau-matching-run")
    offer.click()
    expect(bureau.locator("#referrals").get_by_text(SERVICE)).to_be_visible()

    # The charity's social worker accepts the offer, records a visit and closes the case.
    social = open_page()
    _sign_in(social, cast.social_worker)
    social.goto("/referrals/")
    social.locator("#referrals tr", has_text=SERVICE).get_by_role("link").first.click()
    expect(social.get_by_text("周德顺")).to_have_count(0)  # no names before accepting
    # The one accepting serves the case unless they choose a colleague.
    expect(social.locator("#accept-form [name=worker_id]")).to_have_value(
        str(cast.social_worker_id)
    )
    social.get_by_role("button", name="接收转介").click()
    expect(social.get_by_text("已接收：该个案由本机构负责。")).to_be_visible()
    expect(social.get_by_text("周德顺").first).to_be_visible()
    social.fill("#record-form [name=minutes]", "90")
    social.fill("#record-form [name=note]", "上门协助起居，了解照料需求")
    social.locator("#record-form").get_by_role("button", name="记录").click()
    expect(social.get_by_text("服务已记录。")).to_be_visible()
    expect(social.locator("#records")).to_contain_text(cast.social_worker_name)
    close = social.locator("#close-form")
    close.locator("[name=status]").select_option("completed")
    close.locator("[name=outcome]").select_option("resolved")
    close.locator("[name=satisfaction]").select_option("5")
    close.locator("[name=severity]").select_option("mild")
    close.get_by_role("button", name="结案").click()
    expect(social.get_by_text("个案已结案。")).to_be_visible()
    expect(social.get_by_text("需求已解决").first).to_be_visible()
    screenshot(social, "05-social-worker-closed-case")

    # The bureau's dashboard: one unit delivered, its price drawn down, the loop closed.
    bureau.goto("/monitoring/")
    contract = bureau.locator("#contracts tr", has_text=cast.contract_number)
    expect(contract).to_contain_text("1 / 12")
    expect(contract).to_contain_text("¥80.00 / ¥960.00")
    funnel = bureau.locator("#funnel")
    expect(funnel.locator("dt:text-is('已派发') + dd")).to_have_text("1")
    expect(funnel.locator("dt:text-is('闭环率') + dd")).to_have_text("100.0%")
    screenshot(bureau, "06-bureau-dashboard")

    # Behind the figure, the referral itself, which opens on its page.
    funnel.locator("dt:text-is('已派发') + dd a").click()
    behind = bureau.locator("#referrals tbody tr")
    expect(behind).to_have_count(1)
    expect(behind).to_contain_text(SERVICE)
    expect(behind).to_contain_text("已完成")
    screenshot(bureau, "07-bureau-referrals-behind-the-figure")
    behind.get_by_role("link").first.click()
    expect(bureau.get_by_text("需求已解决").first).to_be_visible()

    # The charity's scorecard, from its name among the providers.
    bureau.goto("/monitoring/")
    bureau.locator("#providers").get_by_role("link", name="崇川区慈善协会").click()
    expect(bureau.locator("h1")).to_contain_text("崇川区慈善协会")
    expect(bureau.locator("#funnel dt:text-is('闭环率') + dd")).to_have_text("100.0%")
    expect(bureau.locator("#contracts")).to_contain_text(cast.contract_number)
    screenshot(bureau, "08-bureau-provider-scorecard")


def _until_visible(page: Page, locator, tries: int = 30) -> None:
    """Reload until ``locator`` shows: with a worker, the run finishes after the page."""
    for _ in range(tries):
        if locator.count():
            return
        page.wait_for_timeout(500)
        page.reload()
    expect(locator).to_be_visible()
