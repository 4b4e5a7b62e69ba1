"""The portals: what each kind of tenant sees and does, as thin views over the core."""

from flask import Flask


def register_portals(app: Flask) -> None:
    from tenants.admin.views import portal as admin
    from tenants.agency.views import portal as agency
    from tenants.bureau.views import portal as bureau
    from tenants.charity.views import portal as charity
    from tenants.labels import register_labels
    from tenants.operator.views import portal as operator
    from tenants.policy.views import portal as policy
    from tenants.pool.views import portal as pool
    from tenants.provider.views import portal as provider

    for blueprint in (bureau, charity, agency, operator, admin, pool, provider, policy):
        app.register_blueprint(blueprint)
    register_labels(app)
