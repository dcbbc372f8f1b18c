"""Pages of the catalog: the storefront (``/products``), the seller's listings and the
station's review queue, and the photo route with its access policy."""

from __future__ import annotations

import re

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.wrappers import Response

from core.access import current_account, public, require_account, roles
from core.cache import public_cache
from core.errors import CunzhanError
from core.flask_db import get_session, unit_of_work
from core.models import Role
from core.parse import query_int
from core.photos import photo_dir, photo_path
from shop.catalog import services
from shop.catalog.forms import ListingForm, RejectForm, StockForm
from shop.catalog.models import (
    CATEGORY_NAMES,
    Category,
    ListingStatus,
    Product,
    ProductPhoto,
    Unit,
)

catalog = Blueprint("catalog", __name__, template_folder="templates")
listings = Blueprint("listings", __name__, template_folder="templates")
PHOTO_NAME = re.compile(r"^[0-9a-f]{32}$")
SELLERS = (Role.FARMER, Role.SUPPLIER)


# --- storefront ----------------------------------------------------------------------


def _category_arg() -> Category | None:
    value = request.args.get("category", "")
    return Category(value) if value in Category.__members__.values() else None


def _storefront_body(
    q: str, category: Category | None, village: int | None, ships: bool, page: int
) -> str:
    """Built once for every visitor with the same cache key, so it may show nothing of the
    request but the key: the pager and the search form carry only ``q``, category, village
    (never the first visitor's whole query string, which would be shown to the next ones)."""
    session = get_session()
    found = services.browse(
        session, q=q, category=category, village_id=village, ships=ships or None, page=page
    )
    shown = {
        "q": q,
        "category": category.value if category else "",
        "village": village or "",
        "ships": "1" if ships else "",
    }
    return render_template(
        "catalog/_storefront_body.html",
        found=found,
        stock=services.stock_of(session, found.items),
        villages=services.all_villages(session),
        categories=CATEGORY_NAMES,
        args=MultiDict({name: str(value) for name, value in shown.items() if value}),
    )


@catalog.route("/products")
@public
def storefront() -> str:
    """The page around the visitor (name, token) is fresh; the listing comes from the public
    cache, which a change of listing, price or stock drops at once (core/cache.py)."""
    q, category = request.args.get("q", "")[:60], _category_arg()
    village, page = query_int("village"), query_int("page", high=100_000) or 1
    ships = request.args.get("ships") == "1"  # only what goes by courier to buyers anywhere
    key = ("storefront", str(get_locale()), q, category, village, ships, page)
    body = public_cache().get_or_build(
        key, lambda: _storefront_body(q, category, village, ships, page)
    )
    return render_template("catalog/storefront.html", body=Markup(body))  # noqa: S704 - our template


@catalog.route("/products/<int:product_id>")
@public
def product_page(product_id: int) -> str:
    session, user = get_session(), current_account()
    product = services.viewable_product(session, user=user, product_id=product_id)
    return render_template(
        "catalog/product.html",
        product=product,
        station=user.household.village if user and user.household else None,
        stock=services.stock_of(session, [product])[product.id],
        categories=CATEGORY_NAMES,
    )


@catalog.route("/photos/<name>")
@catalog.route("/photos/<name>/thumb", endpoint="photo_thumb", defaults={"thumb": True})
@public
def photo(name: str, thumb: bool = False) -> Response:
    """Photos of listed products are public; others only for the seller and the agent."""
    if not PHOTO_NAME.match(name):
        abort(404)
    session = get_session()
    found = session.scalar(select(ProductPhoto).where(ProductPhoto.name == name))
    if found is None:
        abort(404)
    product = services.viewable_product(
        session, user=current_account(), product_id=found.product_id
    )
    path = photo_path(photo_dir(), name, thumb=thumb)
    if not path.exists():
        abort(404)
    listed = product.status is ListingStatus.LISTED
    response = send_file(path, mimetype="image/jpeg", max_age=86400 if listed else 0)
    if listed:
        response.cache_control.public = True
    else:  # a pending product's photo must not linger in shared caches
        response.cache_control.private = True
        response.cache_control.no_store = True
    return response


# --- the seller's listings -----------------------------------------------------------


@listings.route("/my/listings")
@roles(*SELLERS)
def my_listings() -> str:
    session = get_session()
    products = services.seller_products(session, seller=require_account())
    return render_template(
        "catalog/my_listings.html",
        products=products,
        stock=services.stock_of(session, products),
    )


def _listing_form(product: Product | None = None) -> ListingForm:
    form = ListingForm(obj=None)
    villages = services.township_villages(get_session(), user=require_account())
    form.origin_village.choices = [(v.id, v.name) for v in villages]
    if request.method == "GET" and product is not None:
        form.title.data, form.description.data = product.title, product.description
        form.category.data, form.unit.data = product.category.value, product.unit.value
        form.price.data = f"{product.price_fen // 100}.{product.price_fen % 100:02d}"
        form.weight_g.data, form.origin_village.data = product.weight_g, product.origin_village_id
        form.ships.data, form.packed_weight_g.data = product.ships, product.packed_weight_g
        form.max_journey_days.data = product.max_journey_days
    elif request.method == "GET" and villages:
        user = require_account()
        form.origin_village.data = user.household.village_id if user.household else villages[0].id
    return form


def _input(form: ListingForm) -> services.ListingInput:
    return services.ListingInput(
        title=form.title.data or "",
        description=form.description.data or "",
        category=Category(form.category.data),
        unit=Unit(form.unit.data),
        price_fen=form.price_fen,
        origin_village_id=form.origin_village.data,
        weight_g=form.weight_g.data,
        ships=bool(form.ships.data),
        packed_weight_g=form.packed_weight_g.data,
        max_journey_days=form.max_journey_days.data,
    )


def _uploads(form: ListingForm) -> list[bytes]:
    files: list[FileStorage] = [f for f in (form.photos.data or []) if f and f.filename]
    return [f.read() for f in files]


def _save_listing(form: ListingForm, product_id: int | None) -> int:
    """Create or update the product, add the photos and stock, submit if asked; one transaction."""
    seller = require_account()
    with unit_of_work() as session:
        if product_id is None:
            product_id = services.create_listing(session, seller=seller, data=_input(form)).id
        else:
            services.update_listing(
                session, seller=seller, product_id=product_id, data=_input(form)
            )
        for data in _uploads(form):
            services.add_photo(
                session, seller=seller, product_id=product_id, directory=photo_dir(), data=data
            )
        if form.stock.data:
            services.add_stock(
                session, seller=seller, product_id=product_id, quantity=form.stock.data
            )
        if request.form.get("action") == "submit":
            services.submit_for_review(session, seller=seller, product_id=product_id)
    return product_id


@listings.route("/my/listings/new", methods=["GET", "POST"])
@roles(*SELLERS)
def new_listing() -> str | Response | tuple[str, int]:
    form = _listing_form()
    return _listing_page(form, None)


@listings.route("/my/listings/<int:product_id>", methods=["GET", "POST"])
@roles(*SELLERS)
def edit_listing(product_id: int) -> str | Response | tuple[str, int]:
    product = services.own_product(get_session(), seller=require_account(), product_id=product_id)
    return _listing_page(_listing_form(product), product)


def _listing_page(form: ListingForm, product: Product | None) -> str | Response | tuple[str, int]:
    def page(error: str | None = None, status: int = 200) -> tuple[str, int]:
        on_sale = services.stock_of(get_session(), [product])[product.id] if product else 0
        return render_template(
            "catalog/listing_form.html",
            form=form,
            product=product,
            error=error,
            stock_form=StockForm(),
            on_sale=on_sale,
        ), status

    if not form.validate_on_submit():
        return page(status=422 if form.is_submitted() else 200)
    try:
        product_id = _save_listing(form, product.id if product else None)
    except CunzhanError as error:
        return page(error.message, error.status)
    status = get_session().get_one(Product, product_id).status
    saved = {
        ListingStatus.PENDING_REVIEW: _("已提交，等待村站审核"),
        ListingStatus.LISTED: _("已保存"),
    }
    flash(saved.get(status, _("已保存草稿")), "success")
    return redirect(url_for("listings.edit_listing", product_id=product_id))


def _seller_action(product_id: int, action: str) -> Response:
    seller = require_account()
    with unit_of_work() as session:
        if action == "submit":
            services.submit_for_review(session, seller=seller, product_id=product_id)
        elif action == "delist":
            services.delist(session, user=seller, product_id=product_id)
    flash(_("已提交审核") if action == "submit" else _("已下架"), "success")
    return redirect(url_for("listings.edit_listing", product_id=product_id))


@listings.route("/my/listings/<int:product_id>/submit", methods=["POST"])
@roles(*SELLERS)
def submit_listing(product_id: int) -> Response:
    return _seller_action(product_id, "submit")


@listings.route("/my/listings/<int:product_id>/delist", methods=["POST"])
@roles(*SELLERS)
def delist_listing(product_id: int) -> Response:
    return _seller_action(product_id, "delist")


@listings.route("/my/listings/<int:product_id>/stock", methods=["POST"])
@roles(*SELLERS)
def add_stock(product_id: int) -> Response:
    form = StockForm()
    if not form.validate_on_submit():
        abort(422, description=_("请填写 1 到 1000 的整数"))
    with unit_of_work() as session:
        left = services.add_stock(
            session, seller=require_account(), product_id=product_id, quantity=form.quantity.data
        )
    flash(_("库存已更新，现可售 %(n)s", n=left), "success")
    return redirect(url_for("listings.edit_listing", product_id=product_id))


@listings.route("/my/listings/<int:product_id>/photos/<int:photo_id>/delete", methods=["POST"])
@roles(*SELLERS)
def delete_photo(product_id: int, photo_id: int) -> Response:
    with unit_of_work() as session:
        services.remove_photo(
            session,
            seller=require_account(),
            product_id=product_id,
            photo_id=photo_id,
            directory=photo_dir(),
        )
    flash(_("照片已删除"), "info")
    return redirect(url_for("listings.edit_listing", product_id=product_id))


# --- the station's review queue ------------------------------------------------------


@listings.route("/station/review")
@roles(Role.AGENT)
def review_queue() -> str:
    session = get_session()
    products = services.review_queue(session, agent=require_account())
    return render_template(
        "catalog/review_queue.html",
        products=products,
        stock=services.stock_of(session, products),
        categories=CATEGORY_NAMES,
        reject_form=RejectForm(),
    )


@listings.route("/station/review/<int:product_id>/approve", methods=["POST"])
@roles(Role.AGENT)
def approve(product_id: int) -> Response:
    with unit_of_work() as session:
        product = services.approve(session, agent=require_account(), product_id=product_id)
        flash(_("「%(title)s」已上架", title=product.title), "success")
    return redirect(url_for("listings.review_queue"))


@listings.route("/station/review/<int:product_id>/reject", methods=["POST"])
@roles(Role.AGENT)
def reject(product_id: int) -> Response:
    form = RejectForm()
    if not form.validate_on_submit():
        abort(422, description=_("请写明退回原因"))
    with unit_of_work() as session:
        product = services.reject(
            session, agent=require_account(), product_id=product_id, reason=form.reason.data or ""
        )
        flash(_("「%(title)s」已退回给卖家", title=product.title), "info")
    return redirect(url_for("listings.review_queue"))


@listings.route("/station/review/<int:product_id>/delist", methods=["POST"])
@roles(Role.AGENT)
def agent_delist(product_id: int) -> Response:
    with unit_of_work() as session:
        services.delist(session, user=require_account(), product_id=product_id)
    flash(_("已下架"), "info")
    return redirect(url_for("catalog.product_page", product_id=product_id))
