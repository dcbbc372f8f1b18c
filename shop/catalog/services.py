"""Listing, review and browsing of products. Plain functions: they flush, never commit.

Object-level access lives here: a seller touches only their own products (others' are
404, as if they did not exist), an agent reviews only the products stocked at their
own station (403 for another station's).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from core.cache import public_pages_changed
from core.models import Role, User, Village
from core.notices.models import NoticeKind
from core.notices.services import notify
from core.photos import delete_photo, store_photo
from core.timeutil import utcnow
from inventory import services as inventory
from inventory.models import StockLocation
from shop.catalog.models import (
    MAX_PHOTOS,
    Category,
    ListingStatus,
    Product,
    ProductPhoto,
    Unit,
    sku_of,
)
from shop.errors import ShopError

MAX_PRICE_FEN = 10_000_000  # ¥100,000 a unit is surely a typo
MAX_TITLE = 60
MAX_DESCRIPTION = 2000
MAX_REASON = 300
PER_PAGE = 20
SELLER_ROLES = frozenset({Role.FARMER, Role.SUPPLIER})


@dataclass(frozen=True)
class ListingInput:
    title: str
    description: str
    category: Category
    unit: Unit
    price_fen: int
    origin_village_id: int
    weight_g: int = 500
    ships: bool = False
    packed_weight_g: int | None = None  # what the courier weighs, box included
    max_journey_days: int | None = None  # perishables: the longest journey they survive


MAX_PACKED_WEIGHT_G = 30_000  # what one courier parcel may weigh
MAX_JOURNEY_DAYS = 30


@dataclass(frozen=True)
class ProductPage:
    items: list[Product]
    page: int
    pages: int
    total: int


# --- sellers -----------------------------------------------------------------------


def _seller_village(seller: User) -> Village:
    if not seller.roles & SELLER_ROLES:
        raise ShopError("sellers_only")
    if seller.household is None:
        raise ShopError("no_home_village")
    return seller.household.village


def _checked(session: Session, station: Village, data: ListingInput) -> ListingInput:
    title = data.title.strip()
    if not 0 < len(title) <= MAX_TITLE:
        raise ShopError("bad_title", most=MAX_TITLE)
    if len(data.description) > MAX_DESCRIPTION:
        raise ShopError("description_too_long", most=MAX_DESCRIPTION)
    price = data.price_fen
    if isinstance(price, bool) or not isinstance(price, int) or not 0 < price <= MAX_PRICE_FEN:
        raise ShopError("bad_price")
    if not 0 < data.weight_g <= 100_000:
        raise ShopError("bad_unit_weight")
    origin = session.get(Village, data.origin_village_id)
    if origin is None or origin.township_id != station.township_id:
        raise ShopError("origin_not_in_township")
    _check_shipping(data)
    return ListingInput(
        title,
        data.description.strip(),
        Category(data.category),
        Unit(data.unit),
        price,
        origin.id,
        data.weight_g,
        data.ships,
        data.packed_weight_g if data.ships else None,
        data.max_journey_days,
    )


def _check_shipping(data: ListingInput) -> None:
    """A product that ships says what it weighs packed; a perishable's journey is bounded."""
    if data.ships and not (
        data.packed_weight_g is not None and 0 < data.packed_weight_g <= MAX_PACKED_WEIGHT_G
    ):
        raise ShopError("bad_packed_weight", most=MAX_PACKED_WEIGHT_G // 1000)
    days = data.max_journey_days
    if days is not None and not 0 < days <= MAX_JOURNEY_DAYS:
        raise ShopError("bad_journey_days", most=MAX_JOURNEY_DAYS)


def create_listing(session: Session, *, seller: User, data: ListingInput) -> Product:
    """A new draft, stocked at the station of the seller's village."""
    station = _seller_village(seller)
    data = _checked(session, station, data)
    product = Product(
        seller_id=seller.id,
        location_id=inventory.station_location(session, village_id=station.id).id,
        title=data.title,
        description=data.description,
        category=data.category,
        unit=data.unit,
        price_fen=data.price_fen,
        origin_village_id=data.origin_village_id,
        weight_g=data.weight_g,
        ships=data.ships,
        packed_weight_g=data.packed_weight_g,
        max_journey_days=data.max_journey_days,
        status=ListingStatus.DRAFT,
    )
    session.add(product)
    session.flush()
    return product


def own_product(session: Session, *, seller: User, product_id: int) -> Product:
    product = session.get(Product, product_id)
    if product is None or product.seller_id != seller.id:
        raise ShopError("product_not_found")
    return product


EDITABLE_FIELDS = (
    "title",
    "description",
    "category",
    "unit",
    "price_fen",
    "origin_village_id",
    "weight_g",
    "ships",
    "packed_weight_g",
    "max_journey_days",
)


def update_listing(
    session: Session, *, seller: User, product_id: int, data: ListingInput
) -> Product:
    """The seller edits a listing in any state. A listed product that changes goes back to
    review and off the storefront until approved (buyers never pay a price the station has
    not seen); a pending one stays pending with the new text."""
    product = own_product(session, seller=seller, product_id=product_id)
    data = _checked(session, _seller_village(seller), data)
    changed = any(getattr(product, name) != getattr(data, name) for name in EDITABLE_FIELDS)
    for name in EDITABLE_FIELDS:
        setattr(product, name, getattr(data, name))
    if changed and product.status is ListingStatus.LISTED:
        product.move_to(ListingStatus.PENDING_REVIEW)
    session.flush()
    return product


def add_photo(
    session: Session, *, seller: User, product_id: int, directory: Path, data: bytes
) -> ProductPhoto:
    product = own_product(session, seller=seller, product_id=product_id)
    if len(product.photos) >= MAX_PHOTOS:
        raise ShopError("too_many_photos", most=MAX_PHOTOS)
    stored = store_photo(directory, data)
    photo = ProductPhoto(
        name=stored.name, width=stored.width, height=stored.height, position=len(product.photos)
    )
    product.photos.append(photo)
    public_pages_changed(session)
    session.flush()
    return photo


def remove_photo(
    session: Session, *, seller: User, product_id: int, photo_id: int, directory: Path
) -> None:
    product = own_product(session, seller=seller, product_id=product_id)
    photo = next((p for p in product.photos if p.id == photo_id), None)
    if photo is None:
        raise ShopError("photo_not_found")
    product.photos.remove(photo)
    public_pages_changed(session)
    session.flush()
    delete_photo(directory, photo.name)


def submit_for_review(session: Session, *, seller: User, product_id: int) -> Product:
    """Ask the station to review it; a listing already waiting (or back in review after an
    edit) just stays there."""
    product = own_product(session, seller=seller, product_id=product_id)
    if product.status is ListingStatus.PENDING_REVIEW:
        return product
    product.move_to(ListingStatus.PENDING_REVIEW)
    product.reject_reason = ""
    session.flush()
    return product


def add_stock(session: Session, *, seller: User, product_id: int, quantity: int) -> int:
    """The seller brings ``quantity`` more units to the station; returns units for sale."""
    product = own_product(session, seller=seller, product_id=product_id)
    inventory.receive(
        session,
        sku=product.sku,
        location_id=product.location_id,
        quantity=quantity,
        actor_id=seller.id,
        reason="农户送货到村站",
    )
    return inventory.available(session, sku=product.sku, location_id=product.location_id)


def delist(session: Session, *, user: User, product_id: int) -> Product:
    """The seller, or the agent of its station, takes a listed product off sale."""
    product = session.get(Product, product_id)
    if product is None or not (product.seller_id == user.id or _reviews(user, product)):
        raise ShopError("product_not_found")
    product.move_to(ListingStatus.DELISTED)
    session.flush()
    return product


def seller_products(session: Session, *, seller: User) -> Sequence[Product]:
    return session.scalars(
        select(Product)
        .where(Product.seller_id == seller.id)
        .options(selectinload(Product.photos))
        .order_by(Product.id.desc())
    ).all()


# --- station review ----------------------------------------------------------------


def _reviews(agent: User, product: Product) -> bool:
    return product.location.village_id in agent.villages_for(Role.AGENT)


def review_queue(session: Session, *, agent: User) -> Sequence[Product]:
    return session.scalars(
        select(Product)
        .join(StockLocation, Product.location_id == StockLocation.id)
        .where(
            Product.status == ListingStatus.PENDING_REVIEW,
            StockLocation.village_id.in_(agent.villages_for(Role.AGENT)),
        )
        .options(
            joinedload(Product.seller),
            joinedload(Product.origin_village),
            selectinload(Product.photos),
        )
        .order_by(Product.id)
    ).all()


def product_for_review(session: Session, *, agent: User, product_id: int) -> Product:
    product = session.get(Product, product_id)
    if product is None:
        raise ShopError("product_not_found")
    if not _reviews(agent, product):
        raise ShopError("not_your_station_product")
    return product


def approve(session: Session, *, agent: User, product_id: int) -> Product:
    product = product_for_review(session, agent=agent, product_id=product_id)
    product.move_to(ListingStatus.LISTED)
    product.reviewed_by_id, product.reviewed_at, product.reject_reason = agent.id, utcnow(), ""
    session.flush()
    _tell_seller(session, product, NoticeKind.LISTING_APPROVED)
    return product


def _tell_seller(session: Session, product: Product, kind: NoticeKind) -> None:
    """The review's outcome, once per review (keyed by when it was made)."""
    assert product.reviewed_at is not None
    notify(
        session,
        user_id=product.seller_id,
        kind=kind,
        event_key=f"listing:{product.id}:{kind.value}:{product.reviewed_at.isoformat()}",
        link=("listings.my_listings", {}),
        title=product.title,
        reason=product.reject_reason,
    )


def reject(session: Session, *, agent: User, product_id: int, reason: str) -> Product:
    """Send it back to the seller's drafts with a reason they will read."""
    reason = reason.strip()
    if not 0 < len(reason) <= MAX_REASON:
        raise ShopError("reject_reason_required")
    product = product_for_review(session, agent=agent, product_id=product_id)
    if product.status is not ListingStatus.PENDING_REVIEW:
        raise ShopError("not_pending_review")
    product.move_to(ListingStatus.DRAFT)
    product.reviewed_by_id, product.reviewed_at, product.reject_reason = agent.id, utcnow(), reason
    session.flush()
    _tell_seller(session, product, NoticeKind.LISTING_RETURNED)
    return product


# --- the storefront ----------------------------------------------------------------


def listed_product(session: Session, product_id: int) -> Product:
    product = session.get(Product, product_id)
    if product is None or product.status is not ListingStatus.LISTED:
        raise ShopError("product_not_found")
    return product


def viewable_product(session: Session, *, user: User | None, product_id: int) -> Product:
    """A listed product for anyone; an unlisted one only for its seller and its station agent."""
    product = session.get(Product, product_id)
    if product is None:
        raise ShopError("product_not_found")
    if product.status is ListingStatus.LISTED:
        return product
    if user is not None and (product.seller_id == user.id or _reviews(user, product)):
        return product
    raise ShopError("product_not_found")


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _listed_query(
    q: str, category: Category | None, village_id: int | None, ships: bool | None
) -> Select[Product]:
    query = select(Product).where(Product.status == ListingStatus.LISTED)
    if ships is not None:
        query = query.where(Product.ships.is_(ships))
    if q.strip():
        pattern = f"%{_escape_like(q.strip())}%"
        query = query.where(
            or_(
                Product.title.ilike(pattern, escape="\\"),
                Product.description.ilike(pattern, escape="\\"),
            )
        )
    if category is not None:
        query = query.where(Product.category == category)
    if village_id is not None:
        query = query.where(Product.origin_village_id == village_id)
    return query


def browse(
    session: Session,
    *,
    q: str = "",
    category: Category | None = None,
    village_id: int | None = None,
    ships: bool | None = None,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> ProductPage:
    """One page of listed products, newest first, filtered by words, category, village and
    whether they ship by courier.

    Two queries and one for the photos: the total, then the page with each seller and
    village joined; the sellers' role grants, which the storefront never shows, are not
    loaded. (A window count on the page's own query saves the first but costs five times
    as much on 10,000 products: it joins every matching row before the limit.)"""
    query = _listed_query(q, category, village_id, ships)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, math.ceil(total / per_page))
    page = min(max(page, 1), pages)
    items = session.scalars(
        query.options(
            joinedload(Product.seller).lazyload(User.grants),
            joinedload(Product.origin_village),
            selectinload(Product.photos),
        )
        .order_by(Product.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return ProductPage(list(items), page, pages, total)


def stock_of(session: Session, products: Sequence[Product]) -> dict[int, int]:
    """Units for sale of each product (0 when none was ever received)."""
    found = inventory.available_many(session, [(p.sku, p.location_id) for p in products])
    return {p.id: found.get((sku_of(p.id), p.location_id), 0) for p in products}


def township_villages(session: Session, *, user: User) -> Sequence[Village]:
    """The villages of the user's township (choices for a product's origin)."""
    if user.household is None:
        return []
    township_id = user.household.village.township_id
    return session.scalars(
        select(Village).where(Village.township_id == township_id).order_by(Village.id)
    ).all()


def all_villages(session: Session) -> Sequence[Village]:
    return session.scalars(select(Village).order_by(Village.id)).all()
