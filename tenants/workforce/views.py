"""The roster of posts in the pages: a provider keeps its posts and reads its share of
social-work posts (NT21-SW-1, CJ21-SW-1…); a bureau reads its pool's providers'."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_login import current_user

from aidbridge.accounts.models import Tenant, TenantType
from aidbridge.accounts.permissions import Permission
from aidbridge.clock import add_months, local_today
from aidbridge.contracts import service as contracts
from aidbridge.contracts.models import Contract, ContractStatus
from aidbridge.errors import ServiceError
from aidbridge.extensions import db
from aidbridge.pagination import page_of
from aidbridge.tenancy import url_objects
from aidbridge.workforce import service as workforce
from aidbridge.workforce.api import POST, PROVIDER
from aidbridge.workforce.models import Post, PostCategory, Qualification
from aidbridge.workforce.schemas import (
    PostChangeSchema,
    PostEndSchema,
    PostInputSchema,
    PostQuery,
)
from tenants.forms import ConfirmForm, enum_choices
from tenants.labels import POST_CATEGORY, QUALIFICATION
from tenants.portal import (
    _,
    apply_service_error,
    flash_done,
    form_status,
    form_values,
    load_form,
    load_values,
    make_portal,
    query_filters,
    require_confirmed,
    requires,
)
from tenants.workforce.forms import EndPostForm, PostForm

portal = make_portal("roster", {TenantType.charity, TenantType.agency}, "/roster", home=False)
staffing = make_portal("staffing", {TenantType.bureau}, "/staffing", home=False)
PAGE_SIZE = 25
# The monthly record shown: two years.
SNAPSHOTS_SHOWN = 24
# The changes of compliance shown: the twelve months to today.
CHANGES_MONTHS = 12


@portal.before_request
@requires(Permission.read_roster)
def _readers_only():
    """The provider's own staff read the roster; keeping it needs keep_roster."""


# --- the roster ------------------------------------------------------------------------------


@portal.get("/")
def index():
    return _roster(_new_post_form())


@portal.post("/posts")
@requires(Permission.keep_roster)
def add_post():
    form = PostForm()
    _post_choices(form)
    if form.validate_on_submit():
        schema = PostInputSchema()
        data = load_values(form, schema, _post_values(form, schema))
        if data is not None:
            try:
                workforce.add_post(current_user.tenant, data, current_user)
            except ServiceError as error:
                apply_service_error(form, error)
            else:
                flash_done(_("Post added to the roster."))
                return redirect(url_for(".index") + "#posts")
    return _roster(form)


@portal.post("/posts/<int:post_id>/holder-id-number")
@url_objects(**POST)
@requires(Permission.read_staff_id_numbers)
def reveal_holder_id_number(post: Post):
    require_confirmed()
    number = workforce.reveal_holder_id_number(post)
    return _roster(_new_post_form(), revealed={post.id: number})


def _roster(form: PostForm, revealed: dict | None = None):
    """The roster page: the share today, the posts (filtered by the query string), the
    form adding a post, the changes of the share and its monthly record."""
    tenant = current_user.tenant
    today = local_today()
    filters, errors = query_filters(PostQuery())
    page = filters.get("page", 1)
    posts, total = ([], 0) if errors else page_of(workforce.posts_query(filters), page, PAGE_SIZE)
    _post_choices(form)
    return render_template(
        "workforce/roster.html",
        overview=workforce.organisation_compliance(tenant, today),
        posts=posts,
        total=total,
        page=page,
        page_size=PAGE_SIZE,
        args=request.args,
        errors=errors,
        categories=list(PostCategory),
        contract_numbers={c.id: c.number for c in _own_contracts()},
        snapshots=_snapshots(tenant),
        form=form,
        confirm=ConfirmForm(),
        revealed=revealed or {},
    ), form_status(form)


# --- a post: change, end ---------------------------------------------------------------------


@portal.route("/posts/<int:post_id>/edit", methods=["GET", "POST"])
@url_objects(**POST)
@requires(Permission.keep_roster)
def edit_post(post: Post):
    form = _filled_post_form(post) if request.method == "GET" else PostForm()
    _post_choices(form, post)
    if form.validate_on_submit():
        schema = PostChangeSchema()
        data = load_values(form, schema, _post_values(form, schema, post))
        if data is not None:
            try:
                workforce.update_post(post, data, current_user)
            except ServiceError as error:
                apply_service_error(form, error)
            else:
                flash_done(_("Saved."))
                return redirect(url_for(".index") + "#posts")
    return _post_page(post, form, EndPostForm(formdata=None, ends_on=post.ends_on or local_today()))


@portal.post("/posts/<int:post_id>/end")
@url_objects(**POST)
@requires(Permission.keep_roster)
def end_post(post: Post):
    form = EndPostForm()
    if form.validate_on_submit():
        data = load_form(form, PostEndSchema())
        if data is not None:
            try:
                workforce.end_post(post, data["ends_on"], current_user)
            except ServiceError as error:
                apply_service_error(form, error)
            else:
                flash_done(_("Post ended: it leaves the roster after its last day."))
                return redirect(url_for(".index") + "#posts")
    post_form = _filled_post_form(post)
    _post_choices(post_form, post)
    return _post_page(post, post_form, form)


def _post_page(post: Post, form: PostForm, end_form: EndPostForm):
    return render_template(
        "workforce/post_form.html", post=post, form=form, end_form=end_form
    ), max(form_status(form), form_status(end_form))


# --- form helpers ----------------------------------------------------------------------------


def _new_post_form() -> PostForm:
    return PostForm(formdata=None, starts_on=local_today())


def _filled_post_form(post: Post) -> PostForm:
    form = PostForm(formdata=None, obj=post)
    form.category.data = str(post.category)
    form.qualification.data = "" if post.qualification is None else str(post.qualification)
    form.contract_ids.data = [str(cid) for cid in post.contract_ids]
    form.holder_id_number.data = ""  # a number is never put back into a page; blank keeps it
    return form


def _post_choices(form: PostForm, post: Post | None = None) -> None:
    form.category.choices = enum_choices(PostCategory, POST_CATEGORY)
    form.qualification.choices = enum_choices(Qualification, QUALIFICATION, blank=True)
    # The contracts naming this provider that are not closed, and those the post serves.
    served = set(post.contract_ids) if post is not None else set()
    form.contract_ids.choices = [
        (str(c.id), f"{c.number} · {c.title}")
        for c in _own_contracts()
        if c.status != ContractStatus.closed or c.id in served
    ]


def _post_values(form: PostForm, schema, post: Post | None = None) -> dict:
    """The form as the API's body: the post serves exactly the contracts ticked. On a
    change, a blank holder's name makes the post vacant, and a blank ID number keeps the
    one on file, unless the post becomes vacant (then it holds none)."""
    values = form_values(form, schema)
    values["contract_ids"] = form.contract_ids.data or []
    if post is not None:
        values["holder_name"] = form.holder_name.data or ""
        if not form.holder_id_number.data:
            if values["holder_name"]:
                values.pop("holder_id_number", None)
            else:
                values["holder_id_number"] = None
    return values


def _own_contracts() -> list[Contract]:
    """The contracts naming the signed-in provider, closed ones too."""
    return db.session.scalars(contracts.contracts_query(current_user.tenant)).all()


def _snapshots(provider: Tenant) -> list:
    return db.session.scalars(workforce.snapshots_query(provider).limit(SNAPSHOTS_SHOWN)).all()


# --- a bureau's view of its pool's providers -------------------------------------------------


@staffing.before_request
@requires(Permission.read_compliance)
def _bureau_readers_only():
    """A bureau's staff read its pool's providers' shares."""


@staffing.get("/", endpoint="index")
def providers():
    today = local_today()
    return render_template(
        "workforce/staffing.html",
        rows=workforce.providers_overview(current_user.tenant, today),
        today=today,
    )


@staffing.get("/<int:provider_id>", endpoint="provider")
@url_objects(**PROVIDER)
def provider_page(provider: Tenant):
    today = local_today()
    return render_template(
        "workforce/provider.html",
        provider=provider,
        today=today,
        compliance=workforce.compliance(provider, today),
        changes=workforce.compliance_changes(provider, add_months(today, -CHANGES_MONTHS), today),
        snapshots=_snapshots(provider),
    )
