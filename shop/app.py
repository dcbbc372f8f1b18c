"""The Flask app factory: the composition root that mounts every package's blueprints."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from core import account_views as core_account_views
from core import api as core_api
from core import idempotency
from core import views as core_views
from core.access import install_access
from core.auth import SIGNUP_THROTTLE_KEY, THROTTLE_KEY, load_user
from core.cache import init_public_cache
from core.db_faults import install_database_faults
from core.error_pages import install_error_handlers
from core.flask_db import init_database
from core.header import install_header, register_header_count
from core.i18n import install_i18n
from core.jobs import bind_flask
from core.notices.sms import sender_for
from core.notices.views import install_notices
from core.observability import install_request_ids
from core.openapi import make_api
from core.parse import IdConverter
from core.security import install_security_headers, login_throttle, signup_throttle
from core.settings import Settings
from core.throttle_store import report_throttle_stores
from errands import web as errands_web
from ledger import api as ledger_api
from ledger import cli as ledger_cli
from ledger import views as ledger_views
from logistics import web as logistics_web
from payments import cli as payments_cli
from payments import views as payments_views
from payments.gateways import CashGateway, Gateways, install_gateways
from payments.stripe_gateway import StripeGateway
from shop import cli
from shop import earnings as shop_earnings
from shop import views as home_views
from shop.buyers import api as buyers_api
from shop.buyers import views as buyers_views
from shop.catalog import api as catalog_api
from shop.catalog import views as catalog_views
from shop.county import views as county_views
from shop.groupbuys import api as groupbuys_api
from shop.groupbuys import tasks as groupbuys_tasks
from shop.groupbuys import views as groupbuys_views
from shop.orders import api as orders_api
from shop.orders import tasks as orders_tasks
from shop.orders import views as orders_views
from shop.orders.handlers import connect_handlers
from shop.shipping import api as shipping_api
from shop.shipping import tasks as shipping_tasks
from shop.shipping import views as shipping_views

TRANSLATIONS = str(Path(__file__).parent / "translations")
MAX_UPLOAD_BYTES = 5 * 1024 * 1024 + 64 * 1024  # a 5 MiB photo plus the form around it

csrf = CSRFProtect()


def _settings(config: Mapping[str, Any]) -> Settings:
    settings = Settings.from_env()
    overrides = {
        "database_url": config.get("DATABASE_URL"),
        "secret_key": config.get("SECRET_KEY"),
        "environment": config.get("CUNZHAN_ENV"),
        "ratelimit_storage_url": config.get("RATELIMIT_STORAGE_URL"),
        "database_connect_timeout": config.get("DATABASE_CONNECT_TIMEOUT"),
        "database_statement_timeout": config.get("DATABASE_STATEMENT_TIMEOUT"),
        "trusted_proxies": config.get("TRUSTED_PROXIES"),
        "cache_redis_url": config.get("CACHE_REDIS_URL"),
    }
    return Settings(**{**settings.__dict__, **{k: v for k, v in overrides.items() if v}})


def _configure(app: Flask, settings: Settings, config: Mapping[str, Any]) -> None:
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.is_production,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=settings.is_production,
        MAX_CONTENT_LENGTH=MAX_UPLOAD_BYTES,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
        JSON_SORT_KEYS=False,
        PROPAGATE_EXCEPTIONS=False,
        CUNZHAN_SETTINGS=settings,
        STOREFRONT_CACHE_SECONDS=settings.storefront_cache_seconds,
    )
    app.config.update(config)


def _install_payment_gateways(app: Flask, settings: Settings) -> None:
    online = (
        StripeGateway(
            settings.stripe_secret_key,
            api_base=settings.stripe_api_base,
            payment_method_types=settings.stripe_payment_methods,
        )
        if settings.stripe_secret_key
        else None
    )
    install_gateways(Gateways(cash=CashGateway(), online=online), app)


def _install_storefront(app: Flask, api: Any) -> None:
    """Catalog, listings, cart and orders; orders follow payments and logistics by signals."""
    api.register_blueprint(catalog_api.blueprint)
    api.register_blueprint(orders_api.orders_api)
    api.register_blueprint(orders_api.cart_api)
    api.register_blueprint(buyers_api.addresses_api)
    api.register_blueprint(buyers_api.divisions_api)
    api.register_blueprint(shipping_api.blueprint)
    app.register_blueprint(catalog_views.catalog)
    app.register_blueprint(catalog_views.listings)
    app.register_blueprint(orders_views.blueprint)
    app.register_blueprint(buyers_views.blueprint)
    app.register_blueprint(shipping_views.blueprint)
    app.register_blueprint(county_views.blueprint)
    app.cli.add_command(orders_tasks.inventory_group)
    connect_handlers()
    shop_earnings.connect()


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app. ``config`` overrides Flask settings and DATABASE_URL/SECRET_KEY."""
    config = dict(config or {})
    settings = _settings(config)
    settings.check_production()
    app = Flask(__name__, instance_relative_config=True)
    app.url_map.converters["int"] = IdConverter  # before any route: ids bounded, ASCII only
    _configure(app, settings, config)
    if not settings.is_production:
        app.logger.setLevel(logging.INFO)

    if settings.trusted_proxies:
        # The client's address and scheme as the nearest N proxies saw them: the address is
        # what the per-address throttles count. Entries further out are the caller's to forge;
        # Host is the proxy's own header (X-Forwarded-Host is not trusted).
        hops = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    database = init_database(
        app,
        settings.database_url,
        connect_timeout=settings.database_connect_timeout,
        statement_timeout=settings.database_statement_timeout,
    )
    app.extensions[THROTTLE_KEY] = login_throttle(settings.ratelimit_storage_url)
    init_public_cache(
        app, redis_url=settings.public_cache_redis_url, database_url=settings.database_url
    )
    app.extensions[SIGNUP_THROTTLE_KEY] = signup_throttle(settings.ratelimit_storage_url)
    install_i18n(app, [TRANSLATIONS])
    install_header(app)
    register_header_count(app, "cart", home_views.cart_count)
    idempotency.install(app)
    # Access first: an anonymous write is a 401, not a CSRF complaint.
    install_access(app, load_user)
    csrf.init_app(app)
    install_security_headers(app, production=settings.is_production)

    api = make_api(app)
    api.register_blueprint(core_api.blueprint)
    csrf.exempt(core_api.login)
    csrf.exempt(core_api.signup)
    app.register_blueprint(core_views.blueprint)
    app.register_blueprint(core_account_views.blueprint)
    install_notices(app, sender_for(settings, console_log=app.logger))
    app.register_blueprint(home_views.blueprint)
    _install_storefront(app, api)
    app.register_blueprint(payments_views.blueprint)
    api.register_blueprint(ledger_api.blueprint)
    app.register_blueprint(ledger_views.blueprint)
    logistics_web.install(app, api, throttle_storage_url=settings.ratelimit_storage_url)
    errands_web.install(app, api)
    api.register_blueprint(groupbuys_api.blueprint)
    app.register_blueprint(groupbuys_views.blueprint)
    csrf.exempt(payments_views.stripe_webhook)
    _install_payment_gateways(app, settings)

    cli.register(app)
    app.cli.add_command(payments_cli.payments_group)
    app.cli.add_command(ledger_cli.ledger_group)
    app.cli.add_command(groupbuys_tasks.groupbuys_group)
    app.cli.add_command(shipping_tasks.shipping_group)
    bind_flask(app)
    install_error_handlers(app)
    install_request_ids(app)
    install_database_faults(app, database.engine)
    report_throttle_stores(app)
    return app
