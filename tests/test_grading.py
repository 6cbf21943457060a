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
