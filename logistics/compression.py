"""Gzip for the cadre's pages and round: cadres pay for every kilobyte on cheap phones.

Applied per blueprint (not app-wide) to dynamic HTML and JSON answers; files streamed by
``send_file`` pass through untouched.
"""

from __future__ import annotations

import gzip

from flask import Response, request

MIN_BYTES = 1024
COMPRESSIBLE = ("text/html", "application/json")


def gzip_response(response: Response) -> Response:
    """Compress the body when the client accepts gzip and it is worth it."""
    if (
        response.status_code != 200
        or response.direct_passthrough
        or response.content_encoding
        or response.mimetype not in COMPRESSIBLE
        or "gzip" not in request.headers.get("Accept-Encoding", "")
    ):
        return response
    body = response.get_data()
    if len(body) >= MIN_BYTES:
        response.set_data(gzip.compress(body, compresslevel=6))
        response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    return response
