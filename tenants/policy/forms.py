"""The form for publishing a pack version. Rules live in the core's schemas."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import TextAreaField


class PackPublishForm(FlaskForm):
    text = TextAreaField()
    file = FileField()
