"""Factories shared by the storefront tests: a listed product with stock."""

from __future__ import annotations

import io

from PIL import Image
from sqlalchemy.orm import Session

from core.models import User
from shop.catalog import services
from shop.catalog.models import Category, Product, Unit


def png_bytes(size: tuple[int, int] = (64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 80, 60)).save(buffer, "PNG")
    return buffer.getvalue()


def listed_product(
    db: Session,
    farmer: User,
    agent: User,
    *,
    stock: int = 10,
    price_fen: int = 450,
    title: str = "桃源香米",
) -> Product:
    assert farmer.household is not None
    product = services.create_listing(
        db,
        seller=farmer,
        data=services.ListingInput(
            title=title,
            description="山泉水灌溉",
            category=Category.GRAIN,
            unit=Unit.JIN,
            price_fen=price_fen,
            origin_village_id=farmer.household.village_id,
        ),
    )
    if stock:
        services.add_stock(db, seller=farmer, product_id=product.id, quantity=stock)
    services.submit_for_review(db, seller=farmer, product_id=product.id)
    return services.approve(db, agent=agent, product_id=product.id)
