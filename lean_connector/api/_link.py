"""LinkSDK sessions: the config a frontend hands to each LinkSDK flow that needs a backend.

Every flow needs the application's public app token and, in production, an access token
scoped to the customer (``customer.<customer_id>``, at least 10 minutes left). The backend
gets or creates the customer of your ``app_user_id`` and mints that token; the api token
and every secret stay server-side. The flows:

========================  ===================  ===========================================
method here               LinkSDK method       what it needs from the backend
========================  ===================  ===========================================
``connect``               ``connect``          permissions, optional bank
``reconnect``             ``reconnect``        the ``reconnect_id`` Lean gave for the entity
``pay``                   ``pay``              a payment intent (``payments.create_intent``)
``authorize_consent``     ``authorizeConsent`` an account-on-file consent and redirect URLs
========================  ===================  ===========================================
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal, NotRequired, TypedDict
from urllib.parse import urlsplit

from lean_connector.api._common import non_empty
from lean_connector.api._customers import Customers
from lean_connector.errors import InvalidRequestError, LeanAPIError

__all__ = [
    "DEFAULT_LINK_PERMISSIONS",
    "LINK_FLOWS",
    "LINK_PERMISSIONS",
    "LinkConnectConfig",
    "LinkConsentConfig",
    "LinkFlow",
    "LinkPayConfig",
    "LinkReconnectConfig",
    "LinkSessions",
    "check_permissions",
]

#: Permissions LinkSDK ``connect()`` accepts: the keys of an entity's ``permissions``
#: object, and ``payments`` (a payment source created with the same login).
LINK_PERMISSIONS = frozenset(
    {
        "identity",
        "accounts",
        "balance",
        "transactions",
        "identities",
        "scheduled_payments",
        "standing_orders",
        "direct_debits",
        "beneficiaries",
        "payments",
    }
)
DEFAULT_LINK_PERMISSIONS = ("identity", "accounts", "balance", "transactions")

LinkFlow = Literal["connect", "reconnect", "pay", "authorize_consent"]
LINK_FLOWS: tuple[LinkFlow, ...] = ("connect", "reconnect", "pay", "authorize_consent")


class _LinkBase(TypedDict):
    app_token: str
    sandbox: bool
    access_token: NotRequired[str]


class LinkConnectConfig(_LinkBase):
    """``Lean.connect(config)``."""

    customer_id: str
    permissions: list[str]
    bank_identifier: NotRequired[str]
    payment_destination_id: NotRequired[str]


class LinkReconnectConfig(_LinkBase):
    """``Lean.reconnect(config)``."""

    reconnect_id: str


class LinkPayConfig(_LinkBase):
    """``Lean.pay(config)``."""

    payment_intent_id: str
    bank_identifier: NotRequired[str]


class LinkConsentConfig(_LinkBase):
    """``Lean.authorizeConsent(config)``."""

    customer_id: str
    consent_id: str
    success_redirect_url: str
    fail_redirect_url: str


def check_permissions(permissions: Sequence[str]) -> list[str]:
    """``permissions`` as a list, or InvalidRequestError naming the unknown ones."""
    if isinstance(permissions, str):
        raise InvalidRequestError(
            f"permissions must be a list of names, got the string {permissions!r}"
        )
    unknown = sorted(set(permissions) - LINK_PERMISSIONS)
    if unknown:
        raise InvalidRequestError(
            f"unknown LinkSDK permission(s) {unknown}: choose from {sorted(LINK_PERMISSIONS)}"
        )
    if not permissions:
        raise InvalidRequestError(
            f"permissions must not be empty: choose from {sorted(LINK_PERMISSIONS)}"
        )
    return list(permissions)


def _url(value: str | None, name: str) -> str:
    text = non_empty(value, name)
    parts = urlsplit(text)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise InvalidRequestError(f"{name} must be an absolute http(s) URL, got {text!r}")
    return text


class LinkSessions:
    """Builds LinkSDK configs; ``connector.link`` is one.

    ``app_token`` returns the public application id, ``customer_token`` a customer-scoped
    access token for a customer id (or ``None`` where the auth mode has none).
    """

    def __init__(
        self,
        customers: Customers,
        *,
        app_token: Callable[[], str],
        customer_token: Callable[[str], str | None],
        sandbox: bool,
    ) -> None:
        self._customers = customers
        self._app_token = app_token
        self._customer_token = customer_token
        self._sandbox = sandbox

    def connect(
        self,
        app_user_id: str,
        permissions: Sequence[str] = DEFAULT_LINK_PERMISSIONS,
        *,
        bank_identifier: str | None = None,
        payment_destination_id: str | None = None,
    ) -> LinkConnectConfig:
        """Config for ``Lean.connect()``: link a bank account of ``app_user_id``."""
        non_empty(app_user_id, "app_user_id")
        granted = check_permissions(permissions)
        customer_id = self._customer_id(app_user_id)
        config: LinkConnectConfig = {
            "app_token": self._app_token(),
            "customer_id": customer_id,
            "permissions": granted,
            "sandbox": self._sandbox,
        }
        if bank_identifier:
            config["bank_identifier"] = bank_identifier
        if payment_destination_id:
            config["payment_destination_id"] = payment_destination_id
        token = self._customer_token(customer_id)
        if token is not None:
            config["access_token"] = token
        return config

    def reconnect(self, app_user_id: str, *, reconnect_id: str) -> LinkReconnectConfig:
        """Config for ``Lean.reconnect()``: restore a broken connection of ``app_user_id``."""
        non_empty(app_user_id, "app_user_id")
        non_empty(reconnect_id, "reconnect_id")
        customer_id = self._customer_id(app_user_id)
        config: LinkReconnectConfig = {
            "app_token": self._app_token(),
            "reconnect_id": reconnect_id,
            "sandbox": self._sandbox,
        }
        token = self._customer_token(customer_id)
        if token is not None:
            config["access_token"] = token
        return config

    def pay(
        self,
        app_user_id: str,
        *,
        payment_intent_id: str,
        bank_identifier: str | None = None,
    ) -> LinkPayConfig:
        """Config for ``Lean.pay()``: ``app_user_id`` authorises a payment intent."""
        non_empty(app_user_id, "app_user_id")
        non_empty(payment_intent_id, "payment_intent_id")
        customer_id = self._customer_id(app_user_id)
        config: LinkPayConfig = {
            "app_token": self._app_token(),
            "payment_intent_id": payment_intent_id,
            "sandbox": self._sandbox,
        }
        if bank_identifier:
            config["bank_identifier"] = bank_identifier
        token = self._customer_token(customer_id)
        if token is not None:
            config["access_token"] = token
        return config

    def authorize_consent(
        self,
        app_user_id: str,
        *,
        consent_id: str,
        success_redirect_url: str,
        fail_redirect_url: str,
    ) -> LinkConsentConfig:
        """Config for ``Lean.authorizeConsent()``: ``app_user_id`` authorises an
        account-on-file consent (``consents.create_account_on_file``)."""
        non_empty(app_user_id, "app_user_id")
        non_empty(consent_id, "consent_id")
        success = _url(success_redirect_url, "success_redirect_url")
        fail = _url(fail_redirect_url, "fail_redirect_url")
        customer_id = self._customer_id(app_user_id)
        config: LinkConsentConfig = {
            "app_token": self._app_token(),
            "customer_id": customer_id,
            "consent_id": consent_id,
            "success_redirect_url": success,
            "fail_redirect_url": fail,
            "sandbox": self._sandbox,
        }
        token = self._customer_token(customer_id)
        if token is not None:
            config["access_token"] = token
        return config

    def _customer_id(self, app_user_id: str) -> str:
        customer = self._customers.get_or_create(app_user_id)
        customer_id = customer.get("customer_id") if isinstance(customer, dict) else None
        if not isinstance(customer_id, str) or not customer_id:
            raise LeanAPIError(http_status=200, lean_message="customer response had no customer_id")
        return customer_id
