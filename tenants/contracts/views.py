"""Purchase-of-service contracts in the pages: a bureau keeps its purchase list and its
contracts; a provider reads the contracts naming it and records what it delivers."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_login import current_user
from marshmallow import ValidationError

from aidbridge.accounts.models import TenantType
from aidbridge.accounts.permissions import Permission, can
from aidbridge.areas.models import AreaLevel
from aidbridge.clock import local_today
from aidbridge.contracts import service as contracts
from aidbridge.contracts.api import CONTRACT
from aidbridge.contracts.models import (
    Contract,
    ContractStatus,
    FundingSource,
    ItemStatus,
    PurchaseItem,
    ServiceUnit,
)
from aidbridge.contracts.schemas import (
    ContractChangeSchema,
    ContractInputSchema,
    ContractQuery,
    DeliveryInputSchema,
    PurchaseItemChangeSchema,
    PurchaseItemInputSchema,
)
from aidbridge.errors import ServiceError
from aidbridge.extensions import db
from aidbridge.i18n import translate
from aidbridge.money import MoneyFormatError, fen_to_yuan, parse_yuan
from aidbridge.pagination import page_of
from aidbridge.pool.taxonomy import subcategories_by_dimension
from aidbridge.schemas import flatten_messages
from aidbridge.tenancy import url_objects
from aidbridge.vocab import NeedDimension
from aidbridge.workforce import service as workforce
from tenants.contracts.forms import DeliveryForm, PurchaseItemForm, contract_form
from tenants.forms import ConfirmForm, area_choices, enum_choices
from tenants.labels import FUNDING_SOURCE, NEED_DIMENSION, SERVICE_UNIT, term_label
from tenants.portal import (
    _,
    apply_service_error,
    flash_done,
    form_status,
    form_values,
    load_values,
    make_portal,
    posted_status,
    put_errors,
    query_filters,
    requires,
    typed_number,
)

portal = make_portal(
    "contracts", {TenantType.bureau, TenantType.charity, TenantType.agency}, "/contracts", False
)
PAGE_SIZE = 25
DELIVERIES_SHOWN = 50
BLANK_ROWS = 3
MAX_ROWS = 100
# Form fields in yuan, by the schema field in fen they become.
YUAN_FIELDS = {"budget_fen": "budget", "unit_price_fen": "unit_price"}


@portal.before_request
@requires(Permission.read_contracts)
def _readers_only():
    """Contracts are read by the bureau and its provider; other roles see none."""


# --- contracts -------------------------------------------------------------------------------


@portal.get("/")
def index():
    filters, errors = query_filters(ContractQuery())
    page = filters.get("page", 1)
    query = contracts.contracts_query(current_user.tenant, filters.get("status"))
    items, total = page_of(query, page, PAGE_SIZE)
    return render_template(
        "contracts/index.html",
        contracts=items,
        total=total,
        page=page,
        page_size=PAGE_SIZE,
        args=request.args,
        statuses=list(ContractStatus),
        errors=errors,
    )


@portal.route("/new", methods=["GET", "POST"])
@requires(Permission.manage_contracts)
def create():
    return _contract_page(None)


@portal.route("/<int:contract_id>/edit", methods=["GET", "POST"])
@url_objects(**CONTRACT)
@requires(Permission.manage_contracts)
def edit(contract: Contract):
    return _contract_page(contract)


@portal.get("/<int:contract_id>")
@url_objects(**CONTRACT)
def show(contract: Contract):
    return _show(contract)


def _show(contract: Contract, delivery_form=None):
    if delivery_form is None:
        delivery_form = DeliveryForm(formdata=None, delivered_on=local_today())
    _delivery_choices(delivery_form, contract)
    deliveries = db.session.scalars(
        contracts.deliveries_query(contract).limit(DELIVERIES_SHOWN)
    ).all()
    return render_template(
        "contracts/show.html",
        contract=contracts.detail(contract, local_today()),
        deliveries=deliveries,
        delivery_form=delivery_form,
        may_record=contract.status == ContractStatus.active
        and can(current_user, Permission.record_deliveries),
        confirm=ConfirmForm(),
    ), form_status(delivery_form)


@portal.post("/<int:contract_id>/status")
@url_objects(**CONTRACT)
@requires(Permission.manage_contracts)
def set_status(contract: Contract):
    status = posted_status(ContractStatus)
    try:
        contracts.set_contract_status(contract, status, local_today())
    except ServiceError as error:
        apply_service_error(ConfirmForm(), error)
    else:
        flash_done(_("Status changed."))
    return redirect(url_for(".show", contract_id=contract.id))


@portal.post("/<int:contract_id>/deliveries")
@url_objects(**CONTRACT)
@requires(Permission.record_deliveries)
def record_delivery(contract: Contract):
    form = DeliveryForm()
    _delivery_choices(form, contract)
    if form.validate_on_submit():
        values = form_values(form, DeliveryInputSchema())
        for name in ("contract_item_id", "units", "household_id"):
            if values.get(name) is not None:
                values[name] = typed_number(values[name])
        data = load_values(form, DeliveryInputSchema(), values)
        if data is not None:
            try:
                contracts.record_delivery(contract, data, current_user)
            except ServiceError as error:
                apply_service_error(form, error)
            else:
                flash_done(_("Delivery recorded; the contract is drawn down."))
                return redirect(url_for(".show", contract_id=contract.id) + "#deliveries")
    return _show(contract, delivery_form=form)


def _delivery_choices(form, contract: Contract) -> None:
    form.contract_item_id.choices = [
        (str(line.id), f"{line.purchase_item.name} · {SERVICE_UNIT[line.purchase_item.unit]}")
        for line in contract.items
    ]


# --- the contract form -----------------------------------------------------------------------


def _contract_page(contract: Contract | None):
    rows = _rows(contract)
    form = contract_form(rows, formdata=None if request.method == "GET" else request.form)
    _contract_choices(form, rows, contract)
    if request.method == "GET":
        _fill(form, contract, rows)
    elif form.validate_on_submit():
        schema = ContractInputSchema() if contract is None else ContractChangeSchema()
        values, row_of = _contract_values(form, rows)
        try:
            if form.errors:  # an amount that is not yuan
                raise ValidationError({})
            data = schema.load(values)
            if contract is None:
                contract = contracts.create_contract(current_user.tenant, data)
            else:
                contracts.update_contract(current_user.tenant, contract, data)
        except ValidationError as exc:
            put_errors(form, _on_form(flatten_messages(exc.messages), row_of))
        except ServiceError as error:
            error.errors = _on_form(error.errors, row_of)
            apply_service_error(form, error)
        else:
            flash_done(_("Contract saved."))
            return redirect(url_for(".show", contract_id=contract.id))
    return render_template(
        "contracts/form.html", form=form, contract=contract, rows=rows
    ), form_status(form)


def _rows(contract: Contract | None) -> int:
    if request.method == "POST":
        try:
            rows = int(request.form.get("rows", ""))
        except ValueError:
            rows = -1
        return rows if 0 < rows <= MAX_ROWS else BLANK_ROWS
    return (len(contract.items) if contract else 0) + BLANK_ROWS


def _contract_choices(form, rows: int, contract: Contract | None) -> None:
    providers = db.session.scalars(workforce.providers_query(current_user.tenant))
    form.provider_id.choices = [("", ""), *((str(p.id), p.name) for p in providers)]
    form.funding_source.choices = enum_choices(FundingSource, FUNDING_SOURCE)
    form.areas.choices = area_choices(
        (AreaLevel.district, AreaLevel.street, AreaLevel.community),
        inside=current_user.tenant.jurisdiction,
    )
    listed = db.session.scalars(contracts.items_query(ItemStatus.published)).all()
    if contract is not None:  # an item already bought stays choosable, even withdrawn
        bought = [line.purchase_item for line in contract.items]
        listed += [item for item in bought if item not in listed]
    items = [("", ""), *((str(i.id), f"{i.code} {i.name}") for i in listed)]
    for j in range(rows):
        form[f"items_{j}_purchase_item_id"].choices = items


def _fill(form, contract: Contract | None, rows: int) -> None:
    form.rows.data = str(rows)
    if contract is None:
        return
    for name in ("number", "title", "starts_on", "ends_on"):
        form[name].data = getattr(contract, name)
    form.provider_id.data = str(contract.provider_id)
    form.funding_source.data = str(contract.funding_source)
    form.budget.data = str(fen_to_yuan(contract.budget_fen))
    form.areas.data = [a.area_code for a in contract.areas]
    for name in ("target_accepted_share", "target_completed_share", "target_satisfaction"):
        value = getattr(contract, name)
        form[name].data = "" if value is None else str(value)
    for j, line in enumerate(contract.items):
        form[f"items_{j}_purchase_item_id"].data = str(line.purchase_item_id)
        form[f"items_{j}_units"].data = line.units
        form[f"items_{j}_unit_price"].data = str(fen_to_yuan(line.unit_price_fen))


def _contract_values(form, rows: int) -> tuple[dict, dict[int, int]]:
    """The form as the API's body (yuan in fen; rows without an item left out), and the
    page row each item of the body came from."""
    values = form_values(form, ContractInputSchema())
    values["provider_id"] = typed_number(form.provider_id.data)
    values["areas"] = form.areas.data or []
    values["budget_fen"] = _fen(form.budget)
    for name in ("target_accepted_share", "target_completed_share", "target_satisfaction"):
        values[name] = (form[name].data or "").strip() or None
    items, row_of = [], {}
    for j in range(rows):
        prefix = f"items_{j}_"
        if not form[prefix + "purchase_item_id"].data:
            continue
        row_of[len(items)] = j
        items.append(
            {
                "purchase_item_id": typed_number(form[prefix + "purchase_item_id"].data),
                "units": typed_number(form[prefix + "units"].data),
                "unit_price_fen": _fen(form[prefix + "unit_price"]),
            }
        )
    values["items"] = items
    return values, row_of


def _on_form(errors: dict[str, list[str]], row_of: dict[int, int]) -> dict[str, list[str]]:
    """Messages by the form's fields: the body's i-th item on its page row, amounts on
    the fields in yuan."""
    placed = {}
    for key, reasons in errors.items():
        parts = key.split(".")
        if parts[0] == "items" and len(parts) == 3 and parts[1].isdigit():
            parts[1] = str(row_of.get(int(parts[1]), parts[1]))
        parts[-1] = YUAN_FIELDS.get(parts[-1], parts[-1])
        placed[".".join(parts)] = reasons
    return placed


def _fen(field) -> int | None:
    text = (field.data or "").strip()
    if not text:
        return None
    try:
        return parse_yuan(text)
    except MoneyFormatError as exc:
        field.errors = [*field.errors, translate(str(exc))]
        return None


# --- the purchase list -----------------------------------------------------------------------


@portal.route("/purchase-list", methods=["GET", "POST"])
@requires(Permission.manage_contracts)
def purchase_list():
    return _item_page(None, "contracts/purchase_list.html")


@portal.route("/purchase-list/<int:purchase_item_id>/edit", methods=["GET", "POST"])
@url_objects(purchase_item_id=PurchaseItem)
@requires(Permission.manage_contracts)
def edit_purchase_item(purchase_item: PurchaseItem):
    return _item_page(purchase_item, "contracts/item_form.html")


@portal.post("/purchase-list/<int:purchase_item_id>/status")
@url_objects(purchase_item_id=PurchaseItem)
@requires(Permission.manage_contracts)
def set_purchase_item_status(purchase_item: PurchaseItem):
    status = posted_status(ItemStatus)
    try:
        contracts.set_item_status(purchase_item, status)
    except ServiceError as error:
        apply_service_error(ConfirmForm(), error)
    else:
        flash_done(_("Status changed."))
    return redirect(url_for(".purchase_list"))


def _item_page(item: PurchaseItem | None, template: str):
    form = PurchaseItemForm(formdata=None if request.method == "GET" else request.form)
    _item_choices(form)
    if request.method == "GET" and item is not None:
        for name in ("code", "name", "quality"):
            form[name].data = getattr(item, name)
        form.dimension.data = str(item.dimension)
        form.subcategory.data = item.subcategory_code or ""
        form.unit.data = str(item.unit)
        form.unit_price.data = str(fen_to_yuan(item.unit_price_fen))
    elif form.validate_on_submit():
        schema = PurchaseItemInputSchema() if item is None else PurchaseItemChangeSchema()
        values = form_values(form, schema)
        values["unit_price_fen"] = _fen(form.unit_price)
        if values["unit_price_fen"] is None and not form.unit_price.errors:
            values.pop("unit_price_fen")
        data = None if form.errors else load_values(form, schema, values, YUAN_FIELDS)
        if data is not None:
            try:
                if item is None:
                    contracts.add_item(data)
                else:
                    contracts.update_item(item, data)
            except ServiceError as error:
                apply_service_error(form, error)
            else:
                flash_done(_("Saved."))
                return redirect(url_for(".purchase_list"))
    return render_template(
        template,
        form=form,
        item=item,
        items=db.session.scalars(contracts.items_query()).all(),
        confirm=ConfirmForm(),
    ), form_status(form)


def _item_choices(form) -> None:
    form.dimension.choices = [(str(d), str(NEED_DIMENSION[d])) for d in NeedDimension]
    children = subcategories_by_dimension()
    form.subcategory.choices = [
        ("", _("(any of the dimension)")),
        *((t.code, term_label(t)) for d in NeedDimension for t in children.get(str(d), [])),
    ]
    form.unit.choices = enum_choices(ServiceUnit, SERVICE_UNIT)
