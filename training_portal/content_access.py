"""The live catalog, as requests see it; staff only ever get published modules."""

from __future__ import annotations

from flask import abort, current_app

from training_portal.modules.catalog import Catalog, CatalogHolder
from training_portal.modules.content import Module, Page


def holder() -> CatalogHolder:
    return current_app.extensions["catalog"]


def catalog() -> Catalog:
    return holder().current


def published_module_or_404(slug: str) -> Module:
    module = catalog().get(slug)
    if module is None or not module.is_published:
        abort(404)
    return module


def any_module_or_404(slug: str) -> Module:
    """Drafts included: for trainers' previews only."""
    module = catalog().get(slug)
    if module is None:
        abort(404)
    return module


def lesson_page_or_404(module: Module, number: int) -> Page:
    """Page ``number`` (1-based, as in the address) of the module."""
    if not 1 <= number <= len(module.pages):
        abort(404)
    return module.pages[number - 1]
