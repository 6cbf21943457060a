from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, IntegerField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from training_portal.forms import email_validators, no_control_characters, strip

#: UK postcodes, loosely: outward code, optional space, inward code.
POSTCODE = re.compile(r"^[A-Za-z]{1,2}[0-9][A-Za-z0-9]? ?[0-9][A-Za-z]{2}$")


class VenueForm(FlaskForm):
    name = StringField(_l("Venue name"), filters=[strip], validators=[
        DataRequired(_l("Enter the venue's name.")),
        Length(max=120, message=_l("Use 120 characters or fewer.")), no_control_characters])
    address = StringField(_l("Address"), filters=[strip], validators=[
        DataRequired(_l("Enter the venue's address.")),
        Length(max=300, message=_l("Use 300 characters or fewer.")), no_control_characters])
    postcode = StringField(_l("Postcode"), filters=[strip], validators=[
        DataRequired(_l("Enter the postcode.")),
        Regexp(POSTCODE, message=_l("Enter a postcode like SW1A 1AA."))])
    licence_number = StringField(_l("Premises licence number (optional)"), filters=[strip],
                                 validators=[Optional(), Length(max=40), no_control_characters])


class CoManagerForm(FlaskForm):
    email = EmailField(_l("Their email address"), validators=email_validators(), filters=[strip])


class JoinCodeForm(FlaskForm):
    code = StringField(_l("Venue code"), filters=[strip], validators=[
        DataRequired(_l("Enter the code printed on the poster.")), Length(max=20)])


class ButtonForm(FlaskForm):
    """A CSRF-protected button with no fields."""


class WholeNumberField(IntegerField):
    """An optional whole number whose "not a number" message speaks the field's language."""

    def __init__(self, label: Any, not_a_number: Any, **kwargs: Any) -> None:
        super().__init__(label, validators=[Optional()], **kwargs)
        self.not_a_number = not_a_number

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError(str(self.not_a_number)) from exc


class TrainingPolicyForm(FlaskForm):
    """Parses the fields; the rules (ranges, at least one module) are policy_rules.check_policy."""

    refresher_months = WholeNumberField(
        _l("Renew training every … months (optional)"),
        _l("Enter a whole number of months, or leave it blank."))
    required = SelectMultipleField(_l("Modules staff here must hold"), choices=[],
                                   widget=ListWidget(prefix_label=False),
                                   option_widget=CheckboxInput(), validate_choice=False)
    starter_deadline_days = WholeNumberField(
        _l("New starters must be trained within … days of joining (optional)"),
        _l("Enter a whole number of days, or leave it blank."))
