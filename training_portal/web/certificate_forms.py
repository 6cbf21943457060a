from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from training_portal.forms import name_validators, no_control_characters_multiline, strip


class VerifyForm(FlaskForm):
    class Meta:
        csrf = False  # a public look-up by GET; it changes nothing

    code = StringField(_l("Certificate code"), filters=[strip], validators=[
        DataRequired(_l("Enter the code printed on the certificate.")), Length(max=40)])


class RevokeForm(FlaskForm):
    reason = TextAreaField(_l("Reason for revoking"), filters=[strip], validators=[
        DataRequired(_l("Give a reason; it is kept with the record.")),
        Length(max=500, message=_l("Use 500 characters or fewer.")), no_control_characters_multiline])


class ReissueForm(FlaskForm):
    """An admin corrects the printed name: a new certificate (new code); the old one is replaced."""

    holder_name = StringField(_l("Name to print"), filters=[strip], validators=name_validators())
    # Its own id: the revoke form on the same page also has a "reason" field.
    reason = TextAreaField(_l("Reason for reissuing"), id="reissue-reason", filters=[strip], validators=[
        DataRequired(_l("Give a reason; it is kept with the record.")),
        Length(max=500, message=_l("Use 500 characters or fewer.")), no_control_characters_multiline])
