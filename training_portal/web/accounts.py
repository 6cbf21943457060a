from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user
from werkzeug.wrappers import Response

from training_portal import logs
from training_portal.accounts import login_throttle, services
from training_portal.accounts.models import User
from training_portal.accounts.sessions import current_account, end_session, start_session
from training_portal.extensions import db, limiter
from training_portal.notifications.accounts import send_login_link, send_reset_link
from training_portal.policy import Rule, access
from training_portal.urls import safe_next
from training_portal.web.account_forms import (
    ChangeEmailForm,
    ChangePasswordForm,
    ConfirmForm,
    EmailOnlyForm,
    LinkSignInForm,
    LoginForm,
    NewPasswordForm,
    ProfileForm,
    RegisterForm,
    printed_name_for,
)

bp = Blueprint("accounts", __name__)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _login_ip_limit() -> str:
    return current_app.config["LOGIN_IP_RATE_LIMIT"]


def _register_limit() -> str:
    return current_app.config["REGISTER_RATE_LIMIT"]


def _address_and_email() -> str:
    """Guessing one person's password is throttled per account, so a venue's staff sharing
    one Wi-Fi address are not locked out by each other; a looser per-address limit stays."""
    return f"{get_remote_address()}|{(request.form.get('email') or '').strip().lower()}"


def _email_limit() -> str:
    return current_app.config["EMAIL_RATE_LIMIT"]


def _sign_in(user: User, keep: bool) -> None:
    """A fresh session; ``keep`` makes its cookie persistent (PERMANENT_SESSION_LIFETIME)
    instead of ending with the browser. The cookie is the same signed session either way, so
    log-out, password change, disabling and the absolute lifetime end it alike."""
    start_session(user)
    session.permanent = keep


def _after_login() -> Response:
    return redirect(safe_next(request.args.get("next")) or url_for("main.home"))


@bp.route("/register", methods=["GET", "POST"])
@access(Rule.PUBLIC)
@limiter.limit(_register_limit, methods=["POST"])
def register() -> str | tuple[str, int] | Response:
    form = RegisterForm()
    if form.validate_on_submit():
        printable, printed_name = printed_name_for(form)
        if not printable:
            return render_template("accounts/register.html", form=form), 400
        try:
            user = services.register(form.name.data, form.email.data, form.password.data,
                                     printed_name)
        except services.EmailTaken as exc:
            form.email.errors.append(str(exc))
        else:
            start_session(user)
            db.session.commit()
            return _after_login()
    return render_template("accounts/register.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
@access(Rule.PUBLIC)
@limiter.limit(_login_limit, methods=["POST"], key_func=_address_and_email)
@limiter.limit(_login_ip_limit, methods=["POST"])
def login() -> str | Response:
    form = LoginForm()
    if form.validate_on_submit():
        wait = login_throttle.wait_seconds(form.email.data)
        if wait:  # too many wrong passwords for this account, from anywhere: the emailed link still works
            logs.event("account.login_throttled", account=login_throttle.account_key(form.email.data),
                       address=get_remote_address())
            page = render_template("accounts/login.html", form=form, throttled=True)
            return current_app.response_class(page, 429, {"Retry-After": str(wait)})
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            _sign_in(user, form.remember.data)
            db.session.commit()
            return _after_login()
        login_throttle.count_failure(form.email.data)
        # The account as a hash: a password typed into the email field never reaches the log.
        logs.event("account.login_failed", account=login_throttle.account_key(form.email.data),
                   address=get_remote_address())
        form.password.errors.append(_("That email address and password do not match."))
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@access(Rule.SIGNED_IN)
def logout() -> Response:
    if ConfirmForm().validate_on_submit():
        end_session(current_account())
        db.session.commit()
        flash(_("You are logged out."))
    return redirect(url_for("main.home"))


@bp.route("/reset", methods=["GET", "POST"])
@access(Rule.PUBLIC)
@limiter.limit(_email_limit, methods=["POST"])
def reset_request() -> str | Response:
    form = EmailOnlyForm()
    if form.validate_on_submit():
        send_reset_link(form.email.data)
        db.session.commit()
        return render_template("accounts/check_email.html", email=form.email.data)
    return render_template("accounts/reset_request.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@access(Rule.PUBLIC)
@limiter.limit(_login_limit, methods=["POST"])
def reset_password(token: str) -> str | Response:
    if services.peek_token(token, services.PURPOSE_RESET) is None:
        return render_template("accounts/link_invalid.html"), 400  # type: ignore[return-value]
    form = NewPasswordForm()
    if form.validate_on_submit():
        user = services.consume_token(token, services.PURPOSE_RESET)
        if user is None:
            return render_template("accounts/link_invalid.html"), 400  # type: ignore[return-value]
        services.set_password(user, form.password.data)
        start_session(user)
        db.session.commit()
        flash(_("Your password is changed."))
        return redirect(url_for("main.home"))
    return render_template("accounts/reset_password.html", form=form)


@bp.route("/login/link", methods=["GET", "POST"])
@access(Rule.PUBLIC)
@limiter.limit(_email_limit, methods=["POST"])
def login_link_request() -> str | Response:
    form = EmailOnlyForm()
    if form.validate_on_submit():
        send_login_link(form.email.data, safe_next(request.args.get("next")))
        db.session.commit()
        return render_template("accounts/check_email.html", email=form.email.data)
    return render_template("accounts/login_link_request.html", form=form)


@bp.route("/login/link/<token>", methods=["GET", "POST"])
@access(Rule.PUBLIC)
@limiter.limit(_login_limit, methods=["POST"])
def login_link(token: str) -> str | Response:
    if services.peek_token(token, services.PURPOSE_LOGIN) is None:
        return render_template("accounts/link_invalid.html"), 400  # type: ignore[return-value]
    form = LinkSignInForm()
    if form.validate_on_submit():
        user = services.consume_token(token, services.PURPOSE_LOGIN)
        if user is None:
            return render_template("accounts/link_invalid.html"), 400  # type: ignore[return-value]
        _sign_in(user, form.remember.data)
        db.session.commit()
        return _after_login()
    return render_template("accounts/login_link_confirm.html", form=form)


@dataclass
class AccountForms:
    name: ProfileForm
    email: ChangeEmailForm
    password: ChangePasswordForm


def _account_forms() -> AccountForms:
    return AccountForms(ProfileForm(prefix="profile", obj=current_user),
                        ChangeEmailForm(prefix="email"), ChangePasswordForm(prefix="password"))


def _account_page(forms: AccountForms, status: int = 200) -> tuple[str, int]:
    return render_template("accounts/account.html", forms=forms), status


@bp.route("/account")
@access(Rule.SIGNED_IN)
def account() -> tuple[str, int]:
    return _account_page(_account_forms())


@bp.route("/account/name", methods=["POST"])
@access(Rule.SIGNED_IN)
def change_name() -> tuple[str, int] | Response:
    forms = _account_forms()
    if not forms.name.validate_on_submit():
        return _account_page(forms, 400)
    printable, printed_name = printed_name_for(forms.name)
    if not printable:
        return _account_page(forms, 400)
    services.change_name(current_account(), forms.name.name.data, printed_name)
    db.session.commit()
    flash(_("Your name is saved. Certificates already issued keep the name they were issued with."))
    return redirect(url_for("accounts.account"))


@bp.route("/account/email", methods=["POST"])
@access(Rule.SIGNED_IN)
def change_email() -> tuple[str, int] | Response:
    forms = _account_forms()
    form = forms.email
    if form.validate_on_submit():
        try:
            services.change_email(current_account(), form.current_password.data, form.email.data)
        except services.WrongPassword as exc:
            form.current_password.errors.append(str(exc))
        except services.EmailTaken as exc:
            form.email.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Your email address is changed."))
            return redirect(url_for("accounts.account"))
    return _account_page(forms, 400)


@bp.route("/account/password", methods=["POST"])
@access(Rule.SIGNED_IN)
def change_password() -> tuple[str, int] | Response:
    forms = _account_forms()
    form = forms.password
    if form.validate_on_submit():
        user = current_account()
        try:
            services.change_password(user, form.current_password.data, form.password.data)
        except services.WrongPassword as exc:
            form.current_password.errors.append(str(exc))
        else:
            # This session carries on (kept signed in or not, as before); every other one has ended.
            _sign_in(user, session.permanent)
            db.session.commit()
            flash(_("Your password is changed. You are logged out everywhere else."))
            return redirect(url_for("accounts.account"))
    return _account_page(forms, 400)
