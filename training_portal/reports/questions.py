"""Which questions people miss: per module and across modules, from the question_stats summary.

Figures come from ``question_stats`` / ``question_choice_stats`` (kept up to date on grading by
``learning.question_stats``), never from parsing attempts, so a page costs two statements
whatever the number of attempts. "Now" is the module's current content hash; "before the last
change" is every earlier content hash of the module taken together. Figures built on fewer
answers than the small-number rule allows are not shown (``reports.suppression``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import func, select

from training_portal.extensions import db
from training_portal.learning.models import QuestionChoiceStat, QuestionStat
from training_portal.modules.content import Module
from training_portal.quizzes.bank import Question
from training_portal.reports import suppression

#: How many questions the cross-module "most missed" list shows.
MOST_MISSED = 10
#: A question "most people get wrong" has fewer than this share answered correctly.
CONFUSING_BELOW = 0.5


@dataclass
class Figures:
    """Answers to one question in a set of attempts, and the choices ticked in wrong answers."""

    answers: int = 0
    correct: int = 0
    picked_in_wrong: dict[str, int] = field(default_factory=dict)

    @property
    def answers_figure(self) -> suppression.Figure:
        return suppression.count(self.answers)

    @property
    def share_figure(self) -> suppression.Figure:
        """Share answered right; withheld when built on fewer than 5 answers (or none)."""
        return suppression.share(self.correct, self.answers)

    @property
    def shown(self) -> bool:
        return not self.share_figure.suppressed

    @property
    def share_correct(self) -> float | None:
        """0–1, only when the small-number rule lets the share be shown."""
        return self.correct / self.answers if self.shown else None


@dataclass(frozen=True)
class WrongChoice:
    choice_id: str
    text: str | None  # None: the choice is no longer in the question
    picks: int

    @property
    def picks_figure(self) -> suppression.Figure:
        return suppression.count(self.picks)


@dataclass
class QuestionInsight:
    module: Module
    question_id: str
    question: Question | None  # None: removed from the bank
    now: Figures = field(default_factory=Figures)
    before: Figures = field(default_factory=Figures)

    @property
    def removed(self) -> bool:
        return self.question is None

    @property
    def main(self) -> Figures:
        """The figures a row leads with: now, or (for a removed question) its old ones."""
        return self.before if self.removed else self.now

    @property
    def top_wrong(self) -> WrongChoice | None:
        """The wrong choice ticked most often (ties: the earlier choice id)."""
        correct = self.question.correct_ids if self.question else frozenset()
        picks = [(n, c) for c, n in self.main.picked_in_wrong.items() if c not in correct and n]
        if not picks:
            return None
        count, choice_id = min(picks, key=lambda p: (-p[0], p[1]))
        choice = self.question.choice(choice_id) if self.question else None
        return WrongChoice(choice_id, choice.text if choice else None, count)

    @property
    def change(self) -> float | None:
        """Share correct now minus before, when both sides have enough answers."""
        now, before = self.now.share_correct, self.before.share_correct
        return None if self.removed or now is None or before is None else now - before


@dataclass(frozen=True)
class ModuleInsights:
    module: Module
    questions: list[QuestionInsight]

    @property
    def has_before(self) -> bool:
        return any(q.before.answers for q in self.questions)


@dataclass(frozen=True)
class ProgrammeInsights:
    most_missed: list[QuestionInsight]
    too_easy: list[QuestionInsight]
    confusing: list[QuestionInsight]
    too_few: list[QuestionInsight]


def module_insights(module: Module) -> ModuleInsights:
    """Every question in the bank (in file order), then questions since removed; two statements."""
    is_now = QuestionStat.content_hash == module.content_hash
    rows = db.session.execute(
        select(QuestionStat.question_id, is_now.label("now"), func.sum(QuestionStat.drawn),
               func.sum(QuestionStat.correct))
        .where(QuestionStat.module_slug == module.slug)
        .group_by(QuestionStat.question_id, is_now))
    choice_now = QuestionChoiceStat.content_hash == module.content_hash
    picks = db.session.execute(
        select(QuestionChoiceStat.question_id, choice_now.label("now"), QuestionChoiceStat.choice_id,
               func.sum(QuestionChoiceStat.picked_in_wrong))
        .where(QuestionChoiceStat.module_slug == module.slug)
        .group_by(QuestionChoiceStat.question_id, choice_now, QuestionChoiceStat.choice_id))
    found = _collect(module, rows, picks)
    bank_ids = [q.id for q in module.quiz.questions] if module.quiz else []
    ordered = [found.get(qid) or _insight(module, qid) for qid in bank_ids]
    ordered += sorted((i for qid, i in found.items() if qid not in bank_ids),
                      key=lambda i: i.question_id)
    return ModuleInsights(module, ordered)


def programme_insights(modules: Iterable[Module]) -> ProgrammeInsights:
    """Questions of every module's current content, sorted into the trainers' lists; two statements."""
    by_hash = {m.content_hash: m for m in modules if m.quiz is not None}
    stats = db.session.execute(
        select(QuestionStat.content_hash, QuestionStat.question_id, QuestionStat.drawn,
               QuestionStat.correct).where(QuestionStat.content_hash.in_(list(by_hash))))
    picks = db.session.execute(
        select(QuestionChoiceStat.content_hash, QuestionChoiceStat.question_id,
               QuestionChoiceStat.choice_id, QuestionChoiceStat.picked_in_wrong)
        .where(QuestionChoiceStat.content_hash.in_(list(by_hash))))
    insights: dict[tuple[str, str], QuestionInsight] = {}
    for module in by_hash.values():
        assert module.quiz is not None
        for question in module.quiz.questions:
            insights[(module.content_hash, question.id)] = _insight(module, question.id)
    for content_hash, question_id, drawn, correct in stats:
        if (content_hash, question_id) in insights:
            insights[(content_hash, question_id)].now = Figures(drawn, correct)
    for content_hash, question_id, choice_id, count in picks:
        if (content_hash, question_id) in insights:
            insights[(content_hash, question_id)].now.picked_in_wrong[choice_id] = count
    return _sort_into_lists(list(insights.values()))


def _insight(module: Module, question_id: str) -> QuestionInsight:
    question = module.quiz.question(question_id) if module.quiz else None
    return QuestionInsight(module, question_id, question)


def _collect(module: Module, rows: Iterable[tuple[str, bool, int, int]],
             picks: Iterable[tuple[str, bool, str, int]]) -> dict[str, QuestionInsight]:
    found: dict[str, QuestionInsight] = {}
    for question_id, now, drawn, correct in rows:
        insight = found.setdefault(question_id, _insight(module, question_id))
        setattr(insight, "now" if now else "before", Figures(int(drawn), int(correct)))
    for question_id, now, choice_id, count in picks:
        insight = found.setdefault(question_id, _insight(module, question_id))
        (insight.now if now else insight.before).picked_in_wrong[choice_id] = int(count)
    return found


def _sort_into_lists(insights: list[QuestionInsight]) -> ProgrammeInsights:
    enough = [i for i in insights if i.now.shown]
    by_share = sorted(enough, key=lambda i: (i.now.share_correct or 0.0, -i.now.answers,
                                             i.module.slug, i.question_id))
    return ProgrammeInsights(
        most_missed=[i for i in by_share if (i.now.share_correct or 0.0) < 1][:MOST_MISSED],
        too_easy=[i for i in by_share if i.now.correct == i.now.answers],
        confusing=[i for i in by_share if (i.now.share_correct or 0.0) < CONFUSING_BELOW],
        too_few=sorted((i for i in insights if not i.now.shown),
                       key=lambda i: (i.module.slug, i.question_id)))


def as_mapping(insights: ModuleInsights) -> Mapping[str, QuestionInsight]:
    """By question id (for tests and the template's look-ups)."""
    return {i.question_id: i for i in insights.questions}

