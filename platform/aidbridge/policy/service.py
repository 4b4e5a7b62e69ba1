"""Policy packs in use: installing the shipped ones, publishing new versions, and
finding the version in force for a jurisdiction on a date."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from aidbridge.areas.models import Area
from aidbridge.audit import service as audit
from aidbridge.errors import InvalidInput
from aidbridge.extensions import db
from aidbridge.i18n import N_
from aidbridge.policy.models import PolicyPackVersion
from aidbridge.policy.pack import Pack, PackError, read_pack, shipped_pack_files


@lru_cache(maxsize=64)
def _parsed(name: str, text: str) -> Pack:
    return read_pack(text, name)[1]


def pack_of(version: PolicyPackVersion) -> Pack:
    """The parsed pack of a published version (versions never change, so parsing is cached)."""
    return _parsed(version.name, version.text)


def version_on(jurisdiction: str, on: date) -> PolicyPackVersion | None:
    """The version in force on ``on``, if any."""
    return db.session.scalar(
        select(PolicyPackVersion)
        .where(PolicyPackVersion.jurisdiction == jurisdiction, PolicyPackVersion.starts_on <= on)
        .order_by(PolicyPackVersion.starts_on.desc())
        .limit(1)
    )


def version_in_force(jurisdiction: str, on: date, field: str = "decided_on") -> PolicyPackVersion:
    """The version in force on ``on``; refused on ``field`` (the date asked for) when none is."""
    version = version_on(jurisdiction, on)
    if version is None:
        raise InvalidInput.field(field, N_("no policy pack of this jurisdiction is in force then"))
    return version


def pack_in_force(
    jurisdiction: str, on: date, field: str = "decided_on"
) -> tuple[PolicyPackVersion, Pack]:
    version = version_in_force(jurisdiction, on, field)
    return version, pack_of(version)


def versions_query(jurisdiction: str | None = None):
    query = select(PolicyPackVersion).order_by(
        PolicyPackVersion.jurisdiction, PolicyPackVersion.starts_on.desc()
    )
    if jurisdiction:
        query = query.where(PolicyPackVersion.jurisdiction == jurisdiction)
    return query


def install_shipped_packs() -> int:
    """Add the packs shipped in the repository that are not installed yet.

    An installed version is never rewritten: if a shipped file no longer matches
    what was installed under its version, that is an error (publish a new version).
    Returns the number of versions added.
    """
    installed = {v.name: v for v in db.session.scalars(select(PolicyPackVersion))}
    added = 0
    for name, text in shipped_pack_files().items():
        _document, pack = read_pack(text, name)
        if name != pack.name:
            raise PackError(name, {"_file": [f"the file must be named {pack.name}.toml"]})
        existing = installed.get(pack.name)
        if existing is not None:
            if existing.text != text:
                raise PackError(
                    name,
                    {"_file": ["differs from the installed version; publish it as a new version"]},
                )
            continue
        db.session.add(_version(pack, text, None))
        added += 1
    db.session.flush()
    return added


def _version(pack: Pack, text: str, actor) -> PolicyPackVersion:
    return PolicyPackVersion(
        jurisdiction=pack.jurisdiction,
        version=pack.version,
        title=pack.title,
        starts_on=pack.starts_on,
        text=text,
        published_by_id=actor.id if actor else None,
    )


def publish(text: str, actor) -> PolicyPackVersion:
    """Publish a new version of a jurisdiction's pack, in force from its ``starts_on``.

    Decisions made under earlier versions keep the version they recorded.
    """
    try:
        _document, pack = read_pack(text, "pack")
    except PackError as exc:
        raise InvalidInput(N_("the policy pack is not valid"), exc.errors) from None
    known = db.session.scalar(select(Area.code).where(Area.policy_pack == pack.jurisdiction))
    if known is None:
        raise InvalidInput.field("jurisdiction", N_("no area follows this jurisdiction"))
    same = PolicyPackVersion.jurisdiction == pack.jurisdiction
    if db.session.scalar(
        select(PolicyPackVersion.id).where(same, PolicyPackVersion.version == pack.version)
    ):
        raise InvalidInput.field("version", N_("this version is already published"))
    latest = db.session.scalar(select(func.max(PolicyPackVersion.starts_on)).where(same))
    if latest is not None and pack.starts_on <= latest:
        raise InvalidInput.field(
            "starts_on", N_("must be after the start of the version in force last")
        )
    version = _version(pack, text, actor)
    try:
        with db.session.begin_nested():
            db.session.add(version)
            db.session.flush()
    except IntegrityError:
        # Another operator published the same version (or one from the same day) meanwhile.
        raise InvalidInput.field(
            "version", N_("this version, or one starting on the same day, was published meanwhile")
        ) from None
    audit.record(
        "policy_pack.publish",
        "policy_pack",
        version.id,
        tenant_id=actor.tenant_id,
        after={"name": version.name, "starts_on": version.starts_on.isoformat()},
        actor=actor,
    )
    return version


def describe(version: PolicyPackVersion) -> dict:
    """A version with its parsed pack and the rules it applies (for the API and pages)."""
    pack = pack_of(version)
    return {
        "id": version.id,
        "name": version.name,
        "jurisdiction": version.jurisdiction,
        "version": version.version,
        "title": version.title,
        "starts_on": version.starts_on,
        "published_at": version.published_at,
        "text": version.text,
        "pack": pack,
        "rules": pack.cited_rules(),
    }
