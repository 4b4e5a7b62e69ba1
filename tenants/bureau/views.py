"""The bureau portal."""

from aidbridge.accounts.models import TenantType
from tenants.home import render_home
from tenants.portal import make_portal

portal = make_portal("bureau", {TenantType.bureau}, "/bureau")


@portal.get("/")
def home():
    return render_home("bureau/home.html")
