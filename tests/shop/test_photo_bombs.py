"""Issue #12 item 5: a photo is judged by its header (pixels, decoded memory) before a
single pixel is decoded, so a few KB of PNG cannot take a worker's memory or answer 500."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import CoreError
from core.models import User
from core.photos import MAX_DECODED_BYTES, store_photo
from shop.catalog.models import Product
from tests.shop.test_listings_input import farmer, listing_form, post_listing

__all__ = ["farmer"]  # the fixture, shared with the listing-form tests

RGBA, GREY = 6, 0  # PNG colour types


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_header(width: int, height: int, colour_type: int) -> bytes:
    """A PNG that says how large it is and carries a few rows: all Pillow reads at open."""
    header = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    rows = zlib.compress(b"\0" * 4096)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", rows)
        + _chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    "data",
    [
        png_header(20_000, 20_000, GREY),  # Pillow's DecompressionBombError at open
        png_header(6_300, 6_300, RGBA),  # under the pixel cap, 159 MB once decoded
        png_header(10_000, 4_100, GREY),  # 41 megapixels: over the pixel cap
    ],
)
def test_bombs_are_refused_from_the_header_with_413(tmp_path: Path, data: bytes) -> None:
    with pytest.raises(CoreError) as refused:
        store_photo(tmp_path, data)
    assert refused.value.code == "photo_too_many_pixels" and refused.value.status == 413


def test_a_large_ordinary_photo_is_still_taken(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (4_000, 3_000), (90, 140, 60)).save(buffer, "JPEG")
    assert MAX_DECODED_BYTES > 4_000 * 3_000 * 3
    stored = store_photo(tmp_path, buffer.getvalue())
    assert (stored.width, stored.height) == (1_600, 1_200)


def test_the_listing_form_answers_413_for_a_bomb(
    client: FlaskClient, db: Session, farmer: User, login: Callable[[User], str]
) -> None:
    bomb = png_header(20_000, 20_000, GREY)
    form = listing_form(farmer, photos=(io.BytesIO(bomb), "field.png"))
    response = post_listing(client, login(farmer), form)
    assert response.status_code == 413
    assert db.scalar(select(Product).where(Product.seller_id == farmer.id)) is None
