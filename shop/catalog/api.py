"""``GET /api/v1/products`` and ``GET /api/v1/products/{id}`` of the public API."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, url_for
from flask_smorest import Blueprint

from core.access import public
from core.cache import public_cache
from core.flask_db import get_session
from core.schemas import ErrorSchema
from shop.catalog import services
from shop.catalog.models import CHINESE_UNIT, Category, Product
from shop.catalog.schemas import ProductDetailOut, ProductPageOut, ProductQuery

blueprint = Blueprint(
    "catalog_api", __name__, url_prefix="/api/v1/products", description="商品 (listed products)"
)


def product_payload(product: Product, stock: int) -> dict[str, Any]:
    return {
        "id": product.id,
        "title": product.title,
        "price_fen": product.price_fen,
        "unit": CHINESE_UNIT[product.unit],  # stable for clients: not translated
        "stock": stock,
        "village": product.origin_village.name,
        "farmer": product.seller.name,
        "ships": product.ships,
        "packed_weight_g": product.packed_weight_g,
        "max_journey_days": product.max_journey_days,
    }


@blueprint.route("")
@blueprint.arguments(ProductQuery, location="query")
@blueprint.response(200, ProductPageOut)
@blueprint.alt_response(422, schema=ErrorSchema, description="bad query")
@public
def list_products(query: dict[str, Any]) -> Response:
    """Listed products, newest first, 20 a page; filter by words, category, village and
    ``ships`` (what goes by courier to buyers anywhere).

    Answers are cached, and dropped as soon as a listing, price or stock changes."""
    key = ("api-products", tuple(sorted(query.items())))
    return _json(public_cache().get_or_build(key, lambda: _product_page(query)))


def _json(body: bytes) -> Response:
    return current_app.response_class(body, mimetype="application/json")


def _product_page(query: dict[str, Any]) -> bytes:
    session = get_session()
    category = Category(query["category"]) if "category" in query else None
    found = services.browse(
        session,
        q=query["q"],
        category=category,
        village_id=query.get("village"),
        ships=query.get("ships"),
        page=query["page"],
    )
    stock = services.stock_of(session, found.items)
    page = {
        "items": [product_payload(p, stock[p.id]) for p in found.items],
        "page": found.page,
        "pages": found.pages,
    }
    body: str = ProductPageOut().dumps(page)
    return body.encode()


@blueprint.route("/<int:product_id>")
@blueprint.response(200, ProductDetailOut)
@blueprint.alt_response(404, schema=ErrorSchema, description="no such listed product")
@public
def get_product(product_id: int) -> Response:
    """One listed product with its stock (cached, dropped when it changes)."""
    key = ("api-product", product_id)
    return _json(public_cache().get_or_build(key, lambda: _product_detail(product_id)))


def _product_detail(product_id: int) -> bytes:
    session = get_session()
    product = services.listed_product(session, product_id)
    detail = {
        **product_payload(product, services.stock_of(session, [product])[product.id]),
        "description": product.description,
        "category": product.category.value,
        "photos": [url_for("catalog.photo", name=photo.name) for photo in product.photos],
    }
    body: str = ProductDetailOut().dumps(detail)
    return body.encode()
