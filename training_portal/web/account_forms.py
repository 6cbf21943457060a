from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from training_portal.certificates.design import unprintable_characters
from training_portal.forms import (
    email_validators,
    name_validators,
    password_validators,
    printed_name_validators,
    strip,
)


class RegisterForm(FlaskForm):
    name = StringField(_l("Your name"), validators=name_validators(), filters=[strip])
    printed_name = StringField(_l("Name as printed on certificates (only if asked)"),
                               validators=printed_name_validators(), filters=[strip])
    email = EmailField(_l("Email address"), validators=email_validators(), filters=[strip])
    password = PasswordField(_l("Choose a password (at least 10 characters)"),
                             validators=password_validators())


def _keep_signed_in() -> BooleanField:
    """Off by default: ticked, the session cookie outlives the browser (see docs/security.md)."""
    return BooleanField(_l("Keep me signed in on this phone"), default=False)


class LoginForm(FlaskForm):
    email = EmailField(_l("Email address"), validators=email_validators(), filters=[strip])
    password = PasswordField(_l("Password"), validators=[
        DataRequired(_l("Enter your password.")), Length(max=200)])
    remember = _keep_signed_in()


class LinkSignInForm(FlaskForm):
    """The button that spends an emailed sign-in link, with the same choice as the log-in form."""

    remember = _keep_signed_in()


class EmailOnlyForm(FlaskForm):
    email = EmailField(_l("Email address"), validators=email_validators(), filters=[strip])


class ConfirmForm(FlaskForm):
    """A button only: one-time links are used by POST so mail scanners cannot spend them."""


class NewPasswordForm(FlaskForm):
    password = PasswordField(_l("New password (at least 10 characters)"),
                             validators=password_validators())
    confirm = PasswordField(_l("Type the new password again"), validators=[
        DataRequired(_l("Type the new password again.")),
        EqualTo("password", message=_l("The two passwords are not the same."))])


class ProfileForm(FlaskForm):
    name = StringField(_l("Your name"), validators=name_validators(), filters=[strip])
    printed_name = StringField(_l("Name as printed on certificates (only if asked)"),
                               validators=printed_name_validators(), filters=[strip])


class ChangeEmailForm(FlaskForm):
    email = EmailField(_l("New email address"), validators=email_validators(), filters=[strip])
    current_password = PasswordField(_l("Your current password"), validators=[
        DataRequired(_l("Enter your current password.")), Length(max=200)])


class ChangePasswordForm(NewPasswordForm):
    current_password = PasswordField(_l("Your current password"), validators=[
        DataRequired(_l("Enter your current password.")), Length(max=200)])


def printed_name_for(form: RegisterForm | ProfileForm) -> tuple[bool, str | None]:
    """(ok, name as printed): check that certificates can print the name, or the name given
    "as printed" when they cannot. On failure the field says which characters and what to do."""
    design = current_app.extensions["certificate_design"]
    missing = unprintable_characters(form.name.data or "", design)
    if not missing:
        return True, None
    printed = form.printed_name.data or ""
    if not printed:
        form.name.errors = [*form.name.errors, _(
            "Certificates cannot print these characters yet: %(chars)s. Give your name as it "
            "should be printed (for example in Latin letters) in \"Name as printed\" below; "
            "your name stays as you wrote it everywhere else.", chars=missing)]
        return False, None
    still = unprintable_characters(printed, design)
    if still:
        form.printed_name.errors = [*form.printed_name.errors, _(
            "Certificates cannot print these characters either: %(chars)s.", chars=still)]
        return False, None
    return True, printed
