"""Helpers for tests of the learner's journey (lessons, quizzes, certificates)."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import select

from training_portal.extensions import db
from training_portal.learning.models import Attempt


def module(app: Flask, slug: str) -> Any:
    return app.extensions["catalog"].current.get(slug)


def read_pages(client: Any, slug: str) -> None:
    """Open every page of the lesson, as the quiz opens only once each has been read."""
    number = 1
    while client.get(f"/modules/{slug}/{number}").status_code == 200:
        number += 1


def start_quiz(client: Any, slug: str) -> str:
    """Read the lesson, then start (or resume) the quiz; returns the attempt's public id."""
    read_pages(client, slug)
    response = client.post(f"/modules/{slug}/quiz/start")
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"].rsplit("/", 1)[-1]


def stored_attempt(app: Flask, public_id: str) -> Attempt:
    with app.app_context():
        return db.session.scalar(select(Attempt).where(Attempt.public_id == public_id))


def answers_for(app: Flask, public_id: str, slug: str, right: bool = True) -> dict[str, list[str]]:
    """Form data answering every drawn question right (or every one wrong)."""
    bank = module(app, slug).quiz
    data: dict[str, list[str]] = {}
    for item in stored_attempt(app, public_id).drawn:
        question = bank.question(item["question"])
        correct = sorted(question.correct_ids)
        wrong = [c.id for c in question.choices if not c.is_correct][:1]
        data[f"q-{question.id}"] = correct if right else wrong
    return data


def pass_quiz(app: Flask, client: Any, slug: str) -> str:
    public_id = start_quiz(client, slug)
    response = client.post(f"/quiz/{public_id}", data=answers_for(app, public_id, slug))
    assert response.status_code == 302
    return public_id
