"""Mounts the logistics pages and API on the app (called by ``shop.app.create_app``)."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from logistics import api, dispatch_views, throttle, views
from logistics.outbound.views import outbound_pages


def install(app: Flask, rest_api: Api, *, throttle_storage_url: str) -> None:
    throttle.install(app, throttle_storage_url)
    rest_api.register_blueprint(api.blueprint)
    blueprints = (
        views.cadre,
        views.tracking_pages,
        views.station,
        dispatch_views.dispatch,
        outbound_pages,
    )
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
