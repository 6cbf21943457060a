from flask import Blueprint

bp = Blueprint("venues", __name__)

from training_portal.venues import views  # noqa: E402,F401  (routes register on bp)
