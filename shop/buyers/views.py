"""The address book pages. The district is picked in three server-rendered steps (province,
then city, then district with the rest of the address), so it works on any phone, with or
without JavaScript."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from core.access import require_account, signed_in
from core.errors import CunzhanError
from core.flask_db import get_session, unit_of_work
from core.security import same_site_path
from shop.buyers import divisions, services

blueprint = Blueprint(
    "buyers",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/buyers",
)


def _back() -> str | None:
    return same_site_path(request.values.get("next"))


@blueprint.route("/my/addresses")
@signed_in
def addresses() -> str:
    found = services.addresses_of(get_session(), user=require_account())
    return render_template("buyers/addresses.html", addresses=found, next=_back())


def _picker_levels(province: str, city: str) -> tuple[list[divisions.Division], ...]:
    """The lists the page shows: provinces, the chosen province's cities (none for a
    municipality) and the districts to pick from once the level above is chosen."""
    known = {p.code for p in divisions.provinces()}
    if province not in known:
        return divisions.provinces(), [], []
    under = divisions.children(province)
    if under and len(under[0].code) == divisions.DISTRICT_CODE_LENGTH:  # a municipality
        return divisions.provinces(), [], under
    if city not in {c.code for c in under}:
        return divisions.provinces(), under, []
    return divisions.provinces(), under, divisions.children(city)


@blueprint.route("/my/addresses/new", methods=["GET", "POST"])
@signed_in
def new_address() -> str | Response | tuple[str, int]:
    province = request.values.get("province", "")
    city = request.values.get("city", "")
    error = None
    if request.method == "POST":
        data = services.AddressInput(
            recipient=request.form.get("recipient", ""),
            phone=request.form.get("phone", ""),
            division_code=request.form.get("district", ""),
            street=request.form.get("street", ""),
        )
        try:
            with unit_of_work() as session:
                services.add_address(session, user=require_account(), data=data)
        except CunzhanError as error_:
            error = error_.message
        else:
            flash(_("地址已保存"), "success")
            return redirect(_back() or url_for("buyers.addresses"))
    provinces, cities, districts = _picker_levels(province, city)
    page = render_template(
        "buyers/new_address.html",
        provinces=provinces,
        cities=cities,
        districts=districts,
        province=province,
        city=city,
        error=error,
        form=request.form,
        next=_back(),
    )
    return (page, 422) if error else page


@blueprint.route("/my/addresses/<int:address_id>/remove", methods=["POST"])
@signed_in
def remove_address(address_id: int) -> Response:
    with unit_of_work() as session:
        services.remove_address(session, user=require_account(), address_id=address_id)
    flash(_("地址已删除"), "success")
    return redirect(url_for("buyers.addresses"))
