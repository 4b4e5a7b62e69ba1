"""Forms for the purchase list, contracts and deliveries. Amounts are typed in yuan and
become fen for the schema; numbers stay text for the schema to judge. Field names follow
the schema's (``items_0_units``) so that its messages land on them."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField

from tenants.forms import CheckboxesField, ChoiceField, DateField


class PurchaseItemForm(FlaskForm):
    code = StringField()
    name = StringField()
    dimension = ChoiceField()
    subcategory = ChoiceField()
    unit = ChoiceField()
    unit_price = StringField()  # yuan
    quality = TextAreaField()


class ContractForm(FlaskForm):
    provider_id = ChoiceField()
    number = StringField()
    title = StringField()
    starts_on = DateField()
    ends_on = DateField()
    budget = StringField()  # yuan
    funding_source = ChoiceField()
    areas = CheckboxesField()
    target_accepted_share = StringField()
    target_completed_share = StringField()
    target_satisfaction = StringField()
    # How many item rows the page has.
    rows = HiddenField()


def contract_form(rows: int, **kwargs) -> ContractForm:
    """The contract form with ``rows`` item rows (``items_<j>_…``)."""
    fields = {}
    for j in range(rows):
        fields[f"items_{j}_purchase_item_id"] = ChoiceField()
        fields[f"items_{j}_units"] = StringField()
        fields[f"items_{j}_unit_price"] = StringField()  # yuan; blank: the list's price
    return type("ContractRowsForm", (ContractForm,), fields)(**kwargs)


class DeliveryForm(FlaskForm):
    contract_item_id = ChoiceField()
    units = StringField()
    delivered_on = DateField()
    household_id = StringField()
    note = StringField()
