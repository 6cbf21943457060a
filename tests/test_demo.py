from __future__ import annotations

from sqlalchemy import func, select

from training_portal.accounts.models import User
from training_portal.demo import demo_cli
from training_portal.extensions import db


def test_demo_load_creates_everyone_once_and_prints_logins(app):
    runner = app.test_cli_runner()
    first = runner.invoke(demo_cli, ["load"])
    assert first.exit_code == 0, first.output
    assert "manager@demo.example" in first.output and "demo-password-1" in first.output
    assert "Demo certificate to check at /verify:" in first.output
    second = runner.invoke(demo_cli, ["load"])
    assert "already present" in second.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 4
        admin = db.session.scalar(select(User).where(User.email == "admin@demo.example"))
        assert admin.is_admin
    code = first.output.rsplit(":", 1)[1].strip()
    assert "Valid certificate" in app.test_client().get(f"/verify/{code}").get_data(True)
