"""The payment gateway protocol, cash at the station, and which gateways are configured.

A gateway speaks in provider terms (an intent with a status); services translate that
into Cunzhan's forward-only ``PaymentStatus``. Every call that changes money carries an
idempotency key that the service persisted before the call.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from flask import Flask, current_app, has_app_context

from payments.models import CaptureMode


class IntentStatus(StrEnum):
    """Provider-side states, named after Stripe's PaymentIntent statuses."""

    REQUIRES_PAYMENT = "requires_payment"
    REQUIRES_CAPTURE = "requires_capture"
    SUCCEEDED = "succeeded"
    CANCELED = "canceled"


@dataclass(frozen=True)
class IntentState:
    provider_id: str
    status: IntentStatus
    amount_fen: int
    # Known only when the provider reports it (Stripe's amount_received).
    received_fen: int | None = None
    client_secret: str | None = None
    failure_message: str | None = None


class GatewayError(Exception):
    """The provider refused or could not be reached; the message is safe to show."""


class PaymentGateway(Protocol):
    name: str

    def create_intent(
        self,
        *,
        reference: str,
        amount_fen: int,
        capture_mode: CaptureMode,
        idempotency_key: str,
        payment_method: str | None = None,
    ) -> IntentState: ...

    def capture(
        self, provider_id: str, *, amount_fen: int, idempotency_key: str
    ) -> IntentState: ...

    def cancel(self, provider_id: str, *, idempotency_key: str) -> IntentState: ...

    def refund(self, provider_id: str, *, amount_fen: int, idempotency_key: str) -> int: ...

    def retrieve(self, provider_id: str) -> IntentState | None: ...

    def fee_fen(self, provider_id: str) -> int | None:
        """The provider's fee on the payment, from its balance transaction; None when the
        provider reports none (localstripe has no balance transactions)."""
        ...

    def wallets_for(self, capture_mode: CaptureMode) -> tuple[str, ...]:
        """The payment method types a payment of this capture mode may be confirmed with."""
        ...


class CashGateway:
    """Cash handed over at the station counter: the agent is the provider.

    Nothing leaves the building, so each call simply answers the state it produces;
    the payment ledger in the database is the only record (``retrieve`` has nothing
    remote to ask and answers None).
    """

    name = "cash"

    def create_intent(
        self,
        *,
        reference: str,
        amount_fen: int,
        capture_mode: CaptureMode,
        idempotency_key: str,
        payment_method: str | None = None,
    ) -> IntentState:
        return IntentState(f"cash_{reference}", IntentStatus.REQUIRES_PAYMENT, amount_fen)

    def capture(self, provider_id: str, *, amount_fen: int, idempotency_key: str) -> IntentState:
        return IntentState(provider_id, IntentStatus.SUCCEEDED, amount_fen, received_fen=amount_fen)

    def cancel(self, provider_id: str, *, idempotency_key: str) -> IntentState:
        return IntentState(provider_id, IntentStatus.CANCELED, 0)

    def refund(self, provider_id: str, *, amount_fen: int, idempotency_key: str) -> int:
        return amount_fen

    def retrieve(self, provider_id: str) -> IntentState | None:
        return None

    def fee_fen(self, provider_id: str) -> int | None:
        return 0  # cash costs no fee

    def wallets_for(self, capture_mode: CaptureMode) -> tuple[str, ...]:
        return ()


@dataclass
class Gateways:
    cash: PaymentGateway
    online: PaymentGateway | None  # None: no Stripe keys, the app takes cash only


EXTENSION_KEY = "cunzhan.gateways"
#: For code that runs outside any app (tests of services, scripts): cash only unless replaced.
_outside_apps = Gateways(cash=CashGateway(), online=None)


def install_gateways(gateways: Gateways, app: Flask | None = None) -> None:
    """The app factory gives each app its own gateways (two apps in one process may take
    payments differently); without ``app``, the gateways for code outside any app."""
    global _outside_apps
    if app is not None:
        app.extensions[EXTENSION_KEY] = gateways
    else:
        _outside_apps = gateways


def installed_gateways() -> Gateways:
    """The current app's gateways; outside an app, the ones installed without one."""
    if has_app_context() and EXTENSION_KEY in current_app.extensions:
        found: Gateways = current_app.extensions[EXTENSION_KEY]
        return found
    return _outside_apps
