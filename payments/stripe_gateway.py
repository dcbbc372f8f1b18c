"""Stripe through the official SDK: the only module that imports ``stripe``."""

from __future__ import annotations

from typing import Any

import stripe

from payments.gateways import GatewayError, IntentState, IntentStatus
from payments.models import CaptureMode

SUPPORTED_METHODS = frozenset({"card", "alipay", "wechat_pay"})
_STATUS = {
    "requires_payment_method": IntentStatus.REQUIRES_PAYMENT,
    "requires_confirmation": IntentStatus.REQUIRES_PAYMENT,
    "requires_action": IntentStatus.REQUIRES_PAYMENT,
    "processing": IntentStatus.REQUIRES_PAYMENT,
    "requires_capture": IntentStatus.REQUIRES_CAPTURE,
    "succeeded": IntentStatus.SUCCEEDED,
    "canceled": IntentStatus.CANCELED,
}


def intent_state(intent: dict[str, Any]) -> IntentState:
    error = intent.get("last_payment_error") or {}
    return IntentState(
        provider_id=intent["id"],
        status=_STATUS[intent["status"]],
        amount_fen=int(intent["amount"]),
        received_fen=intent.get("amount_received"),
        client_secret=intent.get("client_secret"),
        failure_message=error.get("message") if isinstance(error, dict) else None,
    )


class StripeGateway:
    """PaymentIntents in CNY; "already captured/cancelled/refunded" counts as success."""

    name = "stripe"

    def __init__(
        self,
        secret_key: str,
        *,
        api_base: str | None = None,
        payment_method_types: tuple[str, ...] = ("card",),
    ) -> None:
        unknown = set(payment_method_types) - SUPPORTED_METHODS
        if unknown or "card" not in payment_method_types:
            raise ValueError(f"payment methods must include card, from {sorted(SUPPORTED_METHODS)}")
        self.payment_method_types = payment_method_types
        options: dict[str, Any] = {"base_addresses": {"api": api_base}} if api_base else {}
        self._client = stripe.StripeClient(secret_key, max_network_retries=2, **options)

    def create_intent(
        self,
        *,
        reference: str,
        amount_fen: int,
        capture_mode: CaptureMode,
        idempotency_key: str,
        payment_method: str | None = None,
    ) -> IntentState:
        params = self.intent_params(reference, amount_fen, capture_mode, payment_method)
        intent = self._call(
            self._client.v1.payment_intents.create,
            params=params,
            options={"idempotency_key": idempotency_key},
        )
        return intent_state(intent)

    def intent_params(
        self,
        reference: str,
        amount_fen: int,
        capture_mode: CaptureMode,
        payment_method: str | None,
    ) -> dict[str, Any]:
        """Alipay and WeChat Pay take no manual capture: held payments are card only."""
        params: dict[str, Any] = {
            "amount": amount_fen,
            "currency": "cny",
            "capture_method": capture_mode.value,
            "metadata": {"reference": reference},
        }
        methods = self.wallets_for(capture_mode)
        if methods != ("card",):
            params["payment_method_types"] = list(methods)
        if payment_method:
            params.update(payment_method=payment_method, confirm=True)
        return params

    def wallets_for(self, capture_mode: CaptureMode) -> tuple[str, ...]:
        if capture_mode is CaptureMode.MANUAL:
            return ("card",)
        return self.payment_method_types

    def capture(self, provider_id: str, *, amount_fen: int, idempotency_key: str) -> IntentState:
        try:
            intent = self._client.v1.payment_intents.capture(
                provider_id,
                params={"amount_to_capture": amount_fen},
                options={"idempotency_key": idempotency_key},
            ).to_dict()
        except stripe.InvalidRequestError:
            return self._already(provider_id, IntentStatus.SUCCEEDED)
        except stripe.StripeError as error:
            raise GatewayError(_message(error)) from error
        return intent_state(intent)

    def cancel(self, provider_id: str, *, idempotency_key: str) -> IntentState:
        try:
            intent = self._client.v1.payment_intents.cancel(
                provider_id, options={"idempotency_key": idempotency_key}
            ).to_dict()
        except stripe.InvalidRequestError:
            return self._already(provider_id, IntentStatus.CANCELED)
        except stripe.StripeError as error:
            raise GatewayError(_message(error)) from error
        return intent_state(intent)

    def refund(self, provider_id: str, *, amount_fen: int, idempotency_key: str) -> int:
        try:
            refund = self._client.v1.refunds.create(
                params={"payment_intent": provider_id, "amount": amount_fen},
                options={"idempotency_key": idempotency_key},
            )
        except stripe.InvalidRequestError as error:
            if getattr(error, "code", None) == "charge_already_refunded":
                return amount_fen
            raise GatewayError(_message(error)) from error
        except stripe.StripeError as error:
            raise GatewayError(_message(error)) from error
        return int(refund.amount)

    def retrieve(self, provider_id: str) -> IntentState | None:
        return intent_state(self._call(self._client.v1.payment_intents.retrieve, provider_id))

    def fee_fen(self, provider_id: str) -> int | None:
        """Stripe's fee from the balance transaction of the intent's charge (in fen for
        CNY); None when there is none to read, or Stripe cannot be asked now."""
        try:
            intent = self._call(
                self._client.v1.payment_intents.retrieve,
                provider_id,
                params={"expand": ["latest_charge.balance_transaction"]},
            )
        except GatewayError:
            return None
        charge = intent.get("latest_charge")
        balance = charge.get("balance_transaction") if isinstance(charge, dict) else None
        fee = balance.get("fee") if isinstance(balance, dict) else None
        return int(fee) if isinstance(fee, int) else None

    def _already(self, provider_id: str, wanted: IntentStatus) -> IntentState:
        """After a refusal, succeed if the intent is already where we wanted it."""
        state = self.retrieve(provider_id)
        if state is None or state.status != wanted:
            raise GatewayError(f"the payment is {state and state.status}, not {wanted}")
        return state

    @staticmethod
    def _call(method: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        try:
            result: dict[str, Any] = method(*args, **kwargs).to_dict()
        except stripe.StripeError as error:
            raise GatewayError(_message(error)) from error
        return result


def _message(error: stripe.StripeError) -> str:
    return f"payment provider refused: {error.user_message or error}"


def verify_webhook(payload: bytes, signature: str | None, secret: str) -> dict[str, Any]:
    """The event, if the signature over the raw body is valid and under 300 s old."""
    try:
        event = stripe.Webhook.construct_event(payload, signature, secret, tolerance=300)
    except (ValueError, stripe.SignatureVerificationError) as error:
        raise GatewayError("webhook signature or payload not valid") from error
    data: dict[str, Any] = event.to_dict()
    if not (isinstance(data.get("id"), str) and isinstance(data.get("type"), str)):
        raise GatewayError("webhook event without an id or a type")  # signed, but not an event
    return data
