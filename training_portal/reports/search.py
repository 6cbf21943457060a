"""Partnership admins' search: certificates by code fragment or holder, people by name or email.

Whatever is typed is literal text: LIKE's wildcards are escaped with an explicit escape
character. Each list is one statement (the page, its related rows joined, and the total) plus one for
a people page's venues, however many rows match. On PostgreSQL
the contains-searches are carried by pg_trgm GIN indexes (migration 79d2d68971e2).

A query of one or two characters (under PREFIX_BELOW) matches the START of a name, of a word
of a name, of an email address or of a code, not anywhere inside them: "qz" inside a name has
no trigram to look up, so a substring search that matches nothing would read every
certificate, while a start can be looked up (see _word_starts).
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, false, func, or_, select, union
from sqlalchemy.orm import contains_eager

from training_portal.accounts.models import User
from training_portal.certificates.codes import ALPHABET
from training_portal.certificates.models import Certificate
from training_portal.extensions import db
from training_portal.learning.models import Completion
from training_portal.venues.models import Membership, Venue

PER_PAGE = 25
MAX_QUERY = 100
ESCAPE = "\\"
#: A code fragment shorter than this matches too many codes to help (and no trigram index
#: serves it); such a query is searched as a name only.
MIN_CODE_FRAGMENT = 3
#: Certificates are counted up to this many: past it the page says "more than 1,000" and asks
#: for a narrower search (counting 150,000 matches of "a" exactly costs more than it tells).
COUNT_CAP = 1000
#: Queries shorter than this match the start of names, words of names, emails and codes only
#: (see _word_starts); longer ones match anywhere inside them.
PREFIX_BELOW = 3
#: What separates the words of a name for a short query: "ja" finds "Jack Li" and "Mary-Jane".
WORD_SEPARATORS = (" ", "-")
_CODE_CHARACTERS = frozenset(ALPHABET)

T = TypeVar("T")


@dataclass(frozen=True)
class SearchRequest:
    """A cleaned query and page number, with messages to show about anything changed."""

    query: str
    page: int
    messages: tuple[str, ...] = ()
    page_invalid: bool = False


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    page: int
    total: int
    per_page: int = PER_PAGE

    @property
    def pages(self) -> int:
        return max(1, -(-min(self.total, COUNT_CAP) // self.per_page))

    @property
    def capped(self) -> bool:
        """More matches than were counted (certificates only): the total is "more than"."""
        return self.total > COUNT_CAP

    @property
    def out_of_range(self) -> bool:
        return self.page > self.pages


@dataclass(frozen=True)
class PersonRow:
    user: User
    certificate_count: int
    venues: list[Venue] = field(default_factory=list)


def parse_request(raw_query: str | None, raw_page: str | None) -> SearchRequest:
    """Trim, drop control characters, cap at MAX_QUERY characters; page must be a whole number ≥ 1."""
    messages: list[str] = []
    query = "".join(ch for ch in (raw_query or "")
                    if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co")).strip()
    if len(query) != len((raw_query or "").strip()):
        messages.append(str(_l("Invisible or control characters were left out of the search.")))
    if len(query) > MAX_QUERY:
        query = query[:MAX_QUERY].strip()
        messages.append(str(_l("Searches use at most %(n)d characters; only the first %(n)d were used.",
                               n=MAX_QUERY)))
    page, page_invalid = 1, False
    if raw_page not in (None, ""):
        text = raw_page.strip()
        if text.isascii() and text.isdigit() and len(text) <= 9 and int(text) >= 1:
            page = int(text)
        else:
            page_invalid = True
            messages.append(str(_l("The page number must be a whole number from 1; "
                                   "showing the first page.")))
    return SearchRequest(query, page, tuple(messages), page_invalid)


def _escaped(text: str) -> str:
    """LIKE's wildcards and the escape character itself taken literally."""
    return text.replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%").replace("_", ESCAPE + "_")


def contains_pattern(text: str) -> str:
    """``%text%``, the text taken literally."""
    return f"%{_escaped(text)}%"


def starts_pattern(text: str, after: str = "") -> str:
    """``text%`` (the start of the value), or ``%{after}text%`` (the start of a word after
    ``after``), the text taken literally."""
    return f"%{after}{_escaped(text)}%" if after else f"{_escaped(text)}%"


def is_short(query: str) -> bool:
    """A query matched at the start of words, not inside them (the page says so)."""
    return 0 < len(query) < PREFIX_BELOW


def code_fragment(text: str) -> str | None:
    """The query as part of a stored code (no dashes or spaces, upper case), or None if it cannot be."""
    cleaned = "".join(text.split()).replace("-", "")
    if not cleaned or not cleaned.isascii():
        return None
    cleaned = cleaned.upper()
    return cleaned if set(cleaned) <= _CODE_CHARACTERS else None


def _contains(column: Any, text: str) -> ColumnElement[bool]:
    return column.ilike(contains_pattern(text), escape=ESCAPE)


def _starts(column: Any, text: str) -> ColumnElement[bool]:
    """The value starts with ``text``; nothing does if ``text`` has no letter or digit, since
    then no index can find it (a lone "%" or quote would read every certificate)."""
    if not any(ch.isalnum() for ch in text):
        return false()
    return column.ilike(starts_pattern(text), escape=ESCAPE)


def _word_starts(column: Any, text: str) -> ColumnElement[bool]:
    """The value, or one of its words, starts with ``text``.

    On PostgreSQL each pattern is served by the column's pg_trgm index: a pattern with no
    leading wildcard, or whose text follows a literal space or dash, yields the "word start"
    trigrams ("  q", " qz") that pg_trgm stores for every word, so even one or two characters
    are an index look-up (ILIKE '%qz%' yields none and reads the whole table).
    """
    if not any(ch.isalnum() for ch in text):
        return false()
    return or_(_starts(column, text),
               *(column.ilike(starts_pattern(text, after=sep), escape=ESCAPE) for sep in WORD_SEPARATORS))


def _name_matches(column: Any, query: str) -> ColumnElement[bool]:
    """A name search: inside the name, or for a short query at the start of one of its words."""
    return _word_starts(column, query) if is_short(query) else _contains(column, query)


def _offset(page: int) -> int:
    return (page - 1) * PER_PAGE


def search_certificates(query: str, page: int) -> Page[Certificate]:
    """Newest first, each with its completion and holder, and the total: one statement.

    The matches are gathered first as (id, issued_at) (a MATERIALIZED CTE on PostgreSQL), the
    page is cut from them, and only its 25 rows are joined to completions and people. Left to
    itself the planner may walk every certificate newest-first testing each against a rare
    name: seconds at 150,000 certificates instead of milliseconds. A short query (word starts,
    see _short_certificate_matches) is answered differently. With no query the CTE is one
    plain scan, inlined, so the page comes straight off the issued_at index. The total is
    counted up to COUNT_CAP + 1.
    """
    if is_short(query):
        page_ids, counted = _short_certificate_matches(query, page)
    else:
        if query:
            matched = union(*_certificate_branches(query)).cte("matched").prefix_with(
                "MATERIALIZED", dialect="postgresql")
        else:
            matched = (select(Certificate.id, Certificate.issued_at).cte("matched")
                       .prefix_with("NOT MATERIALIZED", dialect="postgresql"))
        page_ids = (select(matched.c.id, matched.c.issued_at)
                    .order_by(matched.c.issued_at.desc(), matched.c.id.desc())
                    .limit(PER_PAGE).offset(_offset(page)).subquery("page_ids"))
        counted = select(matched.c.id).limit(COUNT_CAP + 1).subquery("counted")
    total = select(func.count()).select_from(counted).scalar_subquery().label("total")
    rows = db.session.execute(
        select(Certificate, total).join(page_ids, page_ids.c.id == Certificate.id)
        .join(Certificate.completion).join(Completion.user)
        .options(contains_eager(Certificate.completion).contains_eager(Completion.user))
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())).all()
    return Page([c for c, _total in rows], page, _total_of(rows, counted, page))


def _short_certificate_matches(query: str, page: int) -> tuple[Any, Any]:
    """The page's (id, issued_at) and the matches to count, for a query of 1-2 characters.

    A short start matches thousands of certificates ("s": 24,000 of 150,000), too many to
    gather and de-duplicate in budget (180 ms). Neither answer needs them all: the page is
    among the newest ``offset + 25`` of each branch, and the capped total among any
    COUNT_CAP + 1 of each (if a branch has that many, so has the union; if none has, each
    branch was complete). So each branch stops early: the planner walks the newest
    certificates when a start is common, and looks the few matches up by trigram when rare.
    """
    branches = _certificate_branches(query, codes=False)
    fragment = code_fragment(query)
    if fragment:
        # Codes are random: a start matches 1 in 32 (one character) or 1 in 1,024, which the
        # planner cannot tell from the histogram and so walks 34,000 certificates for "JA".
        # Gathered first (MATERIALIZED), they are one trigram look-up and a small sort.
        codes = (select(Certificate.id, Certificate.issued_at)
                 .where(Certificate.code.like(starts_pattern(fragment), escape=ESCAPE))
                 .cte("code_starts").prefix_with("MATERIALIZED", dialect="postgresql"))
        branches.append(select(codes.c.id, codes.c.issued_at))
    newest = [_limited(b.order_by(b.selected_columns[1].desc(), b.selected_columns[0].desc()),
                       _offset(page) + PER_PAGE) for b in branches]
    some = [_limited(b.with_only_columns(b.selected_columns[0]), COUNT_CAP + 1) for b in branches]
    page_union = union(*newest).subquery("newest")
    page_ids = (select(page_union.c.id, page_union.c.issued_at)
                .order_by(page_union.c.issued_at.desc(), page_union.c.id.desc())
                .limit(PER_PAGE).offset(_offset(page)).subquery("page_ids"))
    count_union = union(*some).subquery("some")
    return page_ids, select(count_union.c.id).limit(COUNT_CAP + 1).subquery("counted")


def _limited(statement: Any, limit: int) -> Any:
    """A SELECT with its own ORDER BY/LIMIT, wrapped so that it may be a UNION's member
    (SQLite allows neither on a bare member)."""
    inner = statement.limit(limit).subquery()
    return select(*inner.c)


def _certificate_branches(query: str, codes: bool = True) -> list[Any]:
    """(id, issued_at) of the certificates whose holder's name now, name as printed, or (if
    ``codes``) code matches: one SELECT each, so that each can use its own index."""
    branches = [select(Certificate.id, Certificate.issued_at).join(Completion).join(User)
                .where(_name_matches(User.name, query)),
                select(Certificate.id, Certificate.issued_at)
                .where(_name_matches(Certificate.holder_name, query))]
    fragment = code_fragment(query)
    if codes and fragment and len(fragment) >= MIN_CODE_FRAGMENT:
        branches.append(select(Certificate.id, Certificate.issued_at).where(
            Certificate.code.like(contains_pattern(fragment), escape=ESCAPE)))
    return branches


def search_people(query: str, page: int) -> Page[PersonRow]:
    """Newest accounts first, each with a certificate count, plus the total (one statement),
    then their current venues (one more)."""
    matching = select(User.id, User.created_at, func.count().over().label("total"))
    if query:
        email = _starts(User.email, query) if is_short(query) else _contains(User.email, query)
        matching = matching.where(or_(_name_matches(User.name, query), email))
    page_ids = (matching.order_by(User.created_at.desc(), User.id.desc())
                .limit(PER_PAGE).offset(_offset(page)).subquery("page_ids"))
    certificates = (select(func.count(Certificate.id)).join(Completion)
                    .where(Completion.user_id == User.id, Certificate.replaced_at.is_(None))
                    .scalar_subquery())
    rows = db.session.execute(
        select(User, certificates, page_ids.c.total).join(page_ids, page_ids.c.id == User.id)
        .order_by(page_ids.c.created_at.desc(), page_ids.c.id.desc())).all()
    venues = current_venues([user.id for user, _count, _total in rows])
    items = [PersonRow(user, count or 0, venues.get(user.id, [])) for user, count, _total in rows]
    return Page(items, page, _total_of(rows, matching.subquery(), page))


def _total_of(rows: Sequence[Any], matched: Any, page: int) -> int:
    """The total carried on every row; past the last page there is no row, so count (rare)."""
    if rows:
        return int(rows[0][-1])
    if page == 1:
        return 0
    return db.session.scalar(select(func.count()).select_from(matched)) or 0


def current_venues(user_ids: Sequence[int]) -> dict[int, list[Venue]]:
    """Venues each person works at now (active memberships), in one statement (even for none)."""
    found: dict[int, list[Venue]] = defaultdict(list)
    rows = db.session.execute(
        select(Membership.user_id, Venue).join(Venue, Membership.venue_id == Venue.id)
        .where(Membership.user_id.in_(user_ids), Membership.left_at.is_(None))
        .order_by(Venue.name))
    for user_id, venue in rows:
        found[user_id].append(venue)
    return found


def certificate_with_holder(certificate_id: int) -> Certificate | None:
    return db.session.scalar(
        select(Certificate).join(Certificate.completion).join(Completion.user)
        .options(contains_eager(Certificate.completion).contains_eager(Completion.user))
        .where(Certificate.id == certificate_id))


def person_record(user_id: int) -> tuple[User, list[Membership], list[Certificate]] | None:
    """A person, every membership (current and past, with venue) and every certificate."""
    user = db.session.get(User, user_id)
    if user is None:
        return None
    memberships = list(db.session.scalars(
        select(Membership).join(Membership.venue).options(contains_eager(Membership.venue))
        .where(Membership.user_id == user_id)
        .order_by(Membership.left_at.is_not(None), Membership.joined_at.desc())))
    certificates = list(db.session.scalars(
        select(Certificate).join(Certificate.completion)
        .options(contains_eager(Certificate.completion))
        .where(Completion.user_id == user_id).order_by(Completion.passed_at.desc())))
    return user, memberships, certificates
