"""The administrative-area tree: codes, levels, descendants, policy packs."""

from sqlalchemy import select

from aidbridge.areas.models import Area, AreaLevel
from aidbridge.areas.service import get_area, load_areas, pack_for_area, within

from factories import bearer, make_tenant, make_token, make_user


def test_tree_links_levels_and_code_prefixes(db):
    for area in db.session.scalars(select(Area).where(Area.parent_code.isnot(None))):
        parent = area.parent
        assert list(AreaLevel).index(area.level) == list(AreaLevel).index(parent.level) + 1
        if area.level in (AreaLevel.street, AreaLevel.community):
            assert area.code.startswith(parent.code[: len(parent.code)])
        assert area.path == parent.path + area.code + "/"


def test_demo_city_has_streets_and_communities(db):
    nantong = get_area("320600")
    inside = db.session.scalars(select(Area).where(within(nantong))).all()
    levels = {a.level for a in inside}
    assert nantong.name == "南通市" and {AreaLevel.street, AreaLevel.community} <= levels
    assert sum(a.level == AreaLevel.street for a in inside) >= 5


def test_policy_pack_is_inherited_from_the_nearest_issuing_area(db):
    assert pack_for_area(get_area("320613001")) == "nantong"
    assert pack_for_area(get_area("360202")) == "changjiang"
    assert pack_for_area(get_area("310105")) == "changning"
    assert pack_for_area(get_area("320000")) is None


def test_loading_twice_changes_nothing(db):
    before = db.session.scalar(select(Area).where(Area.code == "320613001")).path
    load_areas()
    assert get_area("320613001").path == before


def test_areas_api_lists_children(client, db):
    headers = bearer(make_token(make_user(make_tenant())))
    page = client.get("/api/v1/areas?parent=320613", headers=headers).json
    assert page["total"] >= 5 and all(a["parent_code"] == "320613" for a in page["items"])
    assert client.get("/api/v1/areas/320600", headers=headers).json["policy_pack"] == "nantong"
    assert client.get("/api/v1/areas/000000", headers=headers).status_code == 404
