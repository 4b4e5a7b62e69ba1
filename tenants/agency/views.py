"""The agency portal."""

from aidbridge.accounts.models import TenantType
from tenants.home import render_home
from tenants.portal import make_portal

portal = make_portal("agency", {TenantType.agency}, "/agency")


@portal.get("/")
def home():
    return render_home("agency/home.html")
