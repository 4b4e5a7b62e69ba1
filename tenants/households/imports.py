"""Bulk import pages of the households portal: the layout, the upload with the choice of
what to write, each import's report, and the templates to fill in."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import RadioField

from aidbridge.errors import ServiceError
from aidbridge.extensions import db
from aidbridge.households import importing
from aidbridge.households.models import HouseholdImport, ImportMode
from aidbridge.tenancy import url_objects
from aidbridge.web.downloads import attachment
from tenants.forms import enum_choices
from tenants.households.views import portal
from tenants.labels import IMPORT_MODE
from tenants.portal import apply_service_error, form_status

# The imports listed under the upload form.
RECENT = 20


class ImportForm(FlaskForm):
    file = FileField()
    mode = RadioField()


@portal.route("/import", methods=["GET", "POST"])
def import_households():
    form = ImportForm(mode=str(ImportMode.check))
    form.mode.choices = enum_choices(ImportMode, IMPORT_MODE)
    if form.validate_on_submit():
        upload = form.file.data
        try:
            record = importing.submit(
                current_user.tenant,
                current_user,
                upload.read() if upload else b"",
                upload.filename or "" if upload else "",
                ImportMode(form.mode.data),
            )
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            return redirect(url_for(".import_report", household_import_id=record.id))
    imports = db.session.scalars(importing.imports_query().limit(RECENT)).all()
    return render_template(
        "households/import.html",
        form=form,
        imports=imports,
        columns=importing.COLUMNS,
    ), form_status(form)


@portal.get("/imports/<int:household_import_id>")
@url_objects(household_import_id=HouseholdImport)
def import_report(household_import: HouseholdImport):
    return render_template(
        "households/import_report.html",
        record=household_import,
        report=household_import.report,
        columns={c.code: c for c in importing.COLUMNS},
    )


@portal.get("/import/template.csv")
def import_template_csv():
    return attachment(importing.template_csv(), "text/csv", "households.csv")


@portal.get("/import/template.xlsx")
def import_template_xlsx():
    return attachment(importing.template_xlsx(), importing.XLSX_TYPE, "households.xlsx")
