"""Settings read from environment variables, with safe defaults for development.

Production (``CUNZHAN_ENV=production``) refuses to start with the development
SECRET_KEY or without Stripe secrets: see ``Settings.check_production``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEVELOPMENT_SECRET_KEY = "dev-only-not-secret"  # noqa: S105 - refused in production


class ConfigurationError(RuntimeError):
    """The environment does not describe a configuration the app may run with."""


def instance_dir() -> Path:
    """``CUNZHAN_INSTANCE_DIR``, read when asked (not at import), else ``./instance``."""
    return Path(os.environ.get("CUNZHAN_INSTANCE_DIR") or Path.cwd() / "instance")


def default_database_url() -> str:
    return f"sqlite:///{instance_dir() / 'cunzhan.sqlite3'}"


def _seconds(raw: str | None, default: float) -> float | None:
    """A timeout in seconds from the environment; ``0`` turns it off."""
    if raw is None or not raw.strip():
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigurationError(f"not a number of seconds: {raw!r}") from None
    return value if value > 0 else None


def _cache_seconds(raw: str | None) -> float:
    """STOREFRONT_CACHE_SECONDS: 0 turns the cache off (``_seconds`` says None for that)."""
    return _seconds(raw, 5.0) or 0.0


def _proxy_hops(raw: str) -> int:
    text = raw.strip() or "0"
    if not (text.isascii() and text.isdigit() and int(text) <= 5):
        raise ConfigurationError("TRUSTED_PROXIES must be a number of proxy hops from 0 to 5")
    return int(text)


@dataclass(frozen=True)
class Settings:
    environment: str = "development"
    secret_key: str = DEVELOPMENT_SECRET_KEY
    database_url: str = field(default_factory=default_database_url)
    celery_broker_url: str | None = None
    # Seconds a task taken by a worker stays invisible to the others (Redis); a worker lost
    # mid-task has its task handed to another worker after this. Longer than any task runs.
    celery_visibility_timeout: float = 600.0
    ratelimit_storage_url: str = "memory://"
    stripe_secret_key: str | None = None
    stripe_publishable_key: str | None = None
    stripe_webhook_secret: str | None = None
    stripe_api_base: str | None = None
    stripe_js_url: str = "https://js.stripe.com/v3/"
    # What the Stripe account allows for immediate payments, e.g. "card,alipay,wechat_pay".
    stripe_payment_methods: tuple[str, ...] = ("card",)
    osrm_url: str | None = None
    # A folder of OpenStreetMap extracts; each township names its file (Township.osm_extract).
    # The demo writes its township's roads here.
    roads_dir: Path = field(default_factory=lambda: instance_dir() / "roads")
    # Where road tables are kept between plans (keyed by extract, profile and places).
    road_tables_dir: Path = field(default_factory=lambda: instance_dir() / "road-tables")
    # Seconds; see core.db (None: wait as long as it takes).
    database_connect_timeout: float | None = 3.0
    database_statement_timeout: float | None = 5.0
    # How many reverse proxies stand in front of the app (each appends to X-Forwarded-For):
    # 0 trusts no header, so behind a proxy every caller would share the proxy's address.
    trusted_proxies: int = 0
    # SMS: at most this many messages to one phone per day (Asia/Shanghai), then in-app only.
    sms_daily_cap: int = 10
    aliyun_sms_access_key_id: str | None = None
    aliyun_sms_access_key_secret: str | None = None
    aliyun_sms_sign_name: str | None = None
    aliyun_sms_template_codes: str | None = None  # "kind=SMS_123,kind=SMS_456"
    aliyun_sms_endpoint: str = "dysmsapi.aliyuncs.com"
    # The public pages' cache (core.cache): seconds an answer is kept (0: off), and Redis.
    storefront_cache_seconds: float = 5.0
    cache_redis_url: str | None = None

    @property
    def public_cache_redis_url(self) -> str | None:
        """CACHE_REDIS_URL, else the throttles' Redis: production, which must share the
        throttles between processes, then shares the cache too."""
        if self.cache_redis_url:
            return self.cache_redis_url
        if self.ratelimit_storage_url.startswith(("redis://", "rediss://")):
            return self.ratelimit_storage_url
        return None

    @property
    def aliyun_sms_configured(self) -> bool:
        return bool(
            self.aliyun_sms_access_key_id
            and self.aliyun_sms_access_key_secret
            and self.aliyun_sms_sign_name
            and self.aliyun_sms_template_codes
        )

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        return cls(
            environment=env.get("CUNZHAN_ENV", "development"),
            secret_key=env.get("SECRET_KEY", DEVELOPMENT_SECRET_KEY),
            database_url=env.get("DATABASE_URL") or default_database_url(),
            celery_broker_url=env.get("CELERY_BROKER_URL") or None,
            celery_visibility_timeout=float(env.get("CELERY_VISIBILITY_TIMEOUT") or 600),
            ratelimit_storage_url=env.get("RATELIMIT_STORAGE_URL", "memory://"),
            stripe_secret_key=env.get("STRIPE_SECRET_KEY") or None,
            stripe_publishable_key=env.get("STRIPE_PUBLISHABLE_KEY") or None,
            stripe_webhook_secret=env.get("STRIPE_WEBHOOK_SECRET") or None,
            stripe_api_base=env.get("STRIPE_API_BASE") or None,
            stripe_js_url=env.get("STRIPE_JS_URL") or "https://js.stripe.com/v3/",
            stripe_payment_methods=tuple(
                m.strip() for m in env.get("STRIPE_PAYMENT_METHODS", "card").split(",") if m.strip()
            ),
            osrm_url=env.get("OSRM_URL") or None,
            roads_dir=Path(env.get("ROADS_DIR") or instance_dir() / "roads"),
            road_tables_dir=Path(env.get("ROAD_TABLES_DIR") or instance_dir() / "road-tables"),
            database_connect_timeout=_seconds(env.get("DATABASE_CONNECT_TIMEOUT"), 3.0),
            database_statement_timeout=_seconds(env.get("DATABASE_STATEMENT_TIMEOUT"), 5.0),
            trusted_proxies=_proxy_hops(env.get("TRUSTED_PROXIES", "0")),
            sms_daily_cap=int(env.get("SMS_DAILY_CAP") or 10),
            aliyun_sms_access_key_id=env.get("ALIYUN_SMS_ACCESS_KEY_ID") or None,
            aliyun_sms_access_key_secret=env.get("ALIYUN_SMS_ACCESS_KEY_SECRET") or None,
            aliyun_sms_sign_name=env.get("ALIYUN_SMS_SIGN_NAME") or None,
            aliyun_sms_template_codes=env.get("ALIYUN_SMS_TEMPLATE_CODES") or None,
            aliyun_sms_endpoint=env.get("ALIYUN_SMS_ENDPOINT") or "dysmsapi.aliyuncs.com",
            storefront_cache_seconds=_cache_seconds(env.get("STOREFRONT_CACHE_SECONDS")),
            cache_redis_url=env.get("CACHE_REDIS_URL") or None,
        )

    def check_production(self) -> None:
        """Raise unless a production configuration carries real secrets."""
        if not self.is_production:
            return
        problems = []
        if self.secret_key == DEVELOPMENT_SECRET_KEY or len(self.secret_key) < 32:
            problems.append("SECRET_KEY must be set to a random value of 32+ characters")
        if not (self.stripe_secret_key and self.stripe_webhook_secret):
            problems.append("STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET must be set")
        if self.ratelimit_storage_url.startswith("memory://"):
            problems.append("RATELIMIT_STORAGE_URL must point at shared storage (e.g. redis://)")
        if self.storefront_cache_seconds > 0 and self.public_cache_redis_url is None:
            problems.append(
                "CACHE_REDIS_URL must be set (or STOREFRONT_CACHE_SECONDS=0): a cache per"
                " process would show stock another process has sold"
            )
        if problems:
            raise ConfigurationError("; ".join(problems))
