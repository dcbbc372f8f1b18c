"""Who carries the SMS: the console (the log) by default, Alibaba Cloud SMS when configured.

``make run`` and tests use :class:`ConsoleSms`. :class:`AliyunSms` uses the official SDK
(``alibabacloud-dysmsapi20170525``) with one approved template per kind of notice; it is
chosen when ``ALIYUN_SMS_ACCESS_KEY_ID``, ``ALIYUN_SMS_ACCESS_KEY_SECRET``,
``ALIYUN_SMS_SIGN_NAME`` and ``ALIYUN_SMS_TEMPLATE_CODES`` are all set.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any, Protocol

from flask import Flask, current_app

from core.notices.services import SmsJob
from core.settings import Settings

log = logging.getLogger("cunzhan.sms")
EXTENSION_KEY = "cunzhan.sms"


class SmsError(Exception):
    """The provider did not take the message (it may be tried again)."""


class SmsSender(Protocol):
    def send(self, job: SmsJob) -> str:
        """Send one message; answer the provider's id for it, or raise SmsError."""


class ConsoleSms:
    """Writes each message to the log instead of sending it (development, tests)."""

    def __init__(self, logger: logging.Logger = log) -> None:
        self.logger = logger

    def send(self, job: SmsJob) -> str:
        self.logger.info("SMS to %s: %s", job.phone, job.text)
        return f"console-{job.sms_id}"


class AliyunSms:
    """Alibaba Cloud SMS (短信服务) through its SDK: one ``SendSms`` call per message."""

    def __init__(
        self,
        *,
        access_key_id: str,
        access_key_secret: str,
        sign_name: str,
        template_codes: Mapping[str, str],
        endpoint: str = "dysmsapi.aliyuncs.com",
        protocol: str = "https",
    ) -> None:
        # Imported here so that a deployment without the keys needs nothing of the SDK.
        from alibabacloud_dysmsapi20170525.client import Client
        from alibabacloud_tea_openapi.models import Config

        self.sign_name = sign_name
        self.template_codes = dict(template_codes)
        self.client = Client(
            Config(
                access_key_id=access_key_id,
                access_key_secret=access_key_secret,
                endpoint=endpoint,
                protocol=protocol,
                connect_timeout=5000,
                read_timeout=10000,
            )
        )

    def send(self, job: SmsJob) -> str:
        from alibabacloud_dysmsapi20170525.models import SendSmsRequest

        template = self.template_codes.get(job.kind.value)
        if template is None:
            raise SmsError(f"no Aliyun template code for {job.kind.value}")
        request = SendSmsRequest(
            phone_numbers=job.phone,
            sign_name=self.sign_name,
            template_code=template,
            template_param=json.dumps(job.params, ensure_ascii=False),
            out_id=job.out_id,
        )
        try:
            response: Any = self.client.send_sms(request)
        except Exception as error:  # the SDK raises its own types for network and API errors
            raise SmsError(f"Aliyun SMS: {error}") from error
        body = response.body
        if body is None or body.code != "OK":
            code = getattr(body, "code", None)
            message = getattr(body, "message", None)
            raise SmsError(f"Aliyun SMS refused: {code} {message}")
        return str(body.biz_id)


def parse_template_codes(text: str) -> dict[str, str]:
    """``parcel_on_shelf=SMS_1234,order_ready=SMS_5678`` → {kind: template code}."""
    pairs = (item.split("=", 1) for item in text.split(",") if "=" in item)
    return {kind.strip(): code.strip() for kind, code in pairs if kind.strip() and code.strip()}


def sender_for(settings: Settings, *, console_log: logging.Logger = log) -> SmsSender:
    """Alibaba Cloud when every key is set, else the log (``console_log``)."""
    if settings.aliyun_sms_configured:
        assert settings.aliyun_sms_access_key_id and settings.aliyun_sms_access_key_secret
        return AliyunSms(
            access_key_id=settings.aliyun_sms_access_key_id,
            access_key_secret=settings.aliyun_sms_access_key_secret,
            sign_name=settings.aliyun_sms_sign_name or "",
            template_codes=parse_template_codes(settings.aliyun_sms_template_codes or ""),
            endpoint=settings.aliyun_sms_endpoint,
        )
    return ConsoleSms(console_log)


def install_sms(app: Flask, sender: SmsSender) -> None:
    app.extensions[EXTENSION_KEY] = sender


def current_sender() -> SmsSender:
    sender: SmsSender = current_app.extensions.get(EXTENSION_KEY) or ConsoleSms()
    return sender
