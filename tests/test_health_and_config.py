from __future__ import annotations

import pytest

from training_portal import create_app
from training_portal.config import DEV_SECRET_KEY, ConfigError, normalise_database_url


def test_healthz_answers_200_with_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_healthz_answers_503_without_database(tmp_path):
    app = create_app({"TESTING": True,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/dir/db.sqlite3"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503


@pytest.mark.parametrize("key", [DEV_SECRET_KEY, "", "short"])
def test_production_refuses_missing_or_default_secret_key(key):
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"PORTAL_ENV": "production", "SECRET_KEY": key})


def test_production_starts_with_a_real_key(tmp_path):
    app = create_app({"PORTAL_ENV": "production", "SECRET_KEY": "k" * 64,
                      "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/11",
                      "MAIL_BACKEND": "smtp", "MAIL_SERVER": "smtp.example.org",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.sqlite3"})
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_postgres_urls_use_psycopg_3():
    assert normalise_database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("sqlite:///x") == "sqlite:///x"


def test_pages_carry_security_headers(client):
    headers = client.get("/").headers
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_error_pages_share_the_site_look(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Page not found" in page and "/static/site." in page


def test_sqlite_connections_use_wal_and_a_busy_timeout(tmp_path):
    from sqlalchemy import create_engine, text

    import training_portal.db  # noqa: F401  (installs the connect hook)

    engine = create_engine(f"sqlite:///{tmp_path}/wal.sqlite3")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 5000
    engine.dispose()


def test_unexpected_errors_get_the_friendly_500_page(make_app):
    app = make_app(TESTING=False)

    @app.route("/boom")
    def boom():  # pragma: no cover - the test calls it through the client
        raise RuntimeError("boom")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert "Nothing you entered is lost" in response.get_data(as_text=True)
