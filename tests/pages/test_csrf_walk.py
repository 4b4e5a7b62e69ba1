"""Every state-changing page refuses a request without the CSRF token."""

from factories import make_tenant, make_user, sign_in


def test_every_page_post_needs_the_csrf_token(app, client, db):
    user = make_user(make_tenant(), "admin")
    sign_in(client, user)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        posts = [
            r
            for r in app.url_map.iter_rules()
            if "POST" in r.methods and not r.endpoint.startswith("api.")
        ]
        assert len(posts) >= 10
        for rule in posts:
            url = rule.build(
                {a: 1 if a.endswith("_id") else "en" for a in rule.arguments}, append_unknown=False
            )[1]
            response = client.post(url, data={})
            assert response.status_code == 400, (url, response.status_code)
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
