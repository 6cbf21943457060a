"""The quiz page (an open attempt's questions): its markup, escaping, answers kept after an
error, and the parts it keeps (web/quiz_page.py) never showing one person's page to another."""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TEST_CONTENT_DIR, login_client
from tests.factories import AttemptFactory, CompletionFactory, UserFactory
from tests.learning import answers_for, start_quiz, stored_attempt
from tests.statement_count import statements_for

EVIL = "<script>alert(1)</script> & \"double\" 'single'"
EVIL_SHOWN = "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;double&#34; &#39;single&#39;"


class Element:
    def __init__(self, tag: str, attrs: dict[str, str | None], parent: Element | None) -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Element] = []
        self.text = ""

    def find_all(self, tag: str) -> list[Element]:
        found = []
        for child in self.children:
            if child.tag == tag:
                found.append(child)
            found.extend(child.find_all(tag))
        return found

    def all_text(self) -> str:
        return self.text + "".join(child.all_text() for child in self.children)


class Tree(HTMLParser):
    """Just enough of an HTML tree for these tests (void elements closed at once)."""

    VOID = {"input", "meta", "link", "br", "img"}

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.root = self.current = Element("root", {}, None)
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, dict(attrs), self.current)
        self.current.children.append(element)
        if tag not in self.VOID:
            self.current = element

    def handle_endtag(self, tag: str) -> None:
        node: Element | None = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data: str) -> None:
        self.current.text += data


def _fieldsets(html: str) -> list[Element]:
    return Tree(html).root.find_all("fieldset")


def _staff_on_spiking(app: Any) -> tuple[Any, Any, str]:
    """A staff member who passed the welcome module, with an open attempt at 'spiking'."""
    with app.app_context():
        user = UserFactory()
        CompletionFactory(user_id=user.id, module_slug="welcome")
    client = login_client(app, user)
    return user, client, start_quiz(client, "spiking")


def _snapshot(question_id: str, text: str, choices: list[tuple[str, str]], kind: str = "single",
              scenario: str | None = None, order: list[str] | None = None) -> dict[str, Any]:
    return {"question": question_id, "choices": order or [c for c, _ in choices], "kind": kind,
            "text": text, "scenario": scenario, "explanation": "", "page": None,
            "options": [{"id": c, "text": t, "correct": i == 0, "feedback": None}
                        for i, (c, t) in enumerate(choices)]}


def test_each_question_is_a_fieldset_with_its_choices_in_the_drawn_order(app):
    _user, client, public_id = _staff_on_spiking(app)
    html = client.get(f"/quiz/{public_id}").get_data(as_text=True)
    drawn = stored_attempt(app, public_id).drawn
    fieldsets = _fieldsets(html)
    assert len(fieldsets) == len(drawn) == 4
    ids_seen: set[str] = set()
    for n, (fieldset, item) in enumerate(zip(fieldsets, drawn, strict=True), start=1):
        assert fieldset.attrs["id"] == f"question-{n}"
        assert "aria-describedby" not in fieldset.attrs and "class" not in fieldset.attrs
        assert [legend.all_text() for legend in fieldset.find_all("legend")] == [f"Question {n} of 4"]
        paragraphs = [p for p in fieldset.find_all("p")]
        assert item["text"] in [p.all_text() for p in paragraphs]
        hints = [p.all_text() for p in paragraphs if p.attrs.get("class") == "hint"]
        assert hints == (["Choose all that apply."] if item["kind"] == "multiple" else [])
        scenarios = [p.all_text() for p in paragraphs if p.attrs.get("class") == "scenario"]
        assert scenarios == ([item["scenario"]] if item.get("scenario") else [])
        inputs = fieldset.find_all("input")
        assert [i.attrs["value"] for i in inputs] == item["choices"]  # the attempt's shuffled order
        expected_type = "checkbox" if item["kind"] == "multiple" else "radio"
        texts = {o["id"]: o["text"] for o in item["options"]}
        labels = {label.attrs["for"]: label.all_text() for label in fieldset.find_all("label")}
        for m, field in enumerate(inputs, start=1):
            assert field.attrs["type"] == expected_type and field.attrs["name"] == f"q-{item['question']}"
            assert field.attrs["id"] == f"q{n}-{m}" and "checked" not in field.attrs
            assert labels[field.attrs["id"]] == texts[field.attrs["value"]]
            ids_seen.add(field.attrs["id"])
    assert len(ids_seen) == sum(len(item["choices"]) for item in drawn)  # every id unique
    form = Tree(html).root.find_all("form")[-1]
    assert form.attrs.get("method") == "post" and "novalidate" in form.attrs
    assert [b.all_text() for b in form.find_all("button")] == ["Submit my answers"]


def test_unanswered_questions_are_marked_and_given_answers_kept(app):
    _user, client, public_id = _staff_on_spiking(app)
    drawn = stored_attempt(app, public_id).drawn
    answered = {f"q-{item['question']}": item["choices"][:1] for item in drawn[:2]}
    response = client.post(f"/quiz/{public_id}", data=answered)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    alerts = [p for p in Tree(html).root.find_all("p") if p.attrs.get("role") == "alert"]
    assert [a.all_text() for a in alerts] == ["2 questions have no answer yet. Your other answers are kept."]
    for n, (fieldset, item) in enumerate(zip(_fieldsets(html), drawn, strict=True), start=1):
        errors = [p for p in fieldset.find_all("p") if p.attrs.get("class") == "error"]
        ticked = [i.attrs["value"] for i in fieldset.find_all("input") if "checked" in i.attrs]
        if n <= 2:
            assert "class" not in fieldset.attrs and "aria-describedby" not in fieldset.attrs
            assert errors == [] and ticked == item["choices"][:1]
        else:
            assert fieldset.attrs["class"] == "has-error"
            assert fieldset.attrs["aria-describedby"] == f"err-{n}"
            assert [(e.attrs["id"], e.all_text()) for e in errors] == [(f"err-{n}", "Choose an answer.")]
            assert ticked == []
    # The page kept for everyone carries neither the message nor these answers.
    again = client.get(f"/quiz/{public_id}").get_data(as_text=True)
    assert "no answer yet" not in again and "checked" not in again and "has-error" not in again


def test_question_scenario_and_choice_texts_are_shown_as_text(app):
    with app.app_context():
        user = UserFactory()
        attempt = AttemptFactory(user_id=user.id, pass_mark=50, drawn=[
            _snapshot("patterns", f"Q {EVIL}", [("a", f"A {EVIL}"), ("b", "B & co")],
                      kind="scenario", scenario=f"S {EVIL}")])
    client = login_client(app, user)
    for response in (client.get(f"/quiz/{attempt.public_id}"), client.post(f"/quiz/{attempt.public_id}")):
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "<script>" not in html
        for shown in (f"Q {EVIL_SHOWN}", f"A {EVIL_SHOWN}", f"S {EVIL_SHOWN}", "B &amp; co"):
            assert shown in html
        fieldset = _fieldsets(html)[0]
        assert [label.all_text() for label in fieldset.find_all("label")] == [f"A {EVIL}", "B & co"]
        assert f"Q {EVIL}" in [p.all_text() for p in fieldset.find_all("p")]
        assert 'type="hidden" value="' in html and "&lt;input" not in html  # the page itself is not escaped


def test_each_attempt_shows_the_questions_it_was_drawn_with(app):
    """Question parts are kept per question as drawn: the same id with other text (a trainer's
    edit between two draws) or another choice order shows as that attempt drew it."""
    with app.app_context():
        first, second = UserFactory(), UserFactory()
        choices = [("a", "Patterns of behaviour"), ("b", "A single odd moment")]
        one = AttemptFactory(user_id=first.id, pass_mark=50,
                             drawn=[_snapshot("patterns", "What should you look for?", choices)])
        two = AttemptFactory(user_id=second.id, pass_mark=50, drawn=[
            _snapshot("patterns", "What should you look for? (edited)",
                      [("a", "Patterns (edited)"), ("b", "A single odd moment")], order=["b", "a"])])
    page_one = login_client(app, first).get(f"/quiz/{one.public_id}").get_data(as_text=True)
    page_two = login_client(app, second).get(f"/quiz/{two.public_id}").get_data(as_text=True)
    labels_one = [label.all_text() for label in _fieldsets(page_one)[0].find_all("label")]
    labels_two = [label.all_text() for label in _fieldsets(page_two)[0].find_all("label")]
    assert labels_one == ["Patterns of behaviour", "A single odd moment"]
    assert labels_two == ["A single odd moment", "Patterns (edited)"]
    assert "(edited)" not in page_one and "What should you look for? (edited)" in page_two


def test_the_kept_page_follows_the_menu_and_never_holds_a_message(app):
    with app.app_context():
        staff, trainer = UserFactory(), UserFactory(trainer=True)
        attempts = [AttemptFactory(user_id=u.id, pass_mark=50, drawn=[
            _snapshot("patterns", "What should you look for?", [("a", "Patterns"), ("b", "Moments")])])
            for u in (staff, trainer)]
    staff_client, trainer_client = login_client(app, staff), login_client(app, trainer)
    staff_page = staff_client.get(f"/quiz/{attempts[0].public_id}").get_data(as_text=True)
    trainer_page = trainer_client.get(f"/quiz/{attempts[1].public_id}").get_data(as_text=True)
    assert ">Content</a>" not in staff_page and ">Content</a>" in trainer_page
    with staff_client.session_transaction() as session:
        session["_flashes"] = [("error", "A message just for you")]
    assert "A message just for you" in staff_client.get(f"/quiz/{attempts[0].public_id}").get_data(as_text=True)
    for client, attempt in ((staff_client, attempts[0]), (trainer_client, attempts[1])):
        assert "A message just for you" not in client.get(f"/quiz/{attempt.public_id}").get_data(as_text=True)


def _token(html: str) -> str:
    found = re.findall(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert len(found) == 1, "one CSRF field in the quiz form"
    return found[0]


@pytest.fixture
def csrf_app(make_app):
    return make_app(WTF_CSRF_ENABLED=True)


def test_each_person_gets_their_own_valid_csrf_token_in_the_form(csrf_app):
    app = csrf_app
    people = []
    for _ in range(2):
        with app.app_context():
            user = UserFactory()
        client = login_client(app, user)
        number = 1
        while client.get(f"/modules/welcome/{number}").status_code == 200:
            number += 1
        intro = client.get("/modules/welcome/quiz").get_data(as_text=True)
        menu_token = re.search(r'name="csrf_token" value="([^"]+)"', intro).group(1)
        started = client.post("/modules/welcome/quiz/start", data={"csrf_token": menu_token})
        assert started.status_code == 302
        people.append((client, started.headers["Location"].rsplit("/", 1)[-1]))
    tokens = []
    for client, public_id in people:
        html = client.get(f"/quiz/{public_id}").get_data(as_text=True)
        tokens.append(_token(html))
        assert 'name="csrf_token" value="' + tokens[-1] + '"' in html  # the log-out form's too
    assert tokens[0] != tokens[1]
    first, second = people
    wrong = client_post(app, second, tokens[0])  # the other person's token is refused
    assert wrong.status_code == 400
    for (client, public_id), token in zip(people, tokens, strict=True):
        answered = client_post(app, (client, public_id), token)
        assert answered.status_code == 302 and answered.headers["Location"].endswith("/result")


def client_post(app: Any, person: tuple[Any, str], token: str) -> Any:
    client, public_id = person
    return client.post(f"/quiz/{public_id}",
                       data={**answers_for(app, public_id, "welcome"), "csrf_token": token})


def test_the_quiz_page_reads_its_attempt_in_one_statement(app):
    _user, client, public_id = _staff_on_spiking(app)
    seen = statements_for(app, client, f"/quiz/{public_id}")
    [attempt_read] = [s for s in seen if "attempts" in s]
    assert "drawn" not in attempt_read  # the order shown; not the snapshot, kilobytes to decode
    assert len(seen) <= 2, seen  # the attempt, and the session check (SESSION_CHECK_SECONDS=0 here)


def test_a_new_attempt_keeps_the_order_shown_beside_its_snapshot(app):
    _user, _client, public_id = _staff_on_spiking(app)
    attempt = stored_attempt(app, public_id)
    assert attempt.shown == [[item["question"], item["choices"]] for item in attempt.drawn]
    with app.app_context():
        made = AttemptFactory(drawn=[_snapshot("patterns", "Which?", [("a", "One"), ("b", "Two")],
                                               order=["b", "a"])])
    assert made.shown == [["patterns", ["b", "a"]]]


def _labels(client: Any, public_id: str) -> list[list[str]]:
    html = client.get(f"/quiz/{public_id}").get_data(as_text=True)
    return [[label.all_text() for label in fieldset.find_all("label")] for fieldset in _fieldsets(html)]


def test_an_attempt_without_its_order_or_with_a_question_gone_is_shown_from_its_snapshot(app):
    """The bank's questions stand in for the snapshot only while the files are the same and
    every question is there; otherwise the page reads the snapshot (one more statement)."""
    from sqlalchemy import update

    from training_portal.extensions import db
    from training_portal.learning.models import Attempt

    user, client, public_id = _staff_on_spiking(app)
    before = _labels(client, public_id)
    with app.app_context():
        db.session.execute(update(Attempt).where(Attempt.public_id == public_id).values(shown=None))
        db.session.commit()
    assert _labels(client, public_id) == before
    assert len([s for s in statements_for(app, client, f"/quiz/{public_id}") if "attempts" in s]) == 2
    with app.app_context():  # drawn from these very files, but "retired" is not in the bank
        module = app.extensions["catalog"].current.get("spiking")
        db.session.execute(update(Attempt).where(Attempt.public_id == public_id)
                           .values(graded_at=db.func.now()))
        retired = AttemptFactory(user_id=user.id, module_slug="spiking", pass_mark=50,
                                 module_version=module.version, content_hash=module.content_hash,
                                 drawn=[_snapshot("retired", "An old question?", [("a", "Old"), ("b", "Older")])])
    assert _labels(client, retired.public_id) == [["Old", "Older"]]


def test_someone_elses_or_a_closed_attempt_is_not_shown(app):
    _user, client, public_id = _staff_on_spiking(app)
    with app.app_context():
        other = AttemptFactory()
    assert client.get(f"/quiz/{other.public_id}").status_code == 404
    assert client.get("/quiz/not-an-id!").status_code == 404
    client.post(f"/quiz/{public_id}", data=answers_for(app, public_id, "spiking"))
    closed = client.get(f"/quiz/{public_id}")
    assert closed.status_code == 302 and closed.headers["Location"].endswith(f"/quiz/{public_id}/result")


def test_the_kept_page_follows_the_module_as_published_now(make_app, tmp_path: Path):
    content = tmp_path / "content"
    shutil.copytree(TEST_CONTENT_DIR, content)
    app = make_app(CONTENT_DIR=str(content), CONTENT_RELOAD_SECONDS=3600)
    with app.app_context():
        user = UserFactory()
        attempt = AttemptFactory(user_id=user.id, pass_mark=50, drawn=[
            _snapshot("patterns", "What should you look for?", [("a", "Patterns"), ("b", "Moments")])])
    client = login_client(app, user)
    assert "<h1>Quiz: Welcome to the programme</h1>" in client.get(f"/quiz/{attempt.public_id}").get_data(as_text=True)
    module_md = content / "modules" / "welcome" / "module.md"
    module_md.write_text(module_md.read_text().replace("title: Welcome to the programme",
                                                       "title: Welcome & hello"))
    assert app.extensions["catalog"].reload() is True
    page = client.get(f"/quiz/{attempt.public_id}").get_data(as_text=True)
    assert "<h1>Quiz: Welcome &amp; hello</h1>" in page and "Welcome to the programme" not in page


QUIZ_WORDING = {
    "Quiz: %(title)s": "QUIZ: %(title)s",
    "Question %(n)d of %(total)d": "Q %(n)d/%(total)d",
    "Choose all that apply.": "Tick every right one.",
    "Choose an answer.": "Pick one.",
    "Submit my answers": "Send",
    "%(num)d question has no answer yet. Your other answers are kept.": "",
}


def _catalogue(folder: Path) -> Path:
    """A compiled 'en' catalogue translating the quiz page's wording (and a plural)."""
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo

    catalog = Catalog(locale="en")
    for msgid, msgstr in QUIZ_WORDING.items():
        if msgstr:
            catalog.add(msgid, msgstr)
    catalog.add(("%(num)d question has no answer yet. Your other answers are kept.",
                 "%(num)d questions have no answer yet. Your other answers are kept."),
                ("%(num)d GAP", "%(num)d GAPS"))
    (folder / "en" / "LC_MESSAGES").mkdir(parents=True)
    with open(folder / "en" / "LC_MESSAGES" / "messages.mo", "wb") as mo:
        write_mo(mo, catalog)
    return folder


@pytest.fixture
def fresh_translations():
    """Flask-Babel keeps loaded catalogues per language in its one Domain, shared by every app
    in this process: emptied before (to load the test's) and after (so no other test sees it)."""
    from training_portal.extensions import babel

    babel.domain_instance.cache.clear()
    yield
    babel.domain_instance.cache.clear()


def test_the_quiz_page_speaks_the_sites_translations(make_app, tmp_path: Path, fresh_translations):
    app = make_app(BABEL_TRANSLATION_DIRECTORIES=str(_catalogue(tmp_path / "translations")))
    with app.app_context():
        user = UserFactory()
        attempt = AttemptFactory(user_id=user.id, pass_mark=50, drawn=[
            _snapshot("patterns", "Which?", [("a", "One"), ("b", "Two")], kind="multiple"),
            _snapshot("first-to-notice", "True?", [("true", "True"), ("false", "False")], kind="true_false")])
    client = login_client(app, user)
    page = client.get(f"/quiz/{attempt.public_id}").get_data(as_text=True)
    legends = [fieldset.find_all("legend")[0].all_text() for fieldset in _fieldsets(page)]
    assert legends == ["Q 1/2", "Q 2/2"]
    assert '<p class="hint">Tick every right one.</p>' in page and "Choose all that apply." not in page
    assert "QUIZ: Welcome to the programme" in page and ">Send</button>" in page
    answered = client.post(f"/quiz/{attempt.public_id}", data={"q-patterns": ["a"]}).get_data(as_text=True)
    assert "1 GAP" in answered and '<p class="error" id="err-2">Pick one.</p>' in answered


def test_the_quiz_pages_wording_reaches_the_translators():
    """pybabel (babel.cfg) finds each string quiz_page.py translates: none hides in an f-string."""
    from babel.messages.extract import extract_from_file

    import training_portal.web.quiz_page as quiz_page

    found = {message for _line, message, _comments, _context in extract_from_file("python", quiz_page.__file__)}
    assert {"Question %(n)d of %(total)d", "Choose all that apply.", "Choose an answer."} <= found
