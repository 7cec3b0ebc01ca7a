"""A small Stripe stand-in for the tests: the Checkout and Refund endpoints the shop uses,
served over HTTP on 127.0.0.1 so that the real `stripe` library talks to it, and webhook
events built and signed the way Stripe builds and signs them.

Objects follow Stripe's documented shapes (https://docs.stripe.com/api/checkout/sessions/
object, /api/refunds/object, /api/charges/object, /api/events/object). Idempotency works as
Stripe's does: a repeated `Idempotency-Key` returns the first response; the same key with
other parameters is an `idempotency_error`.

What a shopper does on the hosted page is a method here (`pay`, `pay_later`, `settle`,
`expire`); each returns the session as Stripe would then show it, ready for an event.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

API_VERSION = "2025-03-31.basil"


def _id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


def form_decode(body: str) -> dict:
    """Stripe's form encoding (`a[b][0][c]=x`) back into nested dicts and lists."""
    root: dict = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        parts = re.findall(r"[^\[\]]+", key)
        node = root
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if last:
                node[part] = value
            else:
                node = node.setdefault(part, {})
    return _lists(root)


def _lists(node):
    """Dicts keyed "0", "1", ... are lists."""
    if isinstance(node, dict):
        node = {k: _lists(v) for k, v in node.items()}
        if node and all(k.isdigit() for k in node):
            return [node[k] for k in sorted(node, key=int)]
    return node


class StandInError(Exception):
    def __init__(self, status: int, message: str, type_: str = "invalid_request_error"):
        super().__init__(message)
        self.status, self.message, self.type = status, message, type_


class StripeStandIn:
    """The server and its state. `requests` logs every call: (method, path, headers, params)."""

    secret_key = "sk_test_standin"

    def __init__(self):
        self.sessions: dict[str, dict] = {}
        self.charges: dict[str, dict] = {}  # by payment intent id
        self.refunds: dict[str, dict] = {}
        self.idempotent: dict[str, tuple[str, int, dict]] = {}
        self.requests: list[tuple[str, str, dict, dict]] = []
        self.lock = threading.Lock()
        self.fail_next: int = 0  # answer the next n calls with a 500
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> StripeStandIn:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- the API ------------------------------------------------------------------------

    def handle(self, method: str, path: str, query: dict, headers, params: dict):
        if headers.get("Authorization") != f"Bearer {self.secret_key}":
            raise StandInError(401, "Invalid API Key provided.", "authentication_error")
        if self.fail_next:
            self.fail_next -= 1
            raise StandInError(500, "Something went wrong on Stripe's end.", "api_error")
        key = headers.get("Idempotency-Key")
        if method == "POST" and key:
            fingerprint = json.dumps([path, params], sort_keys=True)
            if key in self.idempotent:
                seen, status, body = self.idempotent[key]
                if seen != fingerprint:
                    raise StandInError(
                        400,
                        "Keys for idempotent requests can only be used with the same "
                        "parameters they were first used with.",
                        "idempotency_error",
                    )
                return status, body
            status, body = self._route(method, path, query, params)
            self.idempotent[key] = (fingerprint, status, body)
            return status, body
        return self._route(method, path, query, params)

    def _route(self, method, path, query, params):
        if method == "POST" and path == "/v1/checkout/sessions":
            return 200, self._session_create(params)
        match = re.fullmatch(r"/v1/checkout/sessions/(cs_\w+)", path)
        if method == "GET" and match:
            if match[1] not in self.sessions:
                raise StandInError(404, f"No such checkout.session: '{match[1]}'")
            return 200, self._public(self.sessions[match[1]])
        if method == "GET" and path == "/v1/checkout/sessions":
            found = [
                self._public(s)
                for s in self.sessions.values()
                if not query.get("payment_intent") or s["payment_intent"] == query["payment_intent"]
            ]
            return 200, self._list(path, found)
        if method == "POST" and path == "/v1/refunds":
            return 200, self._refund_create(params)
        if method == "GET" and path == "/v1/refunds":
            found = [
                r
                for r in reversed(self.refunds.values())
                if not query.get("charge") or r["charge"] == query["charge"]
            ]
            return 200, self._list(path, found)
        raise StandInError(404, f"Unrecognized request URL ({method}: {path}).")

    @staticmethod
    def _list(url: str, data: list) -> dict:
        return {"object": "list", "data": data, "has_more": False, "url": url}

    def _session_create(self, params: dict) -> dict:
        if params.get("mode") != "payment":
            raise StandInError(400, "This stand-in only knows mode=payment.")
        for required in ("success_url", "cancel_url", "line_items"):
            if not params.get(required):
                raise StandInError(400, f"Missing required param: {required}.")
        currency = None
        total = 0
        for item in params["line_items"]:
            price = item["price_data"]
            if currency not in (None, price["currency"]):
                raise StandInError(400, "All line items must share one currency.")
            currency = price["currency"]
            unit, quantity = int(price["unit_amount"]), int(item["quantity"])
            if unit < 0 or quantity < 1:
                raise StandInError(400, "Invalid unit_amount or quantity.")
            total += unit * quantity
        now = int(time.time())
        expires_at = int(params.get("expires_at") or now + 24 * 3600)
        if not now + 30 * 60 - 5 <= expires_at <= now + 24 * 3600:
            raise StandInError(
                400, "The `expires_at` timestamp must be between 30 minutes and 24 hours."
            )
        session_id = _id("cs_test")
        session = {
            "id": session_id,
            "object": "checkout.session",
            "amount_subtotal": total,
            "amount_total": total,
            "cancel_url": params["cancel_url"],
            "client_reference_id": params.get("client_reference_id"),
            "created": now,
            "currency": currency,
            "customer": None,
            "customer_email": params.get("customer_email"),
            "expires_at": expires_at,
            "livemode": False,
            "metadata": params.get("metadata", {}),
            "mode": "payment",
            "payment_intent": None,
            "payment_status": "unpaid",
            "status": "open",
            "success_url": params["success_url"],
            "url": f"https://checkout.stripe.test/c/pay/{session_id}",
            "_payment_intent_metadata": (params.get("payment_intent_data") or {}).get(
                "metadata", {}
            ),
        }
        with self.lock:
            self.sessions[session_id] = session
        return self._public(session)

    @staticmethod
    def _public(obj: dict) -> dict:
        return {k: v for k, v in obj.items() if not k.startswith("_")}

    def _refund_create(self, params: dict) -> dict:
        payment_intent = params.get("payment_intent")
        charge = self.charges.get(payment_intent or "")
        if charge is None:
            raise StandInError(404, f"No such payment_intent: '{payment_intent}'")
        left = charge["amount"] - charge["amount_refunded"]
        amount = int(params.get("amount") or left)
        if amount <= 0 or amount > left:
            raise StandInError(
                400,
                f"Refund amount ({amount}) is greater than unrefunded amount on charge ({left})",
                "invalid_request_error",
            )
        refund = {
            "id": _id("re"),
            "object": "refund",
            "amount": amount,
            "charge": charge["id"],
            "created": int(time.time()),
            "currency": charge["currency"],
            "metadata": {},
            "payment_intent": payment_intent,
            "reason": params.get("reason"),
            "status": "succeeded",
        }
        with self.lock:
            self.refunds[refund["id"]] = refund
            charge["amount_refunded"] += amount
            charge["refunded"] = charge["amount_refunded"] == charge["amount"]
            charge["refunds"]["data"].insert(0, refund)
            charge["refunds"]["total_count"] += 1
        return refund

    # --- what happens on the hosted page, and on Stripe's side --------------------------

    def _charge(self, session: dict) -> dict:
        payment_intent = _id("pi")
        session["payment_intent"] = payment_intent
        charge = {
            "id": _id("ch"),
            "object": "charge",
            "amount": session["amount_total"],
            "amount_captured": session["amount_total"],
            "amount_refunded": 0,
            "currency": session["currency"],
            "metadata": dict(session["_payment_intent_metadata"]),
            "paid": True,
            "payment_intent": payment_intent,
            "refunded": False,
            "refunds": {
                "object": "list",
                "data": [],
                "has_more": False,
                "total_count": 0,
                "url": "/v1/refunds",
            },
            "status": "succeeded",
        }
        self.charges[payment_intent] = charge
        return charge

    def pay(self, session_id: str) -> dict:
        """The shopper pays by card: the session is complete and paid."""
        session = self.sessions[session_id]
        self._charge(session)
        session.update(status="complete", payment_status="paid")
        return self._public(session)

    def pay_later(self, session_id: str) -> dict:
        """The shopper pays by a method that settles later: complete, still unpaid."""
        session = self.sessions[session_id]
        self._charge(session)
        session.update(status="complete", payment_status="unpaid")
        return self._public(session)

    def settle(self, session_id: str, *, succeeded: bool = True) -> dict:
        """The delayed payment settles (or fails)."""
        session = self.sessions[session_id]
        session["payment_status"] = "paid" if succeeded else "unpaid"
        return self._public(session)

    def expire(self, session_id: str) -> dict:
        session = self.sessions[session_id]
        session["status"] = "expired"
        return self._public(session)

    def charge(self, payment_intent: str, *, with_refunds: bool = True) -> dict:
        """The charge as a `charge.refunded` event carries it (API versions since 2022-11-15
        leave its refunds out: `with_refunds=False`)."""
        charge = json.loads(json.dumps(self.charges[payment_intent]))
        if not with_refunds:
            charge.pop("refunds")
        return charge

    def refund_from_dashboard(self, payment_intent: str, amount: int | None = None) -> dict:
        """Staff refund in Stripe's own dashboard (the shop hears of it by webhook only)."""
        params = {"payment_intent": payment_intent}
        if amount is not None:
            params["amount"] = amount
        return self._refund_create(params)

    def _handler(self):
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, method: str):
                parts = urlsplit(self.path)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                params = form_decode(body) if method == "POST" else {}
                query = dict(parse_qsl(parts.query))
                standin.requests.append((method, parts.path, dict(self.headers), params))
                try:
                    status, payload = standin.handle(
                        method, parts.path, query, self.headers, params
                    )
                except StandInError as exc:
                    status = exc.status
                    payload = {"error": {"type": exc.type, "message": exc.message}}
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Request-Id", _id("req"))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):  # noqa: N802 (http.server's name)
                self._answer("GET")

            def do_POST(self):  # noqa: N802
                self._answer("POST")

            def log_message(self, *args):
                pass

        return Handler


# --- events and signatures ----------------------------------------------------------------


def event(type_: str, obj: dict, *, event_id: str | None = None) -> dict:
    """A Stripe event (https://docs.stripe.com/api/events/object) about `obj`."""
    return {
        "id": event_id or _id("evt"),
        "object": "event",
        "api_version": API_VERSION,
        "created": int(time.time()),
        "data": {"object": obj},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": type_,
    }


def sign(payload: bytes, secret: str, *, timestamp: int | None = None) -> str:
    """The `Stripe-Signature` header Stripe sends with `payload`."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"
