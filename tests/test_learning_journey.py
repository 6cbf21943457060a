"""My training, lessons and the confidence question."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from tests.conftest import login_client
from tests.factories import CompletionFactory, PageViewFactory, UserFactory
from tests.learning import pass_quiz
from training_portal.extensions import db
from training_portal.learning.models import ConfidenceRating, PageView


def _staff(app):
    with app.app_context():
        return UserFactory()


def test_my_training_lists_published_modules_in_order_without_drafts(app):
    page = login_client(app, _staff(app)).get("/").get_data(as_text=True)
    assert page.index("Welcome to the programme") < page.index("Spotting spiking")
    assert "Notes for door staff" not in page
    assert "Not started" in page and "About 5 minutes" in page


def test_status_shows_in_progress_passed_due_and_expired(app):
    user = _staff(app)
    today = date.today()
    with app.app_context():
        PageViewFactory(user_id=user.id, module_slug="welcome", page_number=1)
        CompletionFactory(user_id=user.id, module_slug="spiking", module_version="2.0",
                          expires_on=today + timedelta(days=10))
    page = login_client(app, user).get("/").get_data(as_text=True)
    assert "In progress" in page and "Refresher due soon" in page
    with app.app_context():
        CompletionFactory(user_id=user.id, module_slug="welcome", module_version="1.2",
                          expires_on=today - timedelta(days=1))
    assert "Expired" in login_client(app, user).get("/").get_data(as_text=True)


def test_older_major_version_needs_the_refresher(app):
    user = _staff(app)
    with app.app_context():
        CompletionFactory(user_id=user.id, module_slug="spiking", module_version="1.4",
                          expires_on=date.today() + timedelta(days=200))
    assert "Updated – take the refresher" in login_client(app, user).get("/").get_data(True)


def test_continue_resumes_at_first_unread_page(app):
    user = _staff(app)
    with app.app_context():
        PageViewFactory(user_id=user.id, module_slug="welcome", page_number=1)
    client = login_client(app, user)
    assert "/modules/welcome/2" in client.get("/").get_data(as_text=True)
    assert client.get("/modules/welcome").headers["Location"] == "/modules/welcome/2"


def test_lesson_pages_have_progress_and_navigation_and_are_remembered(app):
    user = _staff(app)
    client = login_client(app, user)
    page = client.get("/modules/welcome/1").get_data(as_text=True)
    assert "Page 1 of 2" in page and 'href="/modules/welcome/2"' in page
    last = client.get("/modules/welcome/2").get_data(as_text=True)
    assert 'href="/modules/welcome/quiz"' in last and 'href="/modules/welcome/1"' in last
    client.get("/modules/welcome/2")  # reading again writes nothing new
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PageView)) == 2
    assert client.get("/modules/welcome/3").status_code == 404


def test_drafts_and_unknown_modules_are_hidden_from_staff(app):
    client = login_client(app, _staff(app))
    for path in ("/modules/door-notes", "/modules/door-notes/1", "/modules/door-notes/quiz",
                 "/modules/nope/1", "/trainer/modules/door-notes/1"):
        assert client.get(path).status_code in (403, 404), path


def test_confidence_asked_before_first_page_and_skip_is_one_tap(app):
    user = _staff(app)
    client = login_client(app, user)
    assert "How confident are you" in client.get("/modules/welcome").get_data(as_text=True)
    response = client.post("/modules/welcome/confidence", data={"stage": "before", "skip": "1"})
    assert response.headers["Location"] == "/modules/welcome/1"
    assert client.get("/modules/welcome").headers["Location"] == "/modules/welcome/1"
    with app.app_context():
        rating = db.session.scalar(select(ConfidenceRating))
        assert (rating.stage, rating.rating) == ("before", None)


def test_confidence_after_passing_is_stored_once(app):
    user = _staff(app)
    client = login_client(app, user)
    client.post("/modules/welcome/confidence", data={"stage": "before", "rating": "2"})
    public_id = pass_quiz(app, client, "welcome")
    result = client.get(f"/quiz/{public_id}/result").get_data(as_text=True)
    assert "how confident are you now" in result
    with app.app_context():
        from training_portal.learning.models import Attempt
        attempt_id = db.session.scalar(select(Attempt.id))
    for rating in ("4", "5"):
        client.post("/modules/welcome/confidence",
                    data={"stage": "after", "rating": rating, "attempt_id": attempt_id})
    with app.app_context():
        rows = db.session.execute(select(ConfidenceRating.stage, ConfidenceRating.rating)
                                  .order_by(ConfidenceRating.id)).all()
    assert [tuple(r) for r in rows] == [("before", 2), ("after", 4)]


def test_confidence_after_needs_own_passed_attempt(app):
    client = login_client(app, _staff(app))
    response = client.post("/modules/welcome/confidence",
                           data={"stage": "after", "rating": "5", "attempt_id": "999"})
    assert response.status_code == 404


def test_cached_lesson_page_carries_each_sessions_own_logout_token(make_app):
    import re

    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        first, second = UserFactory(), UserFactory()
    pages = []
    for user in (first, second):
        client = login_client(app, user)
        page = client.get("/modules/welcome/1").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        pages.append((client, page, token))
    assert len(app.extensions["lesson_pages"]) == 1  # rendered once, served twice
    assert pages[0][2] != pages[1][2]
    assert pages[0][1].replace(pages[0][2], "") == pages[1][1].replace(pages[1][2], "")
    client, _page, token = pages[0]
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/account").status_code == 302  # logged out with the cached page's token


def test_continue_goes_to_the_quiz_once_every_page_is_read(app):
    user = _staff(app)
    with app.app_context():
        PageViewFactory(user_id=user.id, module_slug="welcome", page_number=1)
        PageViewFactory(user_id=user.id, module_slug="welcome", page_number=2)
    assert 'href="/modules/welcome/quiz"' in login_client(app, user).get("/").get_data(True)


def test_my_training_says_which_module_to_pass_first(app):
    user = _staff(app)
    client = login_client(app, user)
    assert "Pass this first: Welcome to the programme" in client.get("/").get_data(True)
    with app.app_context():
        CompletionFactory(user_id=user.id, module_slug="welcome", module_version="1.2")
    assert "Pass this first" not in client.get("/").get_data(as_text=True)


def test_pages_describe_themselves_to_search_engines_and_link_previews(app):
    client = login_client(app, _staff(app))
    lesson = client.get("/modules/welcome/1").get_data(as_text=True)
    assert '<meta name="description" content="Why venues take part, and what you will learn.">' in lesson
    home = app.test_client().get("/login").get_data(as_text=True)
    assert '<meta name="description" content="Short training for bar, club and door staff' in home
