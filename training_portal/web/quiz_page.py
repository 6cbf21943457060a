"""The quiz page (an open attempt's questions), built from parts made once.

Rendering ten questions and their choices through Jinja (a loop, escaping and a translation
per item) was most of the page's CPU. What is the same for everyone is made once and kept:

* **the page around the questions** (menu, title, heading, the form and its button) per
  module version, language and menu variant, rendered by ``quizzes/take.html`` with a marker
  where the questions go and placeholders for the CSRF token (``page_cache.PageCache``);
* **each question's escaped parts** per question (as drawn: the attempt's snapshot) and
  language; the choices are kept as escaped pieces, so an attempt's shuffled order is a join.

Per request only the attempt's own order, the positions (ids ``question-N``, ``qN-M``), the
answers already chosen and the error marks are put together, so no attempt's page is kept.
A page with a message for the person (unanswered questions, a flash) is rendered in full.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from flask import current_app, render_template, session
from flask.sansio.app import App
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup, escape

from training_portal.modules.content import Module
from training_portal.quizzes.bank import Question
from training_portal.web.page_cache import PageCache, form_csrf_token, menu_variant, site_locale

#: Where the questions go in the kept page: its last occurrence (text from content comes before it).
QUESTIONS_MARKER = "\x00questions\x00"
EXTENSION = "quiz_pages"
#: Question parts kept; beyond this the memo starts again (it is only a saving).
MAX_QUESTIONS = 4_096


@dataclass(frozen=True)
class QuestionParts:
    """One question's escaped HTML, without anything that depends on its position."""

    body: str  # scenario, question text and the "choose all" hint
    choice_open: str  # '<div class="choice"> <input type=… name=… id="q' (the position follows)
    choices: Mapping[str, tuple[str, str]]  # choice id → ('" value="…"', '">label</label></div>')


class QuizPageParts:
    """An app's kept quiz parts: pages around the questions, and each question's parts
    (per app, as each app has its own translations)."""

    def __init__(self) -> None:
        self.pages = PageCache()
        self._questions: dict[tuple[str, Question], QuestionParts] = {}
        self._legends: dict[str, str] = {}

    def legend(self, locale: str) -> str:
        """The escaped "Question n of total" for this language, to fill in with plain %."""
        legend = self._legends.get(locale)
        if legend is None:
            legend = self._legends[locale] = str(escape(_("Question %(n)d of %(total)d")))
        return legend

    def question(self, question: Question, locale: str) -> QuestionParts:
        """The question's escaped parts, made once per question (as drawn) and language."""
        key = (locale, question)
        parts = self._questions.get(key)
        if parts is None:
            if len(self._questions) >= MAX_QUESTIONS:
                self._questions.clear()
            parts = self._questions[key] = _make_parts(question)
        return parts


def init_app(app: App) -> None:
    """Give the app its kept quiz parts."""
    app.extensions[EXTENSION] = QuizPageParts()


def render(module: Module, questions: Sequence[tuple[Question, Sequence[str]]],
           chosen: Mapping[str, Sequence[str]] | None = None,
           unanswered: Sequence[str] = ()) -> str:
    """The quiz page for these questions (in the attempt's order, choices as shown)."""
    kept: QuizPageParts = current_app.extensions[EXTENSION]
    locale = site_locale()
    fieldsets = questions_html(kept, locale, questions, chosen or {}, unanswered)
    if unanswered or session.get("_flashes"):
        return _render(module, fieldsets, unanswered)
    user = current_user._get_current_object()  # menu_variant asks four questions of it
    key = (module.slug, module.content_hash, locale, menu_variant(user))
    page = kept.pages.get_or_render(
        key, lambda: _render(module, Markup(QUESTIONS_MARKER), ()))  # noqa: S704 - a constant
    head, marker, tail = page.rpartition(QUESTIONS_MARKER)
    if not marker:
        raise RuntimeError("quizzes/take.html lost the questions marker")
    return "".join((head, str(fieldsets), tail))  # str: Markup + str would escape the page


def _render(module: Module, fieldsets: Markup, unanswered: Sequence[str]) -> str:
    return render_template("quizzes/take.html", module=module, questions_html=fieldsets,
                           unanswered=unanswered, form_token=form_csrf_token())


def questions_html(kept: QuizPageParts, locale: str, questions: Sequence[tuple[Question, Sequence[str]]],
                   chosen: Mapping[str, Sequence[str]], unanswered: Sequence[str]) -> Markup:
    """Every question's fieldset: legend, text, choices in the order shown, marks and answers."""
    legend = kept.legend(locale)  # then plain % with numbers only
    missing = frozenset(unanswered)
    out: list[str] = []
    for n, (question, shown) in enumerate(questions, start=1):
        parts = kept.question(question, locale)
        marked = question.id in missing
        title = legend % {"n": n, "total": len(questions)}
        out.append(f'  <fieldset id="question-{n}"{_error_attributes(n) if marked else ""}>\n'
                   f"    <legend>{title}</legend>\n{parts.body}")
        if marked:
            message = escape(_("Choose an answer."))  # outside the f-string: pybabel reads no f-strings
            out.append(f'    <p class="error" id="err-{n}">{message}</p>\n')
        out.extend(_choices_html(parts, shown, n, chosen.get(question.id, ())))
        out.append("  </fieldset>\n")
    return Markup("".join(out))  # noqa: S704 - content escaped in _make_parts, the rest numbers


def _choices_html(parts: QuestionParts, shown: Sequence[str], n: int, ticked: Sequence[str]) -> list[str]:
    """The choices in the order shown (ids no longer in the question left out), numbered qN-M."""
    out: list[str] = []
    for choice_id in shown:
        if (choice := parts.choices.get(choice_id)) is not None:
            position = f"{n}-{len(out) + 1}"
            checked = " checked" if choice_id in ticked else ""
            out.append(f'{parts.choice_open}{position}{choice[0]}{checked}>\n'
                       f'      <label for="q{position}{choice[1]}')
    return out


def _error_attributes(n: int) -> str:
    return f' class="has-error" aria-describedby="err-{n}"'


def _make_parts(question: Question) -> QuestionParts:
    multiple = question.kind == "multiple"
    scenario = f'    <p class="scenario">{escape(question.scenario)}</p>\n' if question.scenario else ""
    choose_all = escape(_("Choose all that apply."))  # outside the f-string: pybabel reads no f-strings
    hint = f'    <p class="hint">{choose_all}</p>\n' if multiple else ""
    return QuestionParts(
        body=f"{scenario}    <p><strong>{escape(question.text)}</strong></p>\n{hint}",
        choice_open=(f'    <div class="choice">\n      <input type="{"checkbox" if multiple else "radio"}"'
                     f' name="q-{escape(question.id)}" id="q'),
        choices={c.id: (f'" value="{escape(c.id)}"', f'">{escape(c.text)}</label>\n    </div>\n')
                 for c in question.choices})
