from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from training_portal.forms import email_validators, name_validators, password_validators, strip


class RegisterForm(FlaskForm):
    name = StringField(_l("Your name"), validators=name_validators(), filters=[strip])
    email = EmailField(_l("Email address"), validators=email_validators(), filters=[strip])
    password = PasswordField(_l("Choose a password (at least 10 characters)"),
                             validators=password_validators())


class LoginForm(FlaskForm):
    email = EmailField(_l("Email address"), validators=email_validators(), filters=[strip])
    password = PasswordField(_l("Password"), validators=[
        DataRequired(_l("Enter your password.")), Length(max=200)])


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


class ChangeEmailForm(FlaskForm):
    email = EmailField(_l("New email address"), validators=email_validators(), filters=[strip])
    current_password = PasswordField(_l("Your current password"), validators=[
        DataRequired(_l("Enter your current password.")), Length(max=200)])


class ChangePasswordForm(NewPasswordForm):
    current_password = PasswordField(_l("Your current password"), validators=[
        DataRequired(_l("Enter your current password.")), Length(max=200)])
