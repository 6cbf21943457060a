"""What an attempt stores for each drawn question gives back the question as it was drawn."""

from __future__ import annotations

from training_portal.quizzes.bank import Choice, Question
from training_portal.quizzes.grading import DrawnQuestion, from_snapshot, snapshot


def test_a_snapshot_gives_back_the_question_as_drawn_with_its_scenario_and_feedback():
    question = Question(
        id="door", kind="single", text="Who may come in?", scenario="A queue at 11pm.",
        choices=(Choice("a", "Anyone", False, "Not after the last entry."),
                 Choice("b", "Members", True, "Yes: the licence says so.")),
        explanation="Read the licence.", page="Entry")
    stored = snapshot(question, DrawnQuestion("door", ("b", "a")))
    assert stored["choices"] == ["b", "a"]
    assert from_snapshot(stored) == question
    assert [c.feedback for c in from_snapshot(stored).choices] == [
        "Not after the last entry.", "Yes: the licence says so."]
    assert from_snapshot(stored).scenario == "A queue at 11pm."


def test_an_item_stored_before_snapshots_or_of_an_unknown_kind_gives_no_question():
    stored = snapshot(Question("q", "single", "Text?", None, (Choice("a", "A", True),), ""),
                      DrawnQuestion("q", ("a",)))
    assert from_snapshot(stored) is not None
    assert from_snapshot({**stored, "kind": "essay"}) is None
    assert from_snapshot({k: v for k, v in stored.items() if k != "kind"}) is None
    assert from_snapshot({k: v for k, v in stored.items() if k != "options"}) is None
    assert from_snapshot({"question": "q", "choices": ["a", "b"]}) is None
    no_explanation = from_snapshot({k: v for k, v in stored.items() if k != "explanation"})
    assert no_explanation is not None and no_explanation.explanation == ""
