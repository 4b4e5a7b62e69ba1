"""The charity portal."""

from aidbridge.accounts.models import TenantType
from tenants.home import render_home
from tenants.portal import make_portal

portal = make_portal("charity", {TenantType.charity}, "/charity")


@portal.get("/")
def home():
    return render_home("charity/home.html")
