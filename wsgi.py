"""The WSGI entry point: ``gunicorn wsgi:app``."""

from training_portal import create_app

app = create_app()
