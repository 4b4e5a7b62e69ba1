"""The home page every tenant portal opens on."""

from flask import render_template
from flask_login import current_user

from aidbridge.accounts import service
from aidbridge.accounts.permissions import Permission, can
from aidbridge.extensions import db


def render_home(template: str):
    tenant = current_user.tenant
    allowed = [p for p in Permission if can(current_user, p)]
    return render_template(
        template,
        tenant=tenant,
        users=db.session.scalars(service.users_query()).all(),
        allowed=allowed,
    )
