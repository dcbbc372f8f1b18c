"""The OpenAPI 3 document (``/api/openapi.json``) and interactive docs (``/api/docs``)."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_smorest import Api

from core.schemas import ErrorSchema


class CunzhanApi(Api):  # type: ignore[misc]
    """flask-smorest's Api, documenting errors in Cunzhan's ``{"error": {...}}`` shape."""

    ERROR_SCHEMA = ErrorSchema


API_CONFIG: dict[str, Any] = {
    "API_TITLE": "Cunzhan 村站 API",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api",
    "OPENAPI_JSON_PATH": "openapi.json",
    "OPENAPI_SWAGGER_UI_PATH": "docs",
    "OPENAPI_SWAGGER_UI_URL": "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/",
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
    return CunzhanApi(app)
