"""The content loader: a valid catalog loads; every broken fixture gives its exact problem."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from training_portal.modules.catalog import load_catalog
from training_portal.modules.loader import load_module

CONTENT = Path(__file__).parent / "content"
VALID = CONTENT / "valid"
FM = "modules/basics/module.md"
QZ = "modules/basics/quiz.yaml"

BROKEN = {
    "missing-key": f"{FM}, line 2: summary is missing — add a line like summary: How to notice spiking and what to do.",
    "unknown-key": f'{FM}, line 9: unknown front-matter key "author" — remove it or check the spelling (allowed: '
    "title, summary, order, estimated_minutes, version, valid_for_months, status, prerequisites, tags, test_out, "
    "replaces)",
    "wrong-type": f'{FM}, line 4: order must be a whole number, like order: 1 (you wrote "first")',
    "out-of-range": f"{FM}, line 5: estimated_minutes is 90 — it must be a whole number from 1 to 60",
    "bad-version": f'{FM}, line 6: version "v1" is not MAJOR.MINOR — write it like version: "1.0" or version: "2.3"',
    "unquoted-version": f'{FM}, line 6: version must be written in quotes, like version: "1.0" (without quotes '
    "1.10 would read as 1.1)",
    "bad-status": f'{FM}, line 8: status "live" is not allowed — use status: draft or status: published',
    "title-too-long": f"{FM}, line 2: title is 149 characters long — keep it to 120 or fewer",
    "duplicate-key": f'{FM}, line 5: "order" appears more than once — keep only one',
    "no-front-matter": f"{FM}, line 1: module.md must start with front matter: a line with only ---, the settings "
    "(title: …, summary: …), then another line with only ---",
    "unclosed-front-matter": f"{FM}, line 1: the front matter is never closed — add a line with only --- after the last setting",
    "front-matter-yaml": f"{FM}, line 4: this is not valid YAML (expected ',' or ']', but got ':') — check the colons, "
    "indentation and quotes on this line and the line before",
    "text-before-first-page": f"{FM}, line 11: text before the first page heading — start the lesson with a line like ## Page title",
    "h1-heading": f"{FM}, line 11: use ## (two #) for page titles — the module title comes from title: in the front matter",
    "unknown-callout": f'{FM}, line 15: unknown call-out "[!NOTE]" — use [!TIP], [!WARNING] or [!ACTION]',
    "no-pages": f"{FM}, line 10: the lesson has no pages — start each page with a line like ## Page title",
    "image-missing": f'{FM}, line 15: image "bar.png" was not found in the module folder — check the file name '
    "(capital letters matter)",
    "image-no-alt": f'{FM}, line 15: image "bar.png" has no alt text — describe the picture in the square brackets, '
    "like ![A bartender covering a glass](bar.png)",
    "image-not-an-image": "modules/basics/bar.png: this is not a PNG, JPEG, GIF or WebP picture (whatever its name "
    "says) — save it again in one of those formats",
    "image-wrong-type": f'{FM}, line 15: image "bar.svg" is not a PNG, JPEG, GIF or WebP file — save it in one of those formats',
    "image-outside-folder": f'{FM}, line 15: image "../other/bar.png" is not a file in this module\'s folder — put '
    "the picture in the module folder and write just its name, like "
    "![What the picture shows](cover-glass.png)",
    "image-remote": f'{FM}, line 15: image "https://example.com/bar.png" is not a file in this module\'s folder — put '
    "the picture in the module folder and write just its name, like ![What the picture shows](cover-glass.png)",
    "bad-slug": "modules/Basics Module: a module folder name may only use lower-case letters, digits and - (no spaces "
    "or capitals) — rename the folder",
    "missing-module-md": "modules/basics: this module folder has no module.md — add one, or remove the folder",
    "published-without-quiz": f"{FM}, line 8: this module is published but has no quiz.yaml — add the quiz, or set "
    "status: draft until it is ready",
    "unknown-prerequisite": f'{FM}, line 9: prerequisite "welcom" is not a module folder in content/modules — check '
    "the spelling or remove it",
    "prerequisite-cycle": f"{FM}: prerequisites go round in a circle (basics → second → basics), so nobody could ever "
    "start these modules — remove one of them",
    "duplicate-question-id": f'{QZ}, line 13: question id "q1" is used twice (also on line 5) — give each question its own id',
    "no-correct-answer": f'{QZ}, line 8: question "q1" has no correct answer — mark one choice with correct: true',
    "two-correct-single": f'{QZ}, line 8: question "q1" has 2 correct answers but a single question needs exactly '
    "one — use type: multiple or mark only one choice with correct: true",
    "too-few-choices": f'{QZ}, line 8: question "q1" has 1 choice — give it from 2 to 6 choices, each starting with - text:',
    "too-many-choices": f'{QZ}, line 8: question "q1" has 7 choices — give it from 2 to 6 choices, each starting with - text:',
    "unknown-question-type": f'{QZ}, line 6: question "q1" has an unknown type "essay" — use single, multiple, '
    "true_false or scenario",
    "missing-explanation": f'{QZ}, line 5: question "q1" has no explanation — add a line like explanation: …',
    "scenario-without-scenario": f'{QZ}, line 5: question "q1" has no scenario — add a line like scenario: …',
    "true-false-without-answer": f'{QZ}, line 7: question "tf" is true_false and needs answer: true or answer: false',
    "pass-mark-too-high": f"{QZ}, line 1: pass_mark 120 cannot be reached — use a percentage from 1 to 100",
    "pass-mark-zero": f"{QZ}, line 1: pass_mark 0 would let everyone pass — use a percentage from 1 to 100",
    "too-many-per-attempt": f"{QZ}, line 2: questions_per_attempt is 5 but the quiz has only 1 question — add "
    "questions or lower questions_per_attempt",
    "zero-per-attempt": f"{QZ}, line 2: questions_per_attempt is 0 — it must be at least 1",
    "quiz-yaml-syntax": f"{QZ}, line 8: this is not valid YAML (expected <block end>, but found '<block mapping "
    "start>') — check the colons, indentation and quotes on this line and the line before",
    "nul-byte": f"{FM}, line 13: this line holds a NUL byte — delete it, or retype the line in your editor",
    "control-character": f"{QZ}, line 7: this line holds an invisible control character (U+001B) — delete it, or "
    "retype the line in your editor",
    "unknown-quiz-key": f'{QZ}, line 12: question "q1" has an unknown key "explaination" — remove it or check the '
    "spelling (allowed: id, type, text, scenario, choices, answer, explanation, page)",
    "unknown-question-page": f'{QZ}, line 7: question "q1" has page: "First pgae", but the lesson has no page with '
    "that title — copy the title of its ## heading exactly (the pages are: First page)",
    "unsafe-link": f'{FM}, line 13: a link to "javascript:" is not allowed (it could run code, and staff would see the '
    "raw text) — use an https:, http:, mailto: or tel: link, or remove it",
    "utf16-without-bom": f"{FM}: this file is saved as UTF-16 — save it as UTF-8 in your editor (Save As, encoding "
    "UTF-8)",
    "unquoted-yes": f'{QZ}, line 11: the text of choice b of question "q1": Yes is read as a yes/no value, not text — '
    'put the text in quotes: "Yes"',
    "unquoted-time": f'{QZ}, line 12: the explanation of question "q1": 22:30 is read as a time, not text — put the '
    'text in quotes: "22:30"',
    "unquoted-date-title": f'{FM}, line 2: title: 2026-01-05 is read as a date, not text — put the text in quotes: '
    '"2026-01-05"',
    "image-name-with-space": f'{FM}, line 15: image "pass card.png" has a space in its name, so staff would see this '
    "line as raw text — rename the file without spaces, or write <pass card.png> in the round brackets",
    "test-out-not-flag": f'{FM}, line 9: test_out must be true or false, like test_out: true (you wrote "yes please")',
}

WARNINGS = {
    "long-page": f'{FM}, line 11: page "First page" has 396 words — pages over 350 words are hard to read on a '
    "phone; split it with another ## heading",
    "long-sentence": f'{FM}, line 13: a sentence of 35 words ("Staff notice things and things and …") — sentences '
    "over 30 words are hard to follow; split it in two",
    "image-unused": "modules/basics/spare.png: this picture is not used in module.md — use it with ![alt text](name) "
    "or delete it",
    "duplicate-order": 'modules/second/module.md: order 1 is also used by "basics" — give each module its own order',
    "draft-prerequisite": f'{FM}: prerequisite "second" is a draft, so staff cannot start this module until it is published',
    "lopsided-single": f"{QZ}, line 4: the correct answer is choice b in 3 of 4 single and scenario questions — move "
    "some right answers to other positions, so that guessing one letter does not pay",
    "comment-cut": f'{QZ}, line 11: the text stops at " #": YAML reads the rest ("#1 priority") as a comment, so '
    'staff see only "Call 999" — put the text in quotes: text: "Call 999 #1 priority"',
    "comment-cut-summary": f'{FM}, line 3: the summary stops at " #": YAML reads the rest ("#staff training") as a '
    'comment, so staff see only "Spot it early" — put the text in quotes: summary: "Spot it early #staff training"',
    "lopsided-true-false": f"{QZ}, line 4: 3 of 4 true_false questions have answer: false — rewrite some statements "
    "the other way round, so that always answering one way does not pay",
}


def test_every_broken_fixture_has_a_rule() -> None:
    assert sorted(p.name for p in (CONTENT / "broken").iterdir()) == sorted([*BROKEN, "many-problems"])


@pytest.mark.parametrize("rule", sorted(BROKEN))
def test_broken_fixture_gives_its_exact_error(rule: str) -> None:
    catalog, problems = load_catalog(CONTENT / "broken" / rule)
    assert catalog is None
    assert [(p.severity, str(p)) for p in problems] == [("error", f"{rule}/{BROKEN[rule]}")]


@pytest.mark.parametrize("rule", sorted(WARNINGS))
def test_warning_fixture_loads_with_its_exact_warning(rule: str) -> None:
    catalog, problems = load_catalog(CONTENT / "warnings" / rule)
    assert catalog is not None
    assert [(p.severity, str(p)) for p in problems] == [("warning", f"{rule}/{WARNINGS[rule]}")]


def test_all_problems_are_collected_not_just_the_first() -> None:
    _, problems = load_catalog(CONTENT / "broken" / "many-problems")
    assert [str(p) for p in problems] == [
        "many-problems/modules/basics/module.md, line 4: order is 0 — it must be a whole number 1 or more",
        "many-problems/modules/basics/module.md, line 11: text before the first page heading — start the lesson "
        "with a line like ## Page title",
        "many-problems/modules/basics/quiz.yaml, line 1: pass_mark 120 cannot be reached — use a percentage from 1 to 100",
        'many-problems/modules/basics/quiz.yaml, line 8: question "q1" has no correct answer — mark one choice with '
        "correct: true",
    ]


def test_valid_catalog_loads_into_frozen_objects() -> None:
    catalog, problems = load_catalog(VALID)
    assert problems == []
    assert catalog is not None
    assert [m.slug for m in catalog.ordered] == ["welcome", "spiking", "door-notes"]
    assert [m.slug for m in catalog.published()] == ["welcome", "spiking"]
    spiking = catalog.modules["spiking"]
    assert (spiking.version, spiking.major_version, spiking.minor_version) == ("2.0", 2, 0)
    assert spiking.prerequisites == ("welcome",) and spiking.tags == ("spiking", "bar")
    assert [p.title for p in spiking.pages] == ["The signs", "What to do"]
    assert "<pre><code>## this is code, not a new page" in spiking.pages[0].html
    assert '<aside class="callout callout-action">\n<p class="callout-title">What to do</p>' in spiking.pages[1].html
    assert spiking.quiz is not None and [q.kind for q in spiking.quiz.questions] == [
        "multiple",
        "scenario",
        "true_false",
        "single",
    ]
    assert len(spiking.content_hash) == 64
    assert catalog.modules["door-notes"].quiz is None
    with pytest.raises(AttributeError):
        spiking.title = "changed"  # type: ignore[misc]


def test_images_are_checked_loaded_and_rewritten() -> None:
    catalog, _ = load_catalog(VALID, image_url=lambda slug, name: f"/static-test/{slug}/{name}")
    assert catalog is not None
    welcome = catalog.modules["welcome"]
    assert welcome.images["bar.png"].media_type == "image/png"
    assert (
        '<img src="/static-test/welcome/bar.png" alt="A bartender covering a customer\'s glass with a hand" '
        'loading="lazy">'
    ) in welcome.pages[0].html


def test_quiz_choices_get_letter_ids_and_true_false_ids() -> None:
    catalog, _ = load_catalog(VALID)
    assert catalog is not None
    quiz = catalog.modules["spiking"].quiz
    assert quiz is not None
    signs = quiz.question("signs")
    assert signs is not None and [c.id for c in signs.choices] == ["a", "b", "c"]
    assert signs.correct_ids == frozenset({"a", "b"})
    true_false = quiz.question("friend-home")
    assert true_false is not None and [(c.id, c.is_correct) for c in true_false.choices] == [
        ("true", False),
        ("false", True),
    ]


def test_content_hash_changes_with_any_file(tmp_path: Path) -> None:
    shutil.copytree(VALID, tmp_path / "content")
    folder = tmp_path / "content" / "modules" / "welcome"
    before, _ = load_module(folder, tmp_path / "content")
    (folder / "quiz.yaml").write_text((folder / "quiz.yaml").read_text() + "\n")
    after, _ = load_module(folder, tmp_path / "content")
    assert before is not None and after is not None
    assert before.content_hash != after.content_hash


def _copy(tmp_path: Path) -> Path:
    content = tmp_path / "content"
    shutil.copytree(VALID, content)
    return content


def test_symlinked_file_leaving_the_content_folder_is_rejected(tmp_path: Path) -> None:
    content = _copy(tmp_path)
    secret = tmp_path / "secret.md"
    secret.write_text("---\ntitle: x\n---\n")
    md = content / "modules" / "door-notes" / "module.md"
    md.unlink()
    md.symlink_to(secret)
    _, problems = load_catalog(content)
    assert [str(p) for p in problems] == [
        "content/modules/door-notes/module.md: this is a link to something outside the content folder, which is "
        "never read — replace it with a real file or folder"
    ]


def test_symlinked_module_folder_leaving_the_content_folder_is_rejected(tmp_path: Path) -> None:
    content = _copy(tmp_path)
    shutil.copytree(VALID / "modules" / "door-notes", tmp_path / "elsewhere")
    (content / "modules" / "outside").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    _, problems = load_catalog(content)
    assert [str(p) for p in problems] == [
        "content/modules/outside: this is a link to something outside the content folder, which is never read — "
        "replace it with a real file or folder"
    ]


def test_symlinked_image_leaving_the_content_folder_is_rejected(tmp_path: Path) -> None:
    content = _copy(tmp_path)
    image = content / "modules" / "welcome" / "bar.png"
    shutil.move(image, tmp_path / "bar.png")
    image.symlink_to(tmp_path / "bar.png")
    _, problems = load_catalog(content)
    assert [str(p) for p in problems] == [
        "content/modules/welcome/bar.png: this is a link to something outside the content folder, which is never "
        "read — replace it with a real file or folder"
    ]


def test_symlink_inside_the_content_folder_is_allowed(tmp_path: Path) -> None:
    content = _copy(tmp_path)
    image = content / "modules" / "welcome" / "bar.png"
    shutil.move(image, content / "shared.png")
    image.symlink_to(Path("..") / ".." / "shared.png")
    catalog, problems = load_catalog(content)
    assert catalog is not None and problems == []


@pytest.mark.parametrize(
    ("name", "size", "message"),
    [
        ("module.md", 200 * 1024 + 1, "this file is 201 KB, more than the limit of 200 KB — make it smaller"),
        ("quiz.yaml", 200 * 1024 + 1, "this file is 201 KB, more than the limit of 200 KB — make it smaller"),
        ("bar.png", 2 * 1024 * 1024 + 1, "this file is 2.0 MB, more than the limit of 2.0 MB — make it smaller"),
    ],
)
def test_files_over_the_size_limit_are_rejected(tmp_path: Path, name: str, size: int, message: str) -> None:
    content = _copy(tmp_path)
    path = content / "modules" / "welcome" / name
    with path.open("ab") as handle:
        handle.write(b"#" * (size - path.stat().st_size))
    _, problems = load_catalog(content)
    assert f"content/modules/welcome/{name}: {message}" in [str(p) for p in problems]


def test_a_picture_over_the_advised_size_warns_and_still_loads(tmp_path: Path) -> None:
    content = _copy(tmp_path)
    path = content / "modules" / "welcome" / "bar.png"
    with path.open("ab") as handle:
        handle.write(b"#" * (200 * 1024 + 1 - path.stat().st_size))
    catalog, problems = load_catalog(content)
    assert catalog is not None and "bar.png" in catalog.modules["welcome"].images
    assert [(p.severity, str(p)) for p in problems] == [
        ("warning", "content/modules/welcome/bar.png: this picture is 201 KB, more than the advised 200 KB: staff on "
         "a poor signal wait for it — make it smaller (for example 800 pixels wide, saved as JPEG or WebP)")
    ]
    with path.open("r+b") as handle:
        handle.truncate(200 * 1024)
    assert load_catalog(content)[1] == []


def test_a_quoted_yes_and_a_quoted_hash_are_plain_text(tmp_path: Path) -> None:
    content = _copy(tmp_path)
    quiz = content / "modules" / "welcome" / "quiz.yaml"
    text = quiz.read_text()
    first = text.index("- text: ") + len("- text: ")
    end = text.index("\n", first)
    quiz.write_text(text[:first] + '"Yes #1 it is"' + text[end:])
    catalog, problems = load_catalog(content)
    assert problems == [] and catalog is not None
    quiz_bank = catalog.modules["welcome"].quiz
    assert quiz_bank is not None
    assert "Yes #1 it is" in [c.text for q in quiz_bank.questions for c in q.choices]


def test_file_in_utf16_with_its_mark_says_save_as_utf8(tmp_path: Path) -> None:
    content = _copy(tmp_path)
    path = content / "modules" / "door-notes" / "module.md"
    path.write_bytes(path.read_text().encode("utf-16"))
    assert [str(p) for p in load_catalog(content)[1]] == [
        "content/modules/door-notes/module.md: this file is saved as UTF-16 — save it as UTF-8 in your editor "
        "(Save As, encoding UTF-8)"
    ]


def test_file_that_is_not_utf8_is_reported(tmp_path: Path) -> None:
    content = _copy(tmp_path)
    (content / "modules" / "door-notes" / "module.md").write_bytes("---\ntitle: Caf\xe9\n".encode("latin-1"))
    _, problems = load_catalog(content)
    assert [str(p) for p in problems] == [
        "content/modules/door-notes/module.md: this file is not saved as UTF-8 text — save it again as UTF-8 in your editor"
    ]


def test_missing_modules_folder_is_one_clear_error(tmp_path: Path) -> None:
    catalog, problems = load_catalog(tmp_path / "content")
    assert catalog is None
    assert [str(p) for p in problems] == [
        "content/modules: the modules folder was not found — check CONTENT_DIR or the folder name"
    ]


def test_yaml_tags_that_build_python_objects_are_refused(tmp_path: Path) -> None:
    content = _copy(tmp_path)
    quiz = content / "modules" / "welcome" / "quiz.yaml"
    quiz.write_text("pass_mark: !!python/object/apply:os.system ['echo hacked']\n" + quiz.read_text().split("\n", 1)[1])
    _, problems = load_catalog(content)
    assert len(problems) == 1 and "is not valid YAML" in problems[0].message


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_named_pipe_is_not_read(tmp_path: Path) -> None:
    content = _copy(tmp_path)
    quiz = content / "modules" / "door-notes" / "quiz.yaml"
    os.mkfifo(quiz)
    _, problems = load_catalog(content)
    assert [str(p) for p in problems] == [
        "content/modules/door-notes/quiz.yaml: this is not an ordinary file — replace it with a real file"
    ]


def test_yaml_nested_too_deeply_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    content = _copy(tmp_path)
    (content / "modules" / "welcome" / "quiz.yaml").write_text("questions: " + "[" * 50_000)
    _, problems = load_catalog(content)
    assert [str(p) for p in problems] == [
        "content/modules/welcome/quiz.yaml: this file is nested too deeply to read — check the indentation and brackets"
    ]


def test_problem_reads_file_line_and_what_to_do() -> None:
    from training_portal.problems import Problem

    problem = Problem(
        "content/modules/spiking/quiz.yaml",
        14,
        'question "q3" has no correct answer — mark one choice with correct: true',
    )
    assert str(problem) == (
        'content/modules/spiking/quiz.yaml, line 14: question "q3" has no correct answer — mark '
        "one choice with correct: true"
    )
    assert str(Problem("content/modules/x", None, "m", "warning")) == "content/modules/x: m"


def test_the_shipped_modules_load_cleanly_and_link_every_question_to_a_page() -> None:
    catalog, problems = load_catalog(Path(__file__).parent.parent / "content")
    assert catalog is not None and problems == []
    for module in catalog.modules.values():
        assert module.quiz is not None
        for question in module.quiz.questions:
            assert module.page_number(question.page) is not None, (module.slug, question.id)


def test_a_question_page_resolves_to_its_page_number() -> None:
    catalog, _ = load_catalog(CONTENT / "broken" / "test-out-not-flag")
    assert catalog is None  # the fixture's front matter is wrong; its quiz names the one page
    module, problems = load_module(CONTENT / "warnings" / "lopsided-single" / "modules" / "basics", CONTENT)
    assert module is not None and module.page_number("First page") == 1
    assert module.page_number("first page") is None and module.page_number(None) is None
    assert module.test_out is False
