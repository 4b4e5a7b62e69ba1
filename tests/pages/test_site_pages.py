"""The pages people use every day: Chinese by default, English on request."""

from factories import make_tenant, make_user, sign_in


def test_sign_in_page_is_in_chinese_by_default(client, db):
    page = client.get("/sign-in")
    assert page.status_code == 200
    assert '<html lang="zh-CN">' in page.text
    assert "登录" in page.text and "用户名" in page.text


def test_english_can_be_chosen_and_sticks(client, db):
    response = client.post("/language/en", data={"next": "/sign-in"})
    assert response.status_code == 302 and response.location == "/sign-in"
    page = client.get("/sign-in")
    assert '<html lang="en">' in page.text and "Username" in page.text
    client.post("/language/zh")
    assert "用户名" in client.get("/sign-in").text


def test_unknown_language_is_ignored(client, db):
    client.post("/language/xx")
    assert "用户名" in client.get("/sign-in").text


def test_wrong_password_message_is_shown_on_the_form(client, db):
    user = make_user(make_tenant())
    page = client.post("/sign-in", data={"username": user.username, "password": "bad-password"})
    assert page.status_code == 401
    assert "用户名或密码错误" in page.text


def test_home_page_shows_tenant_users_and_permissions(client, db):
    tenant = make_tenant(name="南通市民政局")
    admin = make_user(tenant, "admin")
    colleague = make_user(tenant, "assessor")
    sign_in(client, admin)
    page = client.get("/bureau/")
    assert page.status_code == 200
    assert "南通市民政局" in page.text and tenant.credit_code in page.text
    assert colleague.username in page.text and colleague.full_name in page.text
    assert "管理用户" in page.text  # what the admin may do
    assert "政府部门" in page.text  # the tenant type, in Chinese


def test_each_portal_exists_only_for_its_tenant_type(client, db):
    sign_in(client, make_user(make_tenant("charity")))
    assert client.get("/charity/").status_code == 200
    for other in ("/bureau/", "/agency/", "/operator/", "/operator/tenants"):
        assert client.get(other).status_code == 404, other


def test_signed_out_visitors_are_sent_to_sign_in(client, db):
    response = client.get("/org/users")
    assert response.status_code == 302 and "/sign-in" in response.location


def test_errors_have_a_readable_page(client, db):
    sign_in(client, make_user(make_tenant()))
    # No such user: 404 before any question of roles (as in the API).
    assert client.get("/org/users/999999").status_code == 404
    assert client.get("/org/users/new").status_code == 403  # a caseworker manages no users
    admin = make_user(make_tenant(), "admin")
    sign_in(client, admin)
    page = client.get("/org/users/999999")
    assert page.status_code == 404 and "未找到" in page.text
