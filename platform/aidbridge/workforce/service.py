"""A provider's roster of posts and its share of professional social-work posts.

The pack in force sets the rule (``[social_work_posts]``): NT21-SW-1 asks for 30 % of
all posts, CJ21-SW-1 for 80 % of professional-technical posts held by certified social
workers, NX21-SW-1 and CN21-SW-1 leave the share to the jurisdiction. Whether a
provider below the share is blocked from new contracts and matches, or only warned, is
the pack's ``enforcement`` (a local setting).

Compliance is computed from the posts active on a date, in the provider's own scope
whatever the caller's (a bureau reading its providers, a provider acting on a bureau's
contract), with exact arithmetic: 3 of 10 is 30 %, not 29.999…
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from aidbridge import personal_data
from aidbridge.accounts.models import Tenant, TenantStatus, TenantType
from aidbridge.audit import service as audit
from aidbridge.clock import add_months
from aidbridge.contracts.models import ContractStatus
from aidbridge.errors import Conflict, InvalidInput, NotFound
from aidbridge.extensions import db
from aidbridge.i18n import N_
from aidbridge.policy.classify import Step
from aidbridge.policy.models import PolicyPackVersion
from aidbridge.policy.pack import SocialWorkPosts
from aidbridge.policy.service import pack_in_force, pack_of, version_on
from aidbridge.resident_id import ResidentId
from aidbridge.tenancy import all_tenants, tenant_context
from aidbridge.workforce.models import (
    ComplianceSnapshot,
    Post,
    PostCategory,
    PostContract,
    roster_problems,
    share_of,
)

PROVIDER_TYPES = (TenantType.charity, TenantType.agency)
ONE_DAY = timedelta(days=1)
POST_FIELDS = (
    "title",
    "category",
    "full_time",
    "holder_name",
    "qualification",
    "certificate_number",
    "certified_on",
    "starts_on",
    "ends_on",
)
INVALID = N_("the request has invalid fields")
# How the parts of a share read in a trace (translated where the trace is shown).
WORDS = {
    "social_work": N_("social-work posts"),
    "certified_social_work": N_("social-work posts held by certified social workers"),
    "all_posts": N_("posts"),
    "professional_technical": N_("professional-technical posts"),
}
MEETS = N_(
    "%(numerator)s %(qualifying)s of %(denominator)s %(counted)s = %(share)s ≥ %(min_share)s"
)
FALLS_SHORT = N_(
    "%(numerator)s %(qualifying)s of %(denominator)s %(counted)s = %(share)s < %(min_share)s"
)
NOTHING_COUNTED = N_("no %(counted)s on the roster: nothing shows a share of %(min_share)s")


# --- compliance: pure ------------------------------------------------------------------------


@dataclass(frozen=True)
class Compliance:
    """A provider's roster measured against its pack's social-work post rule on a date
    (for one contract's posts when ``contract_id`` is set)."""

    on: date
    rule: str
    of: str  # "all_posts" or "professional_technical"
    min_share: Decimal
    certified_required: bool
    numerator: int  # qualifying social-work posts
    denominator: int  # the posts the share is of
    share: Decimal | None  # to four places, rounded down; None without posts
    compliant: bool
    enforcement: str  # "warn" or "block"
    # The fewest qualifying social-work posts to add to comply (0 when it does). None
    # when no number of added posts can: a share of 100 % with posts that do not
    # qualify (they must be ended, or become qualifying).
    posts_needed: int | None
    contract_id: int | None = None
    # Counted social-work posts whose holders lack a certificate (when the rule asks for
    # one, CJ21-SW-1): certifying them restores the share too, without adding posts.
    uncertified: int = 0

    @property
    def blocked(self) -> bool:
        return self.enforcement == "block" and not self.compliant

    @property
    def step(self) -> Step:
        """The comparison as the policy engine words its steps (translatable)."""
        min_share = _percent(self.min_share)
        counted = WORDS[self.of]
        if self.denominator == 0:
            return Step(
                self.rule, False, NOTHING_COUNTED, {"counted": counted, "min_share": min_share}
            )
        qualifying = WORDS["certified_social_work" if self.certified_required else "social_work"]
        return Step(
            self.rule,
            self.compliant,
            MEETS if self.compliant else FALLS_SHORT,
            {
                "numerator": str(self.numerator),
                "qualifying": qualifying,
                "denominator": str(self.denominator),
                "counted": counted,
                "share": _percent(self.share),
                "min_share": min_share,
            },
        )

    def text(self, translate: Callable[[str], str] = lambda message: message) -> str:
        """The step with its rule, e.g. "NT21-SW-1: 3 social-work posts of 10 posts =
        30.00 % ≥ 30.00 %"; ``translate`` (gettext) renders it in the reader's language."""
        return f"{self.rule}: {self.step.text(translate)}"


def _percent(share: Decimal) -> str:
    return f"{share * 100:.2f} %"


def posts_needed(numerator: int, denominator: int, min_share: Decimal) -> int | None:
    """The smallest k ≥ 0 with numerator + k ≥ min_share × (denominator + k) and at least
    one post counted: how many qualifying social-work posts to add (each adds to both).
    None when no k does (min_share 1 and posts counted that do not qualify)."""
    share = Fraction(min_share)
    if denominator and numerator >= share * denominator:
        return 0
    if share == 1:
        return 1 if denominator == 0 else None
    # k (1 − m) ≥ m d − n
    needed = max(0, math.ceil((share * denominator - numerator) / (1 - share)))
    return max(needed, 1) if denominator == 0 else needed


def evaluate(
    rule: SocialWorkPosts, posts: Iterable, on: date, contract_id: int | None = None
) -> Compliance:
    """The rule applied to the posts (anything with a post's category, dates,
    qualification and certificate) active on ``on``."""
    active = [p for p in posts if _active(p, on)]
    if rule.of == "professional_technical":
        kinds = {PostCategory.social_work, PostCategory.professional_technical}
        counted = [p for p in active if p.category in kinds]
    else:
        counted = active
    qualifying = [
        p
        for p in counted
        if p.category == PostCategory.social_work
        and (not rule.certified_required or _certified(p, on))
    ]
    numerator, denominator = len(qualifying), len(counted)
    return Compliance(
        on=on,
        rule=rule.rule,
        of=rule.of,
        min_share=rule.min_share,
        certified_required=rule.certified_required,
        numerator=numerator,
        denominator=denominator,
        share=share_of(numerator, denominator),
        compliant=denominator > 0 and numerator >= Fraction(rule.min_share) * denominator,
        enforcement=rule.enforcement,
        posts_needed=posts_needed(numerator, denominator, rule.min_share),
        contract_id=contract_id,
        uncertified=sum(p.category == PostCategory.social_work for p in counted) - numerator,
    )


def _active(post, on: date) -> bool:
    return post.starts_on <= on and (post.ends_on is None or post.ends_on >= on)


def _certified(post, on: date) -> bool:
    """Held by a certified social worker on ``on``: a qualification and a certificate
    dated by then."""
    return (
        post.qualification is not None
        and post.certificate_number is not None
        and post.certified_on is not None
        and post.certified_on <= on
    )


# --- compliance: a provider's roster ----------------------------------------------------------

# What the rule reads of a post (never the holder's personal data).
COUNTED_COLUMNS = (
    Post.id,
    Post.category,
    Post.qualification,
    Post.certificate_number,
    Post.certified_on,
    Post.starts_on,
    Post.ends_on,
)


def social_work_rule(
    jurisdiction: str, on: date, field: str | None = "on"
) -> SocialWorkPosts | None:
    """The social-work post rule of the pack in force on ``on`` (None: the pack has
    none). With no pack in force: refused on ``field``, or None when ``field`` is None."""
    if field is not None:
        return pack_in_force(jurisdiction, on, field)[1].social_work_posts
    version = version_on(jurisdiction, on)
    return pack_of(version).social_work_posts if version else None


def _versions(jurisdiction: str) -> list[PolicyPackVersion]:
    return list(
        db.session.scalars(
            select(PolicyPackVersion)
            .where(PolicyPackVersion.jurisdiction == jurisdiction)
            .order_by(PolicyPackVersion.starts_on)
        )
    )


def _version_on(versions: list[PolicyPackVersion], on: date) -> PolicyPackVersion | None:
    in_force = [v for v in versions if v.starts_on <= on]
    return in_force[-1] if in_force else None


def compliance(
    provider: Tenant, on: date, contract_id: int | None = None, field: str | None = "on"
) -> Compliance | None:
    """The provider's compliance on ``on`` (of the posts serving ``contract_id`` when
    given); None when its pack has no social-work post rule. No pack in force on ``on``
    is refused on ``field`` (None: answered as no rule). The posts are read in the
    provider's scope, whatever scope the caller is in."""
    rule = social_work_rule(provider.policy_pack, on, field)
    if rule is None:
        return None
    query = select(*COUNTED_COLUMNS).where(
        Post.starts_on <= on, or_(Post.ends_on.is_(None), Post.ends_on >= on)
    )
    if contract_id is not None:
        query = query.join(PostContract, PostContract.post_id == Post.id).where(
            PostContract.contract_id == contract_id
        )
    with tenant_context(provider.id):
        posts = db.session.execute(query).all()
    return evaluate(rule, posts, on, contract_id)


def is_blocked(provider: Tenant, on: date) -> bool:
    """Whether the provider may not take new contracts or matches on ``on``: its pack
    says ``block`` and its roster falls short of the share."""
    found = compliance(provider, on, field=None)
    return found is not None and found.blocked


def blocked_providers(pool: str, provider_ids: Iterable[int], on: date) -> set[int]:
    """Which of a pool's providers ``is_blocked`` on ``on``, read in one query for all of
    them (the matching engine asks for every provider of its candidate services). The
    pool is the providers' jurisdiction, so one pack's rule applies to all."""
    provider_ids = set(provider_ids)
    rule = social_work_rule(pool, on, field=None)
    if rule is None or rule.enforcement != "block" or not provider_ids:
        return set()
    rosters = _rosters_on(provider_ids, on)
    return {provider for provider, roster in rosters.items() if evaluate(rule, roster, on).blocked}


def _rosters_on(provider_ids: Iterable[int], on: date) -> dict[int, list]:
    """Each provider's posts that count on ``on``, read in one query for all of them."""
    rosters: dict[int, list] = {provider: [] for provider in provider_ids}
    with all_tenants():
        posts = db.session.execute(
            select(Post.tenant_id, *COUNTED_COLUMNS).where(
                Post.tenant_id.in_(rosters),
                Post.starts_on <= on,
                or_(Post.ends_on.is_(None), Post.ends_on >= on),
            )
        ).all()
    for post in posts:
        rosters[post.tenant_id].append(post)
    return rosters


def compliance_changes(provider: Tenant, since: date, until: date) -> list[dict]:
    """Each day from ``since`` to ``until`` on which the provider's compliance changed
    (compared with the day before), with its compliance that day: ``{"on", "compliant",
    "compliance"}`` (``compliant`` None, and no compliance, while the pack in force has
    no rule). A status can change only on a day a post starts, the day after one ends,
    the day a certificate is dated or the day a pack version starts: each is evaluated."""
    versions = _versions(provider.policy_pack)
    day_before = since - ONE_DAY if since > date.min else since
    with tenant_context(provider.id):
        posts = db.session.execute(
            select(*COUNTED_COLUMNS).where(
                Post.starts_on <= until,
                or_(Post.ends_on.is_(None), Post.ends_on >= day_before),
            )
        ).all()
    days = {v.starts_on for v in versions}
    for post in posts:
        days.add(post.starts_on)
        if post.ends_on is not None and post.ends_on < date.max:
            days.add(post.ends_on + ONE_DAY)
        if post.certified_on is not None:
            days.add(post.certified_on)

    def on_day(day: date) -> Compliance | None:
        version = _version_on(versions, day)
        rule = pack_of(version).social_work_posts if version else None
        return evaluate(rule, posts, day) if rule else None

    def state(found: Compliance | None) -> bool | None:
        return None if found is None else found.compliant

    changes = []
    before = state(on_day(day_before))
    for day in sorted(d for d in days if since <= d <= until):
        found = on_day(day)
        if state(found) != before:
            changes.append({"on": day, "compliant": state(found), "compliance": found})
            before = state(found)
    return changes


def organisation_compliance(provider: Tenant, on: date) -> dict:
    """What the provider's compliance page shows: the organisation on ``on``, each of
    its contracts in force then (the posts serving it), and the changes over the
    twelve months up to ``on``."""
    from aidbridge.contracts import service as contracts  # which imports this module

    found = compliance(provider, on)
    in_force = [
        contract
        for contract in db.session.scalars(contracts.contracts_query(provider))
        if contract.starts_on <= on <= contract.ends_on and contract.status != ContractStatus.closed
    ]
    return {
        "on": on,
        "compliance": found,
        "contracts": [
            {
                "contract_id": contract.id,
                "number": contract.number,
                "title": contract.title,
                "compliance": compliance(provider, on, contract.id),
            }
            for contract in in_force
        ]
        if found is not None
        else [],
        "changes": compliance_changes(provider, add_months(on, -12), on),
    }


# --- the monthly record -----------------------------------------------------------------------


def take_snapshots(on: date) -> int:
    """Record each active provider's compliance on ``on`` as its month's snapshot (the
    month's row holds its latest computation: running again the same month updates it).
    Providers whose pack has no rule are left out. Returns the number of rows written."""
    providers = db.session.scalars(
        select(Tenant)
        .where(Tenant.type.in_(PROVIDER_TYPES), Tenant.status == TenantStatus.active)
        .order_by(Tenant.id)
    ).all()
    month = on.replace(day=1)
    written = 0
    for provider in providers:
        found = compliance(provider, on, field=None)
        if found is None:
            continue
        with tenant_context(provider.id):
            _keep_snapshot(provider, month, found)
        written += 1
    return written


def _keep_snapshot(provider: Tenant, month: date, found: Compliance) -> None:
    values = {
        "computed_on": found.on,
        "rule": found.rule,
        "of": found.of,
        "min_share": found.min_share,
        "numerator": found.numerator,
        "denominator": found.denominator,
        "compliant": found.compliant,
    }
    existing = select(ComplianceSnapshot).where(ComplianceSnapshot.month == month)
    snapshot = db.session.scalar(existing)
    if snapshot is None:
        try:
            with db.session.begin_nested():
                db.session.add(ComplianceSnapshot(tenant_id=provider.id, month=month, **values))
                db.session.flush()
            return
        except IntegrityError:
            # Another run wrote the month's row meanwhile: update it instead.
            snapshot = db.session.scalar(existing)
    for name, value in values.items():
        setattr(snapshot, name, value)
    db.session.flush()


def snapshots_query(provider: Tenant):
    """The provider's monthly snapshots, latest first. Read across tenants on purpose
    (a bureau reads its providers'), so the provider is named explicitly."""
    return (
        select(ComplianceSnapshot)
        .where(ComplianceSnapshot.tenant_id == provider.id)
        .order_by(ComplianceSnapshot.month.desc())
        .execution_options(all_tenants=True)
    )


# --- a bureau's view of its pool's providers --------------------------------------------------


def providers_query(bureau: Tenant):
    """The active charities and agencies of the bureau's pool (those following its pack)."""
    return (
        select(Tenant)
        .where(
            Tenant.type.in_(PROVIDER_TYPES),
            Tenant.status == TenantStatus.active,
            Tenant.policy_pack == bureau.policy_pack,
        )
        .order_by(Tenant.name, Tenant.id)
    )


def find_provider(viewer: Tenant, provider_id: int) -> Tenant | None:
    """A charity or agency of the viewer's pool (suspended ones too: their history stays
    readable); another pool's, or a tenant that is no provider, is not found."""
    return db.session.scalar(
        select(Tenant).where(
            Tenant.id == provider_id,
            Tenant.type.in_(PROVIDER_TYPES),
            Tenant.policy_pack == viewer.policy_pack,
        )
    )


def providers_overview(bureau: Tenant, on: date) -> list[dict]:
    """Every active provider of the bureau's pool with its compliance on ``on``
    (``{"provider", "compliance"}``): those falling short first, then by name."""
    providers = db.session.scalars(providers_query(bureau)).all()
    if not providers:
        return []
    # The pool's providers follow the bureau's pack: one rule, and one read of the rosters.
    rule = social_work_rule(bureau.policy_pack, on, "on")
    rosters = _rosters_on((p.id for p in providers), on)
    rows = [
        {"provider": p, "compliance": evaluate(rule, rosters[p.id], on) if rule else None}
        for p in providers
    ]
    return sorted(
        rows, key=lambda row: row["compliance"] is not None and row["compliance"].compliant
    )


# --- the roster -------------------------------------------------------------------------------


def posts_query(args: dict):
    """The current tenant's posts, latest start first: those active on ``active_on``, of a
    category, serving a contract, as asked."""
    query = select(Post).order_by(Post.starts_on.desc(), Post.id.desc())
    if args.get("active_on") is not None:
        day = args["active_on"]
        query = query.where(Post.starts_on <= day, or_(Post.ends_on.is_(None), Post.ends_on >= day))
    if args.get("category") is not None:
        query = query.where(Post.category == args["category"])
    if args.get("contract_id") is not None:
        serves = PostContract.contract_id == args["contract_id"]
        query = query.where(Post.contract_links.any(serves))
    return query


def add_post(provider: Tenant, data: dict, actor) -> Post:
    """A new post on the provider's roster, or nothing if any part is refused."""
    post = Post(tenant_id=provider.id, pool=provider.policy_pack)
    _check(post, data)
    with _holding_certificate(post, data.get("certificate_number")):
        _apply(post, data)
        _link_contracts(provider, post, data.get("contract_ids", []))
        db.session.add(post)
    audit.record(
        "post.add", "post", post.id, tenant_id=post.tenant_id, after=_record(post), actor=actor
    )
    return post


def update_post(post: Post, data: dict, actor) -> Post:
    """Change the fields sent; the post is judged as it would become."""
    before = _record(post)
    _check(post, data)
    with _holding_certificate(post, data.get("certificate_number", post.certificate_number)):
        _apply(post, data)
        if "contract_ids" in data:
            provider = db.session.get(Tenant, post.tenant_id)
            _link_contracts(provider, post, data["contract_ids"])
    old, new = audit.changes(before, _record(post))
    if new:
        audit.record(
            "post.update",
            "post",
            post.id,
            tenant_id=post.tenant_id,
            before=old,
            after=new,
            actor=actor,
        )
    return post


def end_post(post: Post, ends_on: date, actor) -> Post:
    """End the post on ``ends_on`` (its last day): it leaves the roster from the day
    after, and stays in its history."""
    if ends_on < post.starts_on:
        raise InvalidInput.field("ends_on", N_("cannot be before the start"))
    if post.ends_on is not None and ends_on > post.ends_on:
        raise InvalidInput.field("ends_on", N_("the post already ends earlier"))
    if ends_on == post.ends_on:
        return post
    before = _record(post)
    post.ends_on = ends_on
    db.session.flush()
    audit.record(
        "post.end",
        "post",
        post.id,
        tenant_id=post.tenant_id,
        before={"ends_on": before["ends_on"]},
        after={"ends_on": ends_on.isoformat()},
        actor=actor,
    )
    return post


def reveal_holder_id_number(post: Post) -> str:
    """The holder's ID number in full; the reading is logged (ALL-OV-3)."""
    if post.holder_id_number_token is None:
        raise NotFound.field("holder_id_number", N_("not recorded"))
    audit.record("post.holder_id_number_read", "post", post.id, tenant_id=post.tenant_id)
    return personal_data.unseal(post.holder_id_number_token)


def _check(post: Post, data: dict) -> None:
    """The post's fields as they would become, judged together."""
    values = {name: data.get(name, getattr(post, name)) for name in POST_FIELDS}
    # Judged by whether there is one: the new number, or the one on file.
    values["holder_id_number"] = data.get("holder_id_number", post.holder_id_number_digest)
    problems = roster_problems(values)
    if problems:
        raise InvalidInput(INVALID, problems)


def _apply(post: Post, data: dict) -> None:
    for name in POST_FIELDS:
        if name in data:
            setattr(post, name, data[name])
    if "holder_id_number" in data:
        resident: ResidentId | None = data["holder_id_number"]
        if resident is None:
            post.holder_id_number_token = None
            post.holder_id_number_digest = None
            post.holder_id_number_masked = None
        else:
            number = resident.number
            sealed = personal_data.seal(number, personal_data.mask_id_number(number))
            post.holder_id_number_token = sealed.token
            post.holder_id_number_digest = sealed.digest
            post.holder_id_number_masked = sealed.masked


def _link_contracts(provider: Tenant, post: Post, contract_ids: list[int]) -> None:
    """The post serves exactly these contracts, each naming the provider."""
    from aidbridge.contracts import service as contracts  # which imports this module

    wanted = list(dict.fromkeys(contract_ids))
    if any(contracts.find_for_provider(provider, cid) is None for cid in wanted):
        raise InvalidInput.field(
            "contract_ids", N_("no such contract names your organisation as provider")
        )
    kept = [link for link in post.contract_links if link.contract_id in wanted]
    have = {link.contract_id for link in kept}
    post.contract_links = kept + [
        PostContract(tenant_id=provider.id, contract_id=cid) for cid in wanted if cid not in have
    ]


@contextmanager
def _holding_certificate(post: Post, number: str | None) -> Iterator[None]:
    """Write the post (the block's changes) in a savepoint, refusing a certificate
    ``number`` another post of the jurisdiction holds: checked first for a clear answer,
    and by the unique key when another request entered it meanwhile (answered alike)."""
    claim = (post.pool, number, post.id, post.tenant_id)
    _refuse_certificate_held(*claim)
    try:
        with db.session.begin_nested():
            yield
            db.session.flush()
    except IntegrityError:
        _refuse_certificate_held(*claim)
        raise


def _refuse_certificate_held(
    pool: str, number: str | None, post_id: int | None, tenant_id: int
) -> None:
    if not number:
        return
    query = select(Post.id, Post.tenant_id).where(
        Post.pool == pool, Post.certificate_number == number
    )
    if post_id is not None:
        query = query.where(Post.id != post_id)
    with all_tenants(), db.session.no_autoflush:
        other = db.session.execute(query.limit(1)).first()
    if other is None:
        return
    if other.tenant_id == tenant_id:
        reason = f"already held on post {other.id}"
    else:
        reason = N_("already held on a post of another organisation in the jurisdiction")
    raise Conflict(
        N_("the certificate number is already on a roster"), {"certificate_number": [reason]}
    )


def _record(post: Post) -> dict:
    # The masked number only: the audit log must not become a copy of the roster's IDs.
    return {
        "title": post.title,
        "category": str(post.category),
        "full_time": post.full_time,
        "holder_name": post.holder_name,
        "holder_id_number": post.holder_id_number_masked,
        "qualification": None if post.qualification is None else str(post.qualification),
        "certificate_number": post.certificate_number,
        "certified_on": _iso(post.certified_on),
        "starts_on": _iso(post.starts_on),
        "ends_on": _iso(post.ends_on),
        "contract_ids": sorted(post.contract_ids),
    }


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None
