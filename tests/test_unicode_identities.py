"""Issue 9, item 8: Unicode identities (emails, names in pages, names on certificates)."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from tests.conftest import login_client
from tests.factories import (
    PASSWORD,
    CertificateFactory,
    CompletionFactory,
    MembershipFactory,
    UserFactory,
)
from tests.learning import pass_quiz
from training_portal.accounts import services
from training_portal.accounts.models import User
from training_portal.certificates import runs
from training_portal.certificates.design import unprintable_characters
from training_portal.certificates.models import Certificate
from training_portal.extensions import db

NFC = unicodedata.normalize("NFC", "josé@example.org")
NFD = unicodedata.normalize("NFD", "josé@example.org")


def _register(client, name, email, printed=""):
    return client.post("/register", data={"name": name, "email": email, "password": PASSWORD,
                                          "printed_name": printed})


def test_nfc_and_nfd_spellings_of_an_address_are_one_account(app):
    assert NFC != NFD and services.normalise_email(NFD) == services.normalise_email(NFC) == NFC
    assert services.normalise_email(" JOSÉ@Example.ORG ") == NFC
    assert _register(app.test_client(), "José", NFC).status_code == 302
    second = _register(app.test_client(), "José again", NFD.upper())
    assert second.status_code == 200 and "already exists" in second.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1
        assert services.authenticate(NFD, PASSWORD) is not None


def test_an_address_stored_decomposed_is_found_by_either_spelling(app):
    """Registration stores NFC whatever was typed; login by the other spelling finds it."""
    assert _register(app.test_client(), "José", NFD).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(User.email)) == NFC
    response = app.test_client().post("/login", data={"email": NFC, "password": PASSWORD})
    assert response.status_code == 302


def test_invitations_normalise_the_address(app):
    from training_portal.venues import services as venue_services

    with app.app_context():
        owner = UserFactory()
        invited = UserFactory(email=NFC)
        venue = MembershipFactory(user=owner, role="manager").venue
        invitation = venue_services.invite_co_manager(owner, venue, NFD.upper())[0]
        assert invitation.email == NFC
        assert venue_services.invitation_problem(invitation, invited) is None


def test_names_that_mix_directions_are_isolated_in_pages(app):
    name = "דנה Cohen"
    with app.app_context():
        user = UserFactory(name=name)
        cert = CertificateFactory(completion=CompletionFactory(user_id=user.id))
        code = cert.code
    page = app.test_client().get(f"/verify/{code}").get_data(as_text=True)
    assert f"<bdi>{name}</bdi>" in page
    mine = login_client(app, user).get("/my/training").get_data(as_text=True)
    assert f"<bdi>{name}</bdi>" in mine


# Ethiopic: no certificate font has it; Syriac, Devanagari and the Kurdish letter ە:
# letters that join or reorder, which the certificates cannot shape.
@pytest.mark.parametrize("name", ["አበበ በቀለ", "ܐܒܓ", "राम", "ئەحمەد"])
def test_a_name_the_certificate_cannot_print_is_caught_when_entered(app, name):
    assert unprintable_characters(name, app.extensions["certificate_design"])
    response = _register(app.test_client(), name, "someone@example.org")
    assert response.status_code == 400
    assert "Certificates cannot print these characters" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_the_name_as_printed_goes_on_the_certificate(app):
    response = _register(app.test_client(), "አበበ በቀለ", "abebe@example.org", printed="Abebe Bekele")
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User))
        assert (user.name, user.printed_name) == ("አበበ በቀለ", "Abebe Bekele")
    client = login_client(app, user)
    pass_quiz(app, client, "welcome")
    with app.app_context():
        assert db.session.scalar(select(Certificate.holder_name)) == "Abebe Bekele"


def test_a_name_change_to_an_unprintable_name_asks_for_the_printed_name(app):
    with app.app_context():
        user = UserFactory(name="Sam")
    client = login_client(app, user)
    response = client.post("/account/name", data={"profile-name": "አበበ"})
    assert response.status_code == 400
    assert "Name as printed" in response.get_data(as_text=True)
    ok = client.post("/account/name", data={"profile-name": "አበበ", "profile-printed_name": "Abebe"})
    assert ok.status_code == 302
    with app.app_context():
        assert db.session.get(User, user.id).printed_name == "Abebe"


def test_a_hebrew_name_is_accepted_at_registration(app):
    design = app.extensions["certificate_design"]
    assert unprintable_characters("דנה כהן", design) == ""
    assert unprintable_characters("Dana דנה Cohen", design) == ""
    assert _register(app.test_client(), "דנה כהן", "dana@example.org").status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User))
        assert (user.name, user.printed_name) == ("דנה כהן", None)


@pytest.mark.parametrize("name", ["ليلى حسن", "Layla ليلى Smith", "لا إله", "پژمان گلچین", "ٹیپو سلطان",
                                  "مهدی زاده", "李小龍", "山田 さくら", "김민준"])
def test_arabic_and_cjk_names_are_accepted_without_a_printed_name(app, name):
    assert unprintable_characters(name, app.extensions["certificate_design"]) == ""
    assert _register(app.test_client(), name, "someone@example.org").status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User))
        assert (user.name, user.printed_name) == (name, None)


def test_greek_and_cyrillic_names_print_without_asking(app):
    design = app.extensions["certificate_design"]
    assert unprintable_characters("Αλέξης Παπαδόπουλος", design) == ""
    assert unprintable_characters("Анна Петрова", design) == ""
    assert unprintable_characters(unicodedata.normalize("NFD", "Zoë Ørsted"), design) == ""


def test_the_migration_normalises_stored_addresses_and_reports_duplicates(make_app, tmp_path: Path,
                                                                         capfd):
    from flask_migrate import upgrade

    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'old.sqlite3'}")
    with app.app_context():
        upgrade(revision="e7c3a9b1d582")
        insert = sa.text(
            "INSERT INTO users (id, name, email, is_trainer, is_admin, is_disabled, session_version, "
            "created_at) VALUES (:id, 'x', :email, 0, 0, 0, 1, '2026-01-01 00:00:00.000000')")
        with db.engine.begin() as conn:
            for user_id, email in ((1, NFD), (2, "Clash@Example.org"), (3, "clash@example.org")):
                conn.execute(insert, {"id": user_id, "email": email})
        upgrade()
        with db.engine.connect() as conn:
            emails = dict(conn.execute(sa.text("SELECT id, email FROM users")).all())
        db.engine.dispose()
    assert emails == {1: NFC, 2: "Clash@Example.org", 3: "clash@example.org"}
    assert "users [2, 3] are the same once normalised" in capfd.readouterr().err


def test_a_persian_name_spelt_with_a_zero_width_non_joiner_is_accepted_and_prints_without_it(app):
    name = "علی\u200cرضا Karimi"  # the non-joiner keeps ی from joining ر, as Persian spells it
    assert _register(app.test_client(), name, "alireza@example.org").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(User.name)) == name
    design = app.extensions["certificate_design"]
    drawn = "".join(run.text for run in runs.runs(name, design.bold_fonts))
    assert "\u200c" not in drawn and "Karimi" in drawn


def test_a_name_with_a_direction_override_is_still_refused(app):
    response = _register(app.test_client(), "Sam \u202eevil", "sam@example.org")
    assert response.status_code == 200
    assert "Remove the invisible or control characters" in response.get_data(as_text=True)
