"""Forms for matching runs and previews. Numbers stay text for the core's schemas to
judge; field names follow the schemas' (``weights_distance``, ``add_places_0_places``)
so that their messages land on them."""

from flask_wtf import FlaskForm
from wtforms import StringField

from aidbridge.matching.costs import WEIGHTS
from tenants.forms import ChoiceField

# A preview's rows of each kind.
PREVIEW_ROWS = 3


class RunForm(FlaskForm):
    """The scope and the four weights (``weights_<part>``)."""

    area_code = ChoiceField()


class PreviewForm(RunForm):
    """A run's fields and rows of places added to services of the pool
    (``add_places_<j>_…``) and of services added to an area (``add_services_<j>_…``)."""


for _name in WEIGHTS:
    setattr(RunForm, f"weights_{_name}", StringField())
for _j in range(PREVIEW_ROWS):
    setattr(PreviewForm, f"add_places_{_j}_service_id", ChoiceField())
    setattr(PreviewForm, f"add_places_{_j}_places", StringField())
    setattr(PreviewForm, f"add_services_{_j}_dimension", ChoiceField())
    setattr(PreviewForm, f"add_services_{_j}_subcategory", ChoiceField())
    setattr(PreviewForm, f"add_services_{_j}_area_code", ChoiceField())
    setattr(PreviewForm, f"add_services_{_j}_places", StringField())
