"""The container's state: one spec, resolver and connector per Lambda container.

Built on the first (cold) invocation and reused by warm ones, so a warm call costs no
secret, token or TLS-handshake round trip. All of it lives in one :class:`Container`
object; :func:`reset` empties it (tests; a new spec in the environment).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from lean_connector.logs import configure_logging

if TYPE_CHECKING:
    from lean_connector.client import LeanConnector
    from lean_connector.secrets import SecretResolver
    from lean_connector.spec import LeanSpec
    from lean_connector.webhooks import DedupeStore, WebhookEvent

__all__ = [
    "CONTAINER",
    "Container",
    "get_connector",
    "get_resolver",
    "get_spec",
    "reset",
    "set_webhook_callback",
]


@dataclass
class Container:
    """What one Lambda container builds once and keeps across invocations."""

    spec: LeanSpec | None = None
    resolver: SecretResolver | None = None
    connector: LeanConnector | None = None
    dedupe: DedupeStore | None = None
    webhook_callback: Callable[[WebhookEvent], None] | None = None
    cold: bool = True
    lock: threading.RLock = field(default_factory=threading.RLock)

    def get_spec(self) -> LeanSpec:
        with self.lock:
            if self.spec is None:
                from lean_connector.spec import load_spec

                spec = load_spec()
                configure_logging(spec.logging.level_if_set, spec.logging.format)
                self.spec = spec
            return self.spec

    def get_resolver(self) -> SecretResolver:
        with self.lock:
            if self.resolver is None:
                from lean_connector.secrets import SecretResolver

                self.resolver = SecretResolver.from_spec(self.get_spec())
            return self.resolver

    def get_connector(self) -> LeanConnector:
        connector = self.connector
        if connector is not None:
            return connector
        with self.lock:
            if self.connector is None:
                from lean_connector.client import LeanConnector

                self.connector = LeanConnector(self.get_spec(), resolver=self.get_resolver())
                _emit_certificate_days(self.connector)
            return self.connector

    def reset(self) -> None:
        with self.lock:
            if self.connector is not None:
                self.connector.close()
            self.spec = self.resolver = self.connector = self.dedupe = None
            self.cold = True


def _emit_certificate_days(connector: LeanConnector) -> None:
    # Only on Lambda, where stdout lines in EMF become metrics; elsewhere stdout belongs to
    # the CLI's JSON results and the expiry is in the tls.certificate_checked log event.
    if connector.certificate is None or not os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
        return
    from lean_connector.metrics import emit_metric

    emit_metric("ClientCertificateDaysToExpiry", connector.certificate.days_left, unit="Count")


#: The container's one state object.
CONTAINER = Container()


def get_spec() -> LeanSpec:
    """The container's spec, loaded once from the environment."""
    return CONTAINER.get_spec()


def get_resolver() -> SecretResolver:
    """The container's secret resolver (shared cache), without building a connector.

    The webhook function uses only this, so its role needs no access to the mTLS or
    OAuth secrets.
    """
    return CONTAINER.get_resolver()


def get_connector() -> LeanConnector:
    """The container's connector, built on first use and reused by warm invocations."""
    return CONTAINER.get_connector()


def reset() -> None:
    """Forget the cached spec, resolver and connector (tests; a new spec in the env)."""
    CONTAINER.reset()


def set_webhook_callback(callback: Callable[[WebhookEvent], None] | None) -> None:
    """Register the function that receives each verified, first-seen webhook event."""
    CONTAINER.webhook_callback = callback
