"""Trainers see which questions people miss, from summaries kept on grading (or rebuilt)."""

from __future__ import annotations

import csv
import io
import shutil
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import event, select

from tests.conftest import TEST_CONTENT_DIR, login_client
from tests.factories import AttemptFactory, MembershipFactory, UserFactory
from tests.learning import module
from training_portal.extensions import db
from training_portal.learning import question_stats
from training_portal.learning.attempts import submit_attempt
from training_portal.learning.models import Attempt, QuestionChoiceStat, QuestionStat
from training_portal.reports import question_tables, questions

OLD_HASH = "f" * 64
BOTH = [{"question": "first-to-notice", "choices": ["true", "false"]},
        {"question": "patterns", "choices": ["a", "b"]}]


def _grade(app, answers: dict[str, list[str]], drawn=BOTH) -> Attempt:
    """Start and grade one attempt on the current welcome content, through the real grading."""
    welcome = module(app, "welcome")
    attempt = AttemptFactory(module_slug="welcome", module_version=welcome.version,
                             content_hash=welcome.content_hash, drawn=drawn)
    submit_attempt(attempt, welcome, answers, date.today())
    db.session.commit()
    return attempt


def _old(answers: dict[str, list[str]], results: dict[str, bool]) -> None:
    """An attempt graded on an earlier version of the content, counted as grading would."""
    drawn = [{"question": q, "choices": ["a", "b"]} for q in results]
    attempt = AttemptFactory(module_slug="welcome", module_version="1.0", content_hash=OLD_HASH,
                             drawn=drawn, answers=answers, results=results, score=0,
                             passed=False, graded_at=db.func.now())
    question_stats.record_graded(attempt)
    db.session.commit()


def _six_attempts(app) -> None:
    """q "patterns": 4 right, 2 chose "b"; q "first-to-notice": all 6 right."""
    for right in (True, True, True, True, False, False):
        _grade(app, {"first-to-notice": ["true"], "patterns": ["a"] if right else ["b"]})


def _stats() -> tuple[list[tuple], list[tuple]]:
    questions_rows = db.session.execute(select(
        QuestionStat.module_slug, QuestionStat.content_hash, QuestionStat.question_id,
        QuestionStat.module_version, QuestionStat.drawn, QuestionStat.correct)
        .order_by(QuestionStat.question_id, QuestionStat.content_hash)).all()
    choice_rows = db.session.execute(select(
        QuestionChoiceStat.content_hash, QuestionChoiceStat.question_id,
        QuestionChoiceStat.choice_id, QuestionChoiceStat.picked_in_wrong)
        .order_by(QuestionChoiceStat.question_id, QuestionChoiceStat.choice_id,
                  QuestionChoiceStat.content_hash)).all()
    return [tuple(r) for r in questions_rows], [tuple(r) for r in choice_rows]


@pytest.fixture
def trainer_client(app):
    with app.app_context():
        trainer = UserFactory(trainer=True)
    return login_client(app, trainer)


def test_figures_match_a_hand_count(app):
    with app.app_context():
        _six_attempts(app)
        found = questions.as_mapping(questions.module_insights(module(app, "welcome")))
        patterns = found["patterns"]
        assert (patterns.now.answers, patterns.now.correct) == (6, 4)
        assert patterns.now.share_correct == pytest.approx(4 / 6)
        assert patterns.now.picked_in_wrong == {"b": 2}
        assert patterns.top_wrong.text == "A single odd moment" and patterns.top_wrong.picks == 2
        assert (found["first-to-notice"].now.answers, found["first-to-notice"].now.correct) == (6, 6)
        assert found["first-to-notice"].top_wrong is None


def test_module_page_shows_the_figures_with_the_small_number_rule(app, trainer_client):
    with app.app_context():
        _six_attempts(app)
    page = trainer_client.get("/trainer/modules/welcome/insights").get_data(as_text=True)
    patterns = page[page.index('id="q-patterns"'):]
    assert "66% right" in patterns and "6 answers" in patterns
    assert "“A single odd moment”, picked fewer than 5 times" in patterns
    assert "100% right" in page


def test_fewer_than_five_answers_are_not_shown(app, trainer_client):
    with app.app_context():
        for right in (True, False, False, True):
            _grade(app, {"first-to-notice": ["true"], "patterns": ["a"] if right else ["b"]})
        lists = questions.programme_insights(app.extensions["catalog"].current.ordered)
        assert lists.most_missed == [] and lists.too_easy == []
        assert {i.question_id for i in lists.too_few} >= {"patterns", "first-to-notice"}
    page = trainer_client.get("/trainer/modules/welcome/insights").get_data(as_text=True)
    assert "fewer than 5 answers" in page and "% right" not in page and "4 answers" not in page
    assert "none to show" in page


def test_overview_sorts_missed_too_easy_and_confusing(app, trainer_client):
    with app.app_context():
        for n in range(6):  # patterns: 1 right of 6 (confusing); first-to-notice: 6 of 6
            _grade(app, {"first-to-notice": ["true"], "patterns": ["a"] if n == 0 else ["b"]})
        lists = questions.programme_insights(app.extensions["catalog"].current.ordered)
        assert [i.question_id for i in lists.most_missed] == ["patterns"]
        assert [i.question_id for i in lists.confusing] == ["patterns"]
        assert [i.question_id for i in lists.too_easy] == ["first-to-notice"]
    page = trainer_client.get("/trainer/insights").get_data(as_text=True)
    assert "16% right" in page and "What should you look for?" in page


def test_figures_before_the_last_change_are_kept_apart_and_removed_questions_listed(
        app, trainer_client):
    with app.app_context():
        for _ in range(5):
            _old({"patterns": ["b"], "old-question": ["a"]}, {"patterns": False, "old-question": False})
        _six_attempts(app)
        found = questions.as_mapping(questions.module_insights(module(app, "welcome")))
        assert (found["patterns"].before.answers, found["patterns"].before.correct) == (5, 0)
        assert (found["patterns"].now.answers, found["patterns"].now.correct) == (6, 4)
        assert found["patterns"].change == pytest.approx(4 / 6)
        assert found["old-question"].removed and found["old-question"].before.answers == 5
    page = trainer_client.get("/trainer/modules/welcome/insights").get_data(as_text=True)
    assert "Before the last change" in page and "67 points more right" in page
    removed = page[page.index('id="q-old-question"'):]
    assert "removed" in removed and "0% right · 5 answers" in removed
    assert "choice a (no longer in the question)" in removed


def test_a_repeat_submit_counts_once(app):
    with app.app_context():
        attempt = _grade(app, {"first-to-notice": ["true"], "patterns": ["b"]})
        submit_attempt(attempt, module(app, "welcome"), {"first-to-notice": ["true"],
                                                         "patterns": ["b"]}, date.today())
        db.session.commit()
        assert {r[2]: r[4] for r in _stats()[0]} == {"first-to-notice": 1, "patterns": 1}


def test_counts_add_up_in_the_database_rather_than_overwrite(app):
    with app.app_context():
        _grade(app, {"first-to-notice": ["false"], "patterns": ["b"]})
        welcome = module(app, "welcome")
        # A second grading's counts land on the existing rows as "+ n", never as a fresh value.
        tally = question_stats.Tally()
        for _ in range(3):
            tally.add("welcome", welcome.version, welcome.content_hash,
                      {"patterns": ["b"]}, {"patterns": False})
        question_stats._upsert(tally)
        db.session.commit()
        rows, choices = _stats()
        assert [(r[2], r[4], r[5]) for r in rows] == [("first-to-notice", 1, 0), ("patterns", 4, 0)]
        assert ("patterns", "b", 4) in [(c[1], c[2], c[3]) for c in choices]


def test_rebuild_command_gives_the_same_figures_as_grading(app):
    with app.app_context():
        _six_attempts(app)
        _grade(app, {"patterns": ["b"]}, drawn=[BOTH[1]])
        _old({"patterns": ["b"], "old-question": ["a"]}, {"patterns": False, "old-question": False})
        on_write = _stats()
        db.session.execute(QuestionStat.__table__.delete())
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["reports", "rebuild-question-stats"])
    assert result.exit_code == 0 and "from 8 graded attempts" in result.output
    with app.app_context():
        assert _stats() == on_write


@pytest.mark.parametrize("role,expected", [
    ("staff", 403), ("manager", 403), ("trainer", 200), ("admin", 200)])
def test_only_trainers_and_admins_see_insights(app, role, expected):
    with app.app_context():
        if role == "manager":
            user = MembershipFactory(manager=True).user
        else:
            user = UserFactory(**({role: True} if role != "staff" else {}))
    client = login_client(app, user)
    for path in ("/trainer/insights", "/trainer/modules/welcome/insights",
                 "/trainer/insights.csv", "/trainer/modules/welcome/insights.csv"):
        assert client.get(path).status_code == expected, path


def test_unknown_module_is_404(trainer_client):
    assert trainer_client.get("/trainer/modules/no-such-module/insights").status_code == 404
    assert trainer_client.get("/trainer/modules/no-such-module/insights.csv").status_code == 404


def test_insights_are_linked_from_the_bank_and_the_status_page(trainer_client):
    assert "/trainer/modules/welcome/insights" in trainer_client.get(
        "/trainer/modules/welcome/quiz").get_data(as_text=True)
    assert "/trainer/insights" in trainer_client.get("/trainer/").get_data(as_text=True)


@pytest.mark.parametrize("path", ["/trainer/insights", "/trainer/modules/welcome/insights",
                                  "/trainer/insights.csv", "/trainer/modules/welcome/insights.csv"])
def test_statements_do_not_grow_with_attempts(app, trainer_client, path):
    def statements_after(total: int) -> int:
        with app.app_context():
            while db.session.scalar(select(db.func.count(Attempt.id))) < total:
                _grade(app, {"first-to-notice": ["true"], "patterns": ["b"]})
        trainer_client.get(path)
        seen: list[str] = []

        def count(*_args):
            seen.append("x")

        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert trainer_client.get(path).status_code == 200
        finally:
            with app.app_context():
                event.remove(db.engine, "before_cursor_execute", count)
        return len(seen)

    assert statements_after(3) == statements_after(30)


def test_gradings_at_the_same_time_lose_no_counts(app):
    """Eight sessions add to the same rows at once; every count lands (row locks, not overwrites)."""
    import threading

    with app.app_context():
        welcome = module(app, "welcome")
        attempts = [AttemptFactory(module_slug="welcome", module_version=welcome.version,
                                   content_hash=welcome.content_hash,
                                   answers={"patterns": ["b"]}, results={"patterns": False})
                    for _ in range(8)]
    start, errors = threading.Barrier(len(attempts)), []

    def grade(attempt: Attempt) -> None:
        with app.app_context():
            try:
                start.wait()
                question_stats.record_graded(attempt)
                db.session.commit()
            except Exception as exc:  # noqa: BLE001 (reported below)
                errors.append(exc)
                db.session.rollback()

    threads = [threading.Thread(target=grade, args=(a,)) for a in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with app.app_context():
        rows, choices = _stats()
        assert [(r[2], r[4], r[5]) for r in rows] == [("patterns", 8, 0)]
        assert [(c[1], c[2], c[3]) for c in choices] == [("patterns", "b", 8)]


# CSV downloads: the pages' figures, the same withheld ones, cells neutralised (csv_export).

def _csv(client, path: str) -> list[list[str]]:
    response = client.get(path)
    assert response.status_code == 200
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    assert response.data.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM, for Excel
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def test_module_csv_matches_a_hand_count(app, trainer_client):
    with app.app_context():
        for _ in range(5):
            _old({"patterns": ["b"], "old-question": ["a"]}, {"patterns": False, "old-question": False})
        _six_attempts(app)
        version = module(app, "welcome").version
    response = trainer_client.get("/trainer/modules/welcome/insights.csv")
    assert f'filename="question-insights-welcome-{version}.csv"' in response.headers["Content-Disposition"]
    rows = _csv(trainer_client, "/trainer/modules/welcome/insights.csv")
    assert rows == [
        list(question_tables.MODULE_HEADER),
        ["first-to-notice", "Bar staff are often the first to notice that something is wrong.", "yes",
         "6", "100%", "0", "fewer than 5", "", "none to show", ""],
        ["patterns", "What should you look for?", "yes",
         "6", "66%", "5", "0%", "67", "A single odd moment", "fewer than 5"],
        ["old-question", "", "removed",
         "0", "fewer than 5", "5", "0%", "", "choice a (no longer in the question)", "5"],
    ]


def test_module_csv_keeps_small_figures_withheld(app, trainer_client):
    with app.app_context():
        for right in (True, False, False, True):
            _grade(app, {"first-to-notice": ["true"], "patterns": ["a"] if right else ["b"]})
    rows = _csv(trainer_client, "/trainer/modules/welcome/insights.csv")
    by_id = {row[0]: row for row in rows[1:]}
    assert by_id["patterns"][3:] == ["fewer than 5", "fewer than 5", "0", "fewer than 5", "",
                                     "none to show", ""]
    assert by_id["first-to-notice"][3:5] == ["fewer than 5", "fewer than 5"]
    assert not any(cell in ("4", "2", "50%", "100%") for row in rows for cell in row)


def test_lists_csv_matches_the_overview(app, trainer_client):
    with app.app_context():
        for n in range(6):  # patterns: 1 right of 6 (confusing); first-to-notice: 6 of 6
            _grade(app, {"first-to-notice": ["true"], "patterns": ["a"] if n == 0 else ["b"]})
        title = module(app, "welcome").title
    patterns = [title, "patterns", "What should you look for?", "6", "16%", "A single odd moment", "5"]
    assert _csv(trainer_client, "/trainer/insights.csv") == [
        list(question_tables.LISTS_HEADER),
        ["Most missed", "1", *patterns],
        ["Confusing or wrong", "1", *patterns],
        ["Too easy", "1", title, "first-to-notice",
         "Bar staff are often the first to notice that something is wrong.", "6", "100%", "none to show", ""],
    ]


def test_lists_csv_leaves_out_questions_with_too_few_answers(app, trainer_client):
    with app.app_context():
        for _ in range(4):
            _grade(app, {"first-to-notice": ["true"], "patterns": ["b"]})
    assert _csv(trainer_client, "/trainer/insights.csv") == [list(question_tables.LISTS_HEADER)]


@pytest.fixture
def formula_content(make_app, tmp_path: Path):
    """The welcome quiz with a question and a choice that a spreadsheet would run as formulas."""
    content = tmp_path / "content"
    shutil.copytree(TEST_CONTENT_DIR, content)
    quiz = content / "modules" / "welcome" / "quiz.yaml"
    text = quiz.read_text()
    text = text.replace("text: What should you look for?", "text: '=HYPERLINK(\"http://x.example\")'")
    text = text.replace("- text: A single odd moment", "- text: '@SUM(1+1)'")
    quiz.write_text(text)
    return make_app(CONTENT_DIR=str(content))


def test_csv_neutralises_texts_a_spreadsheet_would_run(formula_content):
    app = formula_content
    with app.app_context():
        assert module(app, "welcome").quiz.question("patterns").text.startswith("=")
        for _ in range(6):
            _grade(app, {"first-to-notice": ["true"], "patterns": ["b"]})
        trainer = UserFactory(trainer=True)
    client = login_client(app, trainer)
    by_id = {row[0]: row for row in _csv(client, "/trainer/modules/welcome/insights.csv")}
    assert by_id["patterns"][1] == "'=HYPERLINK(\"http://x.example\")"
    assert by_id["patterns"][8:] == ["'@SUM(1+1)", "6"]
    missed = _csv(client, "/trainer/insights.csv")[1]
    assert missed[4] == "'=HYPERLINK(\"http://x.example\")" and missed[7] == "'@SUM(1+1)"


def test_insight_pages_link_to_their_csv(trainer_client):
    assert 'href="/trainer/insights.csv"' in trainer_client.get("/trainer/insights").get_data(as_text=True)
    page = trainer_client.get("/trainer/modules/welcome/insights").get_data(as_text=True)
    assert 'href="/trainer/modules/welcome/insights.csv"' in page
