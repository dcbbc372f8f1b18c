"""The OpenAPI 3 document (``/api/openapi.json``) and interactive docs (``/api/docs``).

The docs page is Swagger UI served from the ``swagger-ui-bundle`` package (no CDN, so it works
offline and under the same strict Content-Security-Policy as every page: its start-up code is
``core/static/api-docs.js``, not an inline script).
"""

from __future__ import annotations

from typing import Any

import swagger_ui_bundle
from flask import Blueprint, Flask, render_template
from flask_smorest import Api

from core.access import public
from core.schemas import ErrorSchema

docs_ui = Blueprint(
    "api_docs_ui",
    __name__,
    static_folder=str(swagger_ui_bundle.swagger_ui_path),
    static_url_path="/api/docs/assets",
)


@docs_ui.route("/api/docs")
@public
def swagger_ui() -> str:
    return render_template("core/api_docs.html")


class CunzhanApi(Api):  # type: ignore[misc]
    """flask-smorest's Api, documenting errors in Cunzhan's ``{"error": {...}}`` shape."""

    ERROR_SCHEMA = ErrorSchema


API_CONFIG: dict[str, Any] = {
    "API_TITLE": "Cunzhan 村站 API",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api",
    "OPENAPI_JSON_PATH": "openapi.json",
    "API_SPEC_OPTIONS": {
        "info": {"description": "Session-cookie auth; send X-CSRFToken on every write."},
        "components": {
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "session"},
                "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRFToken"},
            }
        },
    },
}


def make_api(app: Flask) -> CunzhanApi:
    for key, value in API_CONFIG.items():
        app.config.setdefault(key, value)
    app.register_blueprint(docs_ui)
    return CunzhanApi(app)
