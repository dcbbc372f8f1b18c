"""Photo intake: accept JPEG, PNG or WebP by their content (never the name or the
declared type), re-encode with Pillow so that EXIF (GPS position!) and anything hidden
in the file is dropped, and store under a random name.

Shared by the shop's listing photos and the cadre's proof-of-delivery photos.
"""

from __future__ import annotations

import io
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from PIL import Image, ImageOps, UnidentifiedImageError

from core.errors import CoreError
from core.settings import instance_dir

MAX_PHOTO_BYTES = 5 * 1024 * 1024
# Both read from the header, before any pixel is decoded: a few KB of PNG can describe a
# 20000 × 20000 picture (a decompression bomb) or 160 MB of RGBA pixels.
MAX_PIXELS = 40_000_000
MAX_DECODED_BYTES = 64 * 1024 * 1024  # a 12-megapixel phone photo is 36 MB as RGB
_BYTES_PER_PIXEL = {"1": 1, "L": 1, "P": 1, "LA": 2, "PA": 2, "RGB": 3, "YCbCr": 3}
ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP"})
FULL_SIZE = 1600
THUMB_SIZE = 360
NAME_ALPHABET_BYTES = 16


@dataclass(frozen=True)
class StoredPhoto:
    name: str
    width: int
    height: int


def default_photo_dir() -> Path:
    """Where photos live unless the app sets ``PHOTO_DIR``: ``CUNZHAN_PHOTO_DIR`` or
    ``instance/photos``."""
    return Path(os.environ.get("CUNZHAN_PHOTO_DIR") or instance_dir() / "photos")


def photo_dir() -> Path:
    """The app's ``PHOTO_DIR`` when set, else ``default_photo_dir()`` (in a request)."""
    configured = current_app.config.get("PHOTO_DIR")
    return Path(configured) if configured else default_photo_dir()


def photo_path(directory: Path, name: str, *, thumb: bool = False) -> Path:
    return directory / (f"{name}_t.jpg" if thumb else f"{name}.jpg")


def decoded_bytes(image: Image.Image) -> int:
    """The memory the pixels will take once decoded (after any JPEG draft scaling)."""
    return image.width * image.height * _BYTES_PER_PIXEL.get(image.mode, 4)


def _check_size(image: Image.Image) -> None:
    """Refuse, from the header alone, a picture too large to decode in a web worker."""
    if image.width * image.height > MAX_PIXELS:
        raise CoreError("photo_too_many_pixels")
    image.draft("RGB", (FULL_SIZE, FULL_SIZE))  # JPEG decodes at 1/2..1/8 scale: less memory
    if decoded_bytes(image) > MAX_DECODED_BYTES:
        raise CoreError("photo_too_many_pixels")


def _decode(data: bytes) -> Image.Image:
    if len(data) > MAX_PHOTO_BYTES:
        raise CoreError("photo_too_large")
    try:
        image = Image.open(io.BytesIO(data))
        if image.format not in ACCEPTED_FORMATS:
            raise CoreError("photo_format")
        _check_size(image)
        image.load()
    except Image.DecompressionBombError as error:  # Pillow's own cap, met at open
        raise CoreError("photo_too_many_pixels") from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise CoreError("photo_unreadable") from error
    return image


def _flatten(image: Image.Image) -> Image.Image:
    """Shrink to the stored size first (so every copy below is small), then turn the picture
    upright (by its EXIF orientation) and into plain RGB on white."""
    image.thumbnail((FULL_SIZE, FULL_SIZE))
    image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA", "P"):
        image = image.convert("RGBA")
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image, mask=image.getchannel("A"))
        return background
    return image.convert("RGB")


def _save(image: Image.Image, path: Path, size: int) -> None:
    copy = image.copy()
    copy.thumbnail((size, size))
    copy.save(path, "JPEG", quality=82, optimize=True)  # no exif= given: none is written


def store_photo(directory: Path, data: bytes) -> StoredPhoto:
    """Check, re-encode and store one uploaded photo; raises 413/422 errors for bad ones."""
    image = _flatten(_decode(data))
    directory.mkdir(parents=True, exist_ok=True)
    name = secrets.token_hex(NAME_ALPHABET_BYTES)
    _save(image, photo_path(directory, name), FULL_SIZE)
    _save(image, photo_path(directory, name, thumb=True), THUMB_SIZE)
    with Image.open(photo_path(directory, name)) as stored:
        return StoredPhoto(name=name, width=stored.width, height=stored.height)


def delete_photo(directory: Path, name: str) -> None:
    for thumb in (False, True):
        photo_path(directory, name, thumb=thumb).unlink(missing_ok=True)
