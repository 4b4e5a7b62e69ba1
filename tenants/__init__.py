"""The portals: what each kind of tenant sees and does, as thin views over the core."""

from flask import Flask


def register_portals(app: Flask) -> None:
    from tenants.admin.views import portal as admin
    from tenants.agency.views import portal as agency
    from tenants.bureau.views import portal as bureau
    from tenants.cases.views import portal as cases
    from tenants.charity.views import portal as charity
    from tenants.contracts.views import portal as contracts
    from tenants.households.views import portal as households
    from tenants.labels import register_labels
    from tenants.matching.views import portal as matching
    from tenants.monitoring.exports import register_exports
    from tenants.monitoring.views import portal as monitoring
    from tenants.notifications.views import portal as notifications
    from tenants.notifications.views import unread_notifications
    from tenants.operator.views import portal as operator
    from tenants.policy.views import portal as policy
    from tenants.pool.views import portal as pool
    from tenants.provider.views import portal as provider
    from tenants.referrals.views import portal as referrals
    from tenants.workforce.views import portal as roster
    from tenants.workforce.views import staffing

    portals = (
        bureau,
        charity,
        agency,
        operator,
        admin,
        pool,
        provider,
        policy,
        households,
        cases,
        contracts,
        matching,
        referrals,
        monitoring,
        roster,
        staffing,
        notifications,
    )
    for blueprint in portals:
        app.register_blueprint(blueprint)
    # Where the site sends a signed-in user: their tenant type's own portal.
    app.extensions["portal_home"] = {
        kind: f"{portal.name}.home"
        for portal in portals
        if portal.is_home and portal.tenant_types and len(portal.tenant_types) == 1
        for kind in portal.tenant_types
    }
    register_labels(app)
    register_exports(app)
    app.jinja_env.globals["unread_notifications"] = unread_notifications
