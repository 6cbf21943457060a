"""The live catalog, as requests see it; staff only ever get published modules."""

from __future__ import annotations

from flask import abort, current_app

from training_portal.catalog import Catalog, CatalogHolder
from training_portal.modules.content import Module


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
