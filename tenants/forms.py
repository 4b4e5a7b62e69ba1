"""Form pieces every portal uses. Rules live in the core's schemas, not here."""

import wtforms
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectField, SelectMultipleField
from wtforms.validators import Optional
from wtforms.widgets import CheckboxInput, ListWidget

from aidbridge.areas.models import Area, AreaLevel
from aidbridge.areas.service import within
from aidbridge.extensions import db


class ChoiceField(SelectField):
    """A select list whose value the schema judges (and explains), not WTForms."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("validate_choice", False)
        super().__init__(*args, **kwargs)


def _blank_is_none(field_class):
    """``field_class`` with a blank that is none, not a bad number or date: a browser
    sends every field it shows, and the schema says whether one may be left empty
    (and says so in its own words)."""

    def __init__(self, label=None, validators=(), **kwargs):
        field_class.__init__(self, label, [Optional(), *validators], **kwargs)

    return type(field_class.__name__, (field_class,), {"__init__": __init__})


DateField = _blank_is_none(wtforms.DateField)
DecimalField = _blank_is_none(wtforms.DecimalField)
FloatField = _blank_is_none(wtforms.FloatField)
IntegerField = _blank_is_none(wtforms.IntegerField)
TimeField = _blank_is_none(wtforms.TimeField)


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, *args, **kwargs):
        # The schema and the services judge the values, and say why in the user's language.
        kwargs.setdefault("validate_choice", False)
        super().__init__(*args, **kwargs)


class ConfirmForm(FlaskForm):
    """A POST with nothing but the CSRF token (deactivate, revoke, publish…)."""


def enum_choices(enum, labels, blank: bool = False) -> list[tuple[str, str]]:
    """A select list of an enum's members by their interface names; ``blank``: "(none)" first."""
    options = [(str(member), str(labels[member])) for member in enum]
    return [("", _("(none)")), *options] if blank else options


def area_choices(
    levels: tuple[AreaLevel, ...], inside: Area | None = None, show_code: bool = False
) -> list[tuple[str, str]]:
    """The areas of ``levels`` (in tree order, indented by level), optionally only those
    inside an area."""
    query = select(Area).where(Area.level.in_(levels)).order_by(Area.path)
    if inside is not None:
        query = query.where(within(inside))
    return [
        (a.code, "　" * levels.index(a.level) + a.name + (f" ({a.code})" if show_code else ""))
        for a in db.session.scalars(query)
    ]
