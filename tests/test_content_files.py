"""Reading trainers' files: the limits at their edges, the characters refused, the picture types."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import pytest

from training_portal.modules.files import decode_text, image_media_type, outside_problem, read_limited


def _content(tmp_path: Path) -> Path:
    content = tmp_path / "content"
    (content / "modules").mkdir(parents=True)
    return content


@pytest.mark.parametrize(
    ("size", "limit", "message"),
    [
        (1000, 999, "this file is 1 KB, more than the limit of 1 KB — make it smaller"),
        (1025, 1024, "this file is 2 KB, more than the limit of 1 KB — make it smaller"),
        (1048577, 1048576, "this file is 1.0 MB, more than the limit of 1.0 MB — make it smaller"),
        (1048576, 1048575, "this file is 1.0 MB, more than the limit of 1024 KB — make it smaller"),
        (1101005, 1101004, "this file is 1.1 MB, more than the limit of 1.0 MB — make it smaller"),
    ],
)
def test_a_file_one_byte_over_its_limit_is_refused_with_both_sizes(
        tmp_path: Path, size: int, limit: int, message: str) -> None:
    content = _content(tmp_path)
    path = content / "modules" / "big.md"
    path.write_bytes(b"#" * size)
    data, problem = read_limited(path, content, limit)
    assert data is None and problem is not None
    assert str(problem) == f"content/modules/big.md: {message}"


def test_a_file_exactly_at_its_limit_is_read_whole(tmp_path: Path) -> None:
    content = _content(tmp_path)
    path = content / "modules" / "exact.md"
    path.write_bytes(b"a" * 1000)
    assert read_limited(path, content, 1000) == (b"a" * 1000, None)
    assert read_limited(content / "modules" / "exact.md", content, 1001) == (b"a" * 1000, None)


def test_a_missing_file_says_it_cannot_be_opened(tmp_path: Path) -> None:
    content = _content(tmp_path)
    data, problem = read_limited(content / "modules" / "gone.md", content, 1000)
    assert data is None and str(problem) == (
        "content/modules/gone.md: this file cannot be opened (No such file or directory) — "
        "check that it exists and can be read")


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_a_link_that_loops_cannot_be_followed(tmp_path: Path) -> None:
    content = _content(tmp_path)
    loop = content / "modules" / "loop.md"
    loop.symlink_to(loop)
    problem = outside_problem(loop, content)
    data, read_problem = read_limited(loop, content, 1000)
    assert data is None and problem is not None and read_problem == problem
    assert str(problem) == ("content/modules/loop.md: this link cannot be followed — "
                            "replace it with a real file")


def test_the_content_folder_itself_and_what_is_inside_are_inside(tmp_path: Path) -> None:
    content = _content(tmp_path)
    assert outside_problem(content, content) is None
    assert outside_problem(content / "modules", content) is None
    sibling = tmp_path / "content-other" / "x.md"
    problem = outside_problem(sibling, content)
    assert problem is not None and "outside the content folder" in problem.message


def test_text_loses_its_byte_order_mark_and_every_line_ends_in_a_newline() -> None:
    assert decode_text(b"\xef\xbb\xbfone\r\ntwo\rthree\n", "f") == ("one\ntwo\nthree\n", None)


@pytest.mark.parametrize("allowed", ["\t", "\n", "\u00a0", "\u00e9", " ", "~"])
def test_tab_line_ends_and_printable_characters_are_fine(allowed: str) -> None:
    assert decode_text(f"a{allowed}b".encode(), "f") == (f"a{allowed}b", None)


@pytest.mark.parametrize(
    ("character", "code"),
    [("\x01", "U+0001"), ("\x08", "U+0008"), ("\x0b", "U+000B"), ("\x0c", "U+000C"),
     ("\x0e", "U+000E"), ("\x1f", "U+001F"), ("\x7f", "U+007F"), ("\x80", "U+0080"),
     ("\x9f", "U+009F")],
)
def test_an_invisible_control_character_is_named_with_its_line(character: str, code: str) -> None:
    text, problem = decode_text(f"one\r\ntwo\rthree {character} here\n".encode(), "content/x.md")
    assert text is None
    assert str(problem) == (f"content/x.md, line 3: this line holds an invisible control character "
                            f"({code}) — delete it, or retype the line in your editor")


def test_a_nul_byte_is_named_as_such_on_the_first_line() -> None:
    _, problem = decode_text(b"a\x00b\nc\x00", "content/x.md")
    assert str(problem) == ("content/x.md, line 1: this line holds a NUL byte — delete it, "
                            "or retype the line in your editor")


@pytest.mark.parametrize(
    ("data", "media_type"),
    [
        (b"\x89PNG\r\n\x1a\n rest", "image/png"),
        (b"\x89PNG\r\n\x1a", None),
        (b"\xff\xd8\xff\xe0", "image/jpeg"),
        (b"\xff\xd8", None),
        (b"GIF87a...", "image/gif"),
        (b"GIF89a...", "image/gif"),
        (b"GIF88a...", None),
        (b"RIFF\x00\x00\x00\x00WEBP", "image/webp"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"RIFF\x00\x00\x00\x00WAVE", None),
        (b"RIFF\x00\x00\x00\x00WEB", None),
        (b"RIFX\x00\x00\x00\x00WEBP", None),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", None),
        (b"", None),
    ],
)
def test_a_picture_type_comes_from_its_first_bytes(data: bytes, media_type: str | None) -> None:
    assert image_media_type(data) == media_type


def test_a_control_character_after_a_blank_first_line_is_on_line_two() -> None:
    _, problem = decode_text(b"\nbad \x1b here\n", "content/x.md")
    assert problem is not None and problem.line == 2


def test_a_named_pipe_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    """Opening a named pipe for reading waits until something writes to it, unless the file is
    opened without blocking. A guard thread turns such a wait into a failure instead of a hang:
    when the read has not come back after 10 s it opens the pipe for writing, which releases it.
    (The right code returns at once; the 10 s is never reached, so this is not a speed test.)"""
    content = _content(tmp_path)
    pipe = content / "modules" / "quiz.yaml"
    os.mkfifo(pipe)
    results: list[tuple[bytes | None, object]] = []
    reader = threading.Thread(target=lambda: results.append(read_limited(pipe, content, 1000)), daemon=True)
    reader.start()
    reader.join(10)
    blocked = reader.is_alive()
    if blocked:
        os.close(os.open(pipe, os.O_WRONLY | os.O_NONBLOCK))  # a writer comes and goes: the read ends
        reader.join()
    assert not blocked, "reading a named pipe waited for a writer"
    assert [(data, str(problem)) for data, problem in results] == [
        (None, "content/modules/quiz.yaml: this is not an ordinary file — replace it with a real file")]


def _measured_as(monkeypatch: pytest.MonkeyPatch, size: int) -> None:
    """Make the size measured when the file is opened `size` bytes: the file grows afterwards."""
    real_fstat = os.fstat

    def fstat(fd: int) -> os.stat_result:
        info = real_fstat(fd)
        return os.stat_result((info.st_mode, info.st_ino, info.st_dev, info.st_nlink, info.st_uid,
                               info.st_gid, size, int(info.st_atime), int(info.st_mtime), int(info.st_ctime)))

    monkeypatch.setattr(os, "fstat", fstat)


def test_a_file_that_grows_past_its_limit_after_it_was_measured_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    content = _content(tmp_path)
    path = content / "modules" / "growing.md"
    path.write_bytes(b"#" * 2049)
    _measured_as(monkeypatch, 10)
    data, problem = read_limited(path, content, 2048)
    assert data is None
    assert str(problem) == "content/modules/growing.md: this file is more than the limit of 2 KB — make it smaller"


def test_a_file_that_grows_to_exactly_its_limit_after_it_was_measured_is_read_whole(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    content = _content(tmp_path)
    path = content / "modules" / "growing.md"
    path.write_bytes(b"#" * 2048)
    _measured_as(monkeypatch, 10)
    assert read_limited(path, content, 2048) == (b"#" * 2048, None)


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_a_link_swapped_in_after_the_check_is_not_followed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The file is checked to be inside the content folder, then opened: a link put in its place
    between the two (by a trainer's sync tool, or anyone who can write there) must not be read."""
    content = _content(tmp_path)
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"outside the content folder")
    path = content / "modules" / "notes.md"
    path.write_bytes(b"inside")
    checked = path.resolve()
    real_open = os.open

    def open_after_a_swap(file: Any, flags: int, *args: Any) -> int:
        if Path(file) == checked and not path.is_symlink():
            path.unlink()
            path.symlink_to(secret)
        return real_open(file, flags, *args)

    monkeypatch.setattr(os, "open", open_after_a_swap)
    data, problem = read_limited(path, content, 1000)
    assert data is None
    assert str(problem) == ("content/modules/notes.md: this file cannot be opened (Too many levels of symbolic "
                            "links) — check that it exists and can be read")


UTF16 = ("content/x.md: this file is saved as UTF-16 — save it as UTF-8 in your editor "
         "(Save As, encoding UTF-8)")
NUL_LINE_1 = "content/x.md, line 1: this line holds a NUL byte — delete it, or retype the line in your editor"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        # a byte order mark says UTF-16 even when the text has no NUL bytes (Chinese has none)
        (b"\xff\xfe" + "你好".encode("utf-16-le"), UTF16),
        (b"\xfe\xff" + "你好".encode("utf-16-be"), UTF16),
        # without a mark: eight characters of English, little- and big-endian
        ("abcdefgh".encode("utf-16-le"), UTF16),
        ("abcdefgh".encode("utf-16-be"), UTF16),
        # seven characters are too few to guess: the NUL bytes are named instead
        ("abcdefg".encode("utf-16-le"), NUL_LINE_1),
        # 16 bytes: more than half of the odd (or even) bytes NUL is UTF-16, exactly half is not
        (b"a\x00b\x00c\x00d\x00e\x00fghijk", UTF16),
        (b"a\x00b\x00c\x00d\x00efghijkl", NUL_LINE_1),
        (b"\x00a\x00b\x00c\x00d\x00eFGHIJK", UTF16),
        (b"\x00a\x00b\x00c\x00dEFGHIJKL", NUL_LINE_1),
    ],
)
def test_utf16_is_told_from_its_mark_or_its_nul_bytes(data: bytes, message: str) -> None:
    text, problem = decode_text(data, "content/x.md")
    assert text is None
    assert str(problem) == message
