"""The one host table: region x environment x auth mode -> Lean's base URLs."""

from __future__ import annotations

from dataclasses import dataclass

from lean_connector.errors import SpecError
from lean_connector.spec._sections import SpecParts

__all__ = ["HOSTS", "Endpoints", "resolve_endpoints"]

# region x environment x auth mode -> (api base URL, auth base URL). The one host table.
# None for api: no public default (the mTLS sandbox host is given in the Lean portal).
# UAE production: api.* is the mTLS host, api2.* the OAuth-era host; KSA follows.
HOSTS: dict[tuple[str, str, str], tuple[str | None, str]] = {
    ("ae", "sandbox", "app_token"): ("https://sandbox.leantech.me", "https://auth.sandbox.leantech.me"),
    ("ae", "sandbox", "oauth"): ("https://sandbox.leantech.me", "https://auth.sandbox.leantech.me"),
    ("ae", "sandbox", "mtls"): (None, "https://auth.sandbox.leantech.me"),
    ("ae", "production", "oauth"): ("https://api2.leantech.me", "https://auth.leantech.me"),
    ("ae", "production", "mtls"): ("https://api.leantech.me", "https://auth.leantech.me"),
    ("sa", "sandbox", "app_token"): ("https://sandbox.sa.leantech.me", "https://auth.sandbox.sa.leantech.me"),
    ("sa", "sandbox", "oauth"): ("https://sandbox.sa.leantech.me", "https://auth.sandbox.sa.leantech.me"),
    ("sa", "sandbox", "mtls"): (None, "https://auth.sandbox.sa.leantech.me"),
    ("sa", "production", "oauth"): ("https://api2.sa.leantech.me", "https://auth.sa.leantech.me"),
    ("sa", "production", "mtls"): ("https://api.sa.leantech.me", "https://auth.sa.leantech.me"),
}  # fmt: skip


@dataclass(frozen=True)
class Endpoints:
    """Effective base URLs for a spec."""

    api: str
    auth: str | None

    @property
    def token_url(self) -> str:
        """The OAuth token endpoint, ``{auth}/oauth2/token``."""
        if self.auth is None:
            raise SpecError(
                "endpoints.auth is not set: give the auth base URL", field="endpoints.auth"
            )
        return f"{self.auth}/oauth2/token"


def resolve_endpoints(spec: SpecParts) -> Endpoints:
    """The host table entry for the spec, with ``endpoints.api``/``endpoints.auth`` overriding."""
    key = (spec.region.value, spec.environment.value, spec.auth.mode.value)
    default_api, default_auth = HOSTS.get(key, (None, None))
    api = spec.endpoints.api or default_api
    if api is None:
        raise SpecError(
            f"endpoints.api is required for {spec.region.value}/{spec.environment.value} with "
            f"auth.mode {spec.auth.mode.value}: copy the API host from the Lean portal",
            field="endpoints.api",
        )
    return Endpoints(api=api, auth=spec.endpoints.auth or default_auth)
