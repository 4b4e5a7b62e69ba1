"""API routes: the administrative-area tree (shared reference data)."""

from sqlalchemy import select

from aidbridge.api import endpoint
from aidbridge.areas.models import Area
from aidbridge.areas.schemas import AreaQuery, AreaSchema


@endpoint(
    "/areas",
    summary="Administrative areas, filtered by parent or level",
    tag="areas",
    response=AreaSchema,
    many=True,
    query=AreaQuery,
)
def list_areas(args):
    query = select(Area).order_by(Area.code)
    if "parent" in args:
        query = query.where(Area.parent_code == args["parent"])
    if "level" in args:
        query = query.where(Area.level == args["level"])
    return query


@endpoint(
    "/areas/<area_code>",
    summary="One administrative area",
    tag="areas",
    response=AreaSchema,
    load={"area_code": Area},
)
def get_area(area):
    return area
