"""Partnership admins find certificates and people; bad input is literal text, never a 500."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from sqlalchemy import event, select

from tests.conftest import login_client
from tests.factories import CertificateFactory, CompletionFactory, MembershipFactory, UserFactory
from training_portal.audit import AuditEvent
from training_portal.certificates.codes import format_code
from training_portal.certificates.models import Certificate
from training_portal.extensions import db
from training_portal.reports.search import code_fragment, contains_pattern, parse_request, starts_pattern

ADMIN_PAGES = ("/admin/certificates", "/admin/people", "/admin/certificates/{cert}",
               "/admin/people/{person}")


def _certificate(name: str, code: str | None = None, **completion) -> Certificate:
    holder = UserFactory(name=name)
    kwargs = {"completion": CompletionFactory(user_id=holder.id, **completion)}
    if code:
        kwargs["code"] = code
    return CertificateFactory(**kwargs)


@pytest.fixture
def admin_client(app):
    with app.app_context():
        admin = UserFactory(admin=True, name="Zoe Admin")
    return login_client(app, admin)


@contextmanager
def counted_statements(app):
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        seen.append(statement)

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        with app.app_context():
            event.remove(db.engine, "before_cursor_execute", count)


@pytest.mark.parametrize("role,expected", [
    ("staff", 403), ("trainer", 403), ("manager", 403), ("admin", 200)])
def test_only_partnership_admins_open_the_search_pages(app, role, expected):
    with app.app_context():
        cert = _certificate("Holder Person")
        if role == "manager":
            user = MembershipFactory(manager=True).user
        else:
            user = UserFactory(**({role: True} if role != "staff" else {}))
        paths = [p.format(cert=cert.id, person=cert.completion.user_id) for p in ADMIN_PAGES]
    client = login_client(app, user)
    for path in paths:
        assert client.get(path).status_code == expected, path


def test_signed_out_visitors_are_sent_to_log_in(client):
    assert client.get("/admin/certificates").status_code == 302


def test_certificates_found_by_code_fragment_or_holder_name(app, admin_client):
    with app.app_context():
        _certificate("Amira Khan", code="ABCDEFGHJKMNPQRS", module_title="Spotting spiking")
        _certificate("Bob Jones", code="ZZZZYYYYXXXXWWWW")
    by_code = admin_client.get("/admin/certificates?q=fgh-jkm").get_data(as_text=True)
    assert "ABCD-EFGH-JKMN-PQRS" in by_code and "Amira Khan" in by_code
    assert "Bob Jones" not in by_code and "Spotting spiking" in by_code and "valid" in by_code
    by_name = admin_client.get("/admin/certificates?q=amira").get_data(as_text=True)
    assert "Amira Khan" in by_name and "Bob Jones" not in by_name
    everyone = admin_client.get("/admin/certificates").get_data(as_text=True)
    assert everyone.index("Bob Jones") < everyone.index("Amira Khan")  # newest first


def test_status_column_says_expired_and_revoked(app, admin_client):
    with app.app_context():
        _certificate("Old Pass", expires_on=date.today() - timedelta(days=1))
        gone = _certificate("Gone Pass")
        gone.revoked_at = gone.issued_at
        db.session.commit()
    page = admin_client.get("/admin/certificates").get_data(as_text=True)
    assert "expired" in page and "revoked" in page


def test_short_searches_find_the_current_or_the_printed_name_once(app, admin_client):
    """Under three characters the search is one scan (not the longer queries' UNION): it must
    still match either name, and list a certificate matching both only once."""
    with app.app_context():
        both = CertificateFactory(completion=CompletionFactory(user_id=UserFactory(name="Kim Oy").id),
                                  holder_name="Kim Oy").code
        printed = CertificateFactory(completion=CompletionFactory(user_id=UserFactory(name="Lee Now").id),
                                     holder_name="Lee Wq").code
        current = CertificateFactory(completion=CompletionFactory(user_id=UserFactory(name="Max Zj").id),
                                     holder_name="Max Old").code

    def found(query: str) -> list[int]:
        text = admin_client.get("/admin/certificates", query_string={"q": query}).get_data(as_text=True)
        return [text.count(format_code(code)) for code in (both, printed, current)]

    assert found("oy")[1:] == [0, 0] and found("oy")[0] == found("kim oy")[0] > 0
    assert found("wq")[0] == 0 and found("wq")[1] > 0 and found("wq")[2] == 0
    assert found("zj")[:2] == [0, 0] and found("zj")[2] > 0
    assert found("xx") == [0, 0, 0]


@pytest.mark.parametrize("query,expected", [
    ("% s", "100% sure"), ("r_s", "under_score"), ("k\\s", "back\\slash"), ("O'Br", "Sean O'Brien"),
    ('"qu', 'the "quoted"'), ("%_\\", None)])
def test_wildcards_quotes_and_backslashes_are_literal(app, admin_client, query, expected):
    names = ["100% sure", "under_score", "back\\slash", "Sean O'Brien", 'the "quoted"', "plain"]
    with app.app_context():
        for name in names:
            UserFactory(name=name)
    page = admin_client.get("/admin/people", query_string={"q": query})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    found = [n for n in names if n.replace('"', "&#34;").replace("'", "&#39;") in text]
    assert found == ([expected] if expected else [])


def test_short_queries_match_the_start_of_a_name_or_of_its_words_not_inside(app, admin_client):
    with app.app_context():
        _certificate("Mary-Jane Okoro", code="QRSTUVWXYZ234567")
        _certificate("Bob Smith", code="ABCDEFGHJKMNPQRS")
        UserFactory(name="Nobody Here", email="zx.person@example.org")

    def people(query: str) -> str:
        return admin_client.get("/admin/people", query_string={"q": query}).get_data(as_text=True)

    def certificates(query: str) -> str:
        return admin_client.get("/admin/certificates", query_string={"q": query}).get_data(as_text=True)

    assert "Bob Smith" in people("bo") and "Bob Smith" in people("sm")  # the name, a later word
    assert "Mary-Jane Okoro" in people("ja") and "Mary-Jane Okoro" in people("o")  # after a dash
    assert "Bob Smith" not in people("ob") and "Bob Smith" not in people("it")  # not inside a word
    assert "Nobody Here" in people("zx") and "Nobody Here" not in people("pe")  # the email's start
    assert "Bob Smith" in certificates("sm") and "Bob Smith" not in certificates("mi")
    assert "Bob Smith" in certificates("ab") and "Bob Smith" not in certificates("bc")  # code start
    assert "Mary-Jane Okoro" in certificates("q") and "Bob Smith" not in certificates("q")
    assert "Bob Smith" in certificates("mit") and "Bob Smith" in people("mit")  # 3+: inside


def test_short_queries_say_that_they_match_starts(app, admin_client):
    note = "Type 3 or more characters to search inside"
    for path in ("/admin/certificates", "/admin/people"):
        assert note in admin_client.get(path, query_string={"q": "ab"}).get_data(as_text=True)
        assert note not in admin_client.get(path, query_string={"q": "abc"}).get_data(as_text=True)
        assert note not in admin_client.get(path).get_data(as_text=True)


@pytest.mark.parametrize("query,expected", [
    ("a%", "a%b"), ("a_", "a_b"), ("%", None), ("_", None), ("\\", None), ("'", None),
    ("o'", "o'brien"), ('"q', 'the "quoted"')])
def test_short_queries_take_wildcards_and_quotes_literally(app, admin_client, query, expected):
    """A wildcard is text; a start with no letter or digit matches nothing (no index finds it)."""
    names = ["a%b", "a_b", "abc", "o'brien", 'the "quoted"', "50% off", "_under", "back\\slash"]
    with app.app_context():
        for name in names:
            _certificate(name)
    for path in ("/admin/people", "/admin/certificates"):
        page = admin_client.get(path, query_string={"q": query})
        text = page.get_data(as_text=True)
        found = [n for n in names if n.replace('"', "&#34;").replace("'", "&#39;") in text]
        assert page.status_code == 200 and found == ([expected] if expected else []), path


def test_like_pattern_escapes_with_an_explicit_escape_character():
    assert contains_pattern("50%_a\\b") == "%50\\%\\_a\\\\b%"
    assert starts_pattern("a%") == "a\\%%" and starts_pattern("_\\", after=" ") == "% \\_\\\\%"
    assert code_fragment(" abcd-efgh ") == "ABCDEFGH"
    assert code_fragment("O'Brien") is None and code_fragment("---") is None


def test_long_queries_are_cut_to_100_characters_with_a_message(app, admin_client):
    response = admin_client.get("/admin/certificates", query_string={"q": "x" * 5000})
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "at most 100 characters" in text
    assert parse_request("y" * 101, None).query == "y" * 100


def test_control_characters_are_dropped_not_sent_to_the_database(app, admin_client):
    with app.app_context():
        UserFactory(name="Nula Person")
    response = admin_client.get("/admin/people", query_string={"q": "Nu\x00la"})
    assert response.status_code == 200 and "Nula Person" in response.get_data(as_text=True)


@pytest.mark.parametrize("page,status,message", [
    ("abc", 400, "whole number"), ("0", 400, "whole number"), ("-1", 400, "whole number"),
    ("99999999999999999999", 400, "whole number"), ("7", 404, "There is no page 7")])
def test_bad_page_numbers_get_a_clear_message(app, admin_client, page, status, message):
    with app.app_context():
        _certificate("Only One")
    for path in ("/admin/certificates", "/admin/people"):
        response = admin_client.get(path, query_string={"page": page})
        assert response.status_code == status and message in response.get_data(as_text=True)


def test_results_come_25_to_a_page(app, admin_client):
    with app.app_context():
        for n in range(30):
            _certificate(f"Paged Person {n:02d}")
    for query in ("paged", "pa"):  # inside names; a short query's start of a name
        first = admin_client.get(f"/admin/certificates?q={query}").get_data(as_text=True)
        second = admin_client.get(f"/admin/certificates?q={query}&page=2").get_data(as_text=True)
        assert first.count("Paged Person") == 25 and second.count("Paged Person") == 5
        assert "Page 2 of 2" in second and "Previous page" in second
        assert "30 results" in first


def test_people_list_shows_email_current_venues_and_certificate_count(app, admin_client):
    with app.app_context():
        membership = MembershipFactory(user__name="Dana Doorstaff", venue__name="The Anchor")
        MembershipFactory(user=membership.user, venue__name="The Old Bell", left=True)
        CertificateFactory(completion=CompletionFactory(user_id=membership.user_id))
        CertificateFactory(completion=CompletionFactory(user_id=membership.user_id))
        email = membership.user.email
    page = admin_client.get("/admin/people?q=" + email.upper()).get_data(as_text=True)
    row = page[page.index("Dana Doorstaff"):page.index("</tr>", page.index("Dana Doorstaff"))]
    assert email in row and "The Anchor" in row and "The Old Bell" not in row
    assert "<td>2</td>" in row


def test_person_page_lists_memberships_and_links_certificates(app, admin_client):
    with app.app_context():
        membership = MembershipFactory(user__name="Evan Glass", venue__name="The Anchor")
        MembershipFactory(user=membership.user, venue__name="The Old Bell", left=True)
        cert = CertificateFactory(completion=CompletionFactory(user_id=membership.user_id))
    page = admin_client.get(f"/admin/people/{membership.user_id}").get_data(as_text=True)
    assert "The Anchor" in page and "The Old Bell" in page
    assert f'href="/admin/certificates/{cert.id}"' in page and format_code(cert.code) in page
    assert admin_client.get("/admin/people/999999").status_code == 404


def test_admin_revokes_from_the_certificate_page_and_sees_why(app, admin_client):
    with app.app_context():
        cert = _certificate("Rhys Revoked")
    path = f"/admin/certificates/{cert.id}"
    page = admin_client.get(path).get_data(as_text=True)
    assert "Public status: Valid" in page and "Rhys Revoked" in page and "Reason for revoking" in page
    response = admin_client.post(f"/certificates/{cert.id}/revoke",
                                 data={"reason": "Passed on someone else's account.", "next": path})
    assert response.status_code == 302 and response.headers["Location"].endswith(path)
    page = admin_client.get(path).get_data(as_text=True)
    assert "Public status: Revoked" in page and "Passed on someone else&#39;s account." in page
    assert "Revoked on" in page and "Reason for revoking" not in page
    with app.app_context():
        assert db.session.scalar(select(AuditEvent).where(
            AuditEvent.action == "certificate.revoked", AuditEvent.target_id == cert.id))
    assert admin_client.get("/admin/certificates/999999").status_code == 404


def test_revoke_never_redirects_off_site(app, admin_client):
    with app.app_context():
        cert = _certificate("Offsite Try")
    response = admin_client.post(f"/certificates/{cert.id}/revoke",
                                 data={"reason": "Test.", "next": "//evil.example/"})
    assert "evil.example" not in response.headers["Location"]


@pytest.mark.parametrize("path", ["/admin/certificates?q=count", "/admin/certificates",
                                  "/admin/people?q=count", "/admin/people",
                                  "/admin/certificates?q=co", "/admin/people?q=co"])
def test_list_pages_run_the_same_statements_for_3_and_30_rows(app, admin_client, path):
    def grow_to(total: int) -> int:
        with app.app_context():
            while db.session.scalar(select(db.func.count(Certificate.id))) < total:
                membership = MembershipFactory(user__name="Count Person")
                CertificateFactory(completion=CompletionFactory(user_id=membership.user_id))
        admin_client.get(path)  # warm up (session check, content)
        with counted_statements(app) as seen:
            assert admin_client.get(path).status_code == 200
        return len(seen)

    assert grow_to(3) == grow_to(30)


def test_certificate_totals_are_counted_up_to_a_cap(app, admin_client, monkeypatch):
    from training_portal.reports import search

    monkeypatch.setattr(search, "COUNT_CAP", 5)
    with app.app_context():
        for n in range(8):
            _certificate(f"Capped Person {n}")
    for query in ("", "capped", "ca"):
        text = admin_client.get("/admin/certificates", query_string={"q": query}).get_data(True)
        assert "More than 5 results" in text, query
