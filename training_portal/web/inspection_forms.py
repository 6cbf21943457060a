from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length, ValidationError

from training_portal.dashboards.inspections import MAX_DAYS, MIN_DAYS
from training_portal.forms import no_control_characters, strip


def whole_days(form: Any, field: Any) -> None:
    """One message for every wrong answer ("", "abc", "0", "91", "7.5"), shown by the field."""
    text = field.data or ""
    if not (text.isascii() and text.isdigit() and MIN_DAYS <= int(text) <= MAX_DAYS):
        raise ValidationError(_l("Enter a whole number of days from %(low)d to %(high)d.",
                                 low=MIN_DAYS, high=MAX_DAYS))


class InspectionLinkForm(FlaskForm):
    label = StringField(_l("Who it is for"), filters=[strip], validators=[
        DataRequired(_l("Say who the link is for, for example \u201cLicensing visit, March\u201d.")),
        Length(max=120, message=_l("Use 120 characters or fewer.")), no_control_characters])
    days = StringField(_l("Number of days the link works"), default="7", filters=[strip],
                       validators=[whole_days], render_kw={"inputmode": "numeric"})

    @property
    def day_count(self) -> int:
        return int(self.days.data)
