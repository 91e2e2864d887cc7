"""Verifications: names, accounts, entity ownership, beneficiaries, corporates, freelancers.

Lean answers most of these with HTTP 200 even when the check fails: read ``status``
(``OK`` or ``FAILED``) and ``status_detail``, not only the absence of an exception. Name
verification is in Lean's UAE API only, the corporate, freelancer, entity and beneficiary
checks in its KSA API only; the other region is refused before anything is sent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

from lean_connector.api._common import Resource, check_items, drop_none, non_empty, segment

if TYPE_CHECKING:
    from lean_connector.api._models_verifications import (
        AccountVerification,
        BeneficiaryNameVerification,
        CorporateManagersVerification,
        EntityVerification,
        FreelancerVerification,
        NameVerification,
    )
    from lean_connector.api._models_verifications_corporates import CorporateVerification

__all__ = ["Verifications"]

#: ``identifications`` items: ``{"type": "NATIONAL_ID", "value": "..."}`` and the like.
Identifications = Sequence[Mapping[str, Any]]


def _identifications(value: Any) -> list[Mapping[str, Any]]:
    return check_items(value, "identifications", ("type", "value"))


class Verifications(Resource):
    """Checks against bank and registry records."""

    def name(self, entity_id: str, *, full_name: str) -> NameVerification:
        """Does ``full_name`` match the holder of the entity's accounts? (UAE)"""
        path = "/insights/v1/name-verification"
        self._only_in("ae", f"POST {path}")
        body = {
            "entity_id": segment(entity_id, "entity_id"),
            "full_name": non_empty(full_name, "full_name"),
            "async": False,
        }
        return cast("NameVerification", self._send("POST", path, body))

    def account(
        self,
        *,
        country_code: str,
        type: str,  # Lean's field name
        account_details: Mapping[str, Any],
        identifications: Identifications,
        bank_identifier: str | None = None,
    ) -> AccountVerification:
        """Is this account (IBAN or number) held by the identified person or company?

        ``country_code`` is ISO-2 (``AE``, ``SA``, ...); ``account_details`` e.g.
        ``{"type": "IBAN", "value": "AE07..."}``."""
        if not isinstance(account_details, Mapping):
            raise_type("account_details", account_details)
        body = drop_none(
            {
                "country_code": non_empty(country_code, "country_code"),
                "type": non_empty(type, "type"),
                "account_details": dict(account_details),
                "identifications": _identifications(identifications),
                "bank_identifier": bank_identifier,
            }
        )
        path = "/verifications/v1/accounts"
        return cast("AccountVerification", self._send("POST", path, body))

    def entity(self, entity_id: str, *, identifications: Identifications) -> EntityVerification:
        """Do the entity's accounts belong to the identified person? (KSA)"""
        path = "/verifications/v2/entity"
        self._only_in("sa", f"POST {path}")
        body = {
            "entity_id": segment(entity_id, "entity_id"),
            "identifications": _identifications(identifications),
        }
        return cast("EntityVerification", self._send("POST", path, body))

    def beneficiary_name(self, iban: str) -> BeneficiaryNameVerification:
        """The name of the holder of ``iban``, from the bank (KSA)."""
        path = "/verifications/v2/beneficiary-name"
        self._only_in("sa", f"POST {path}")
        body = {"iban": non_empty(iban, "iban")}
        return cast("BeneficiaryNameVerification", self._send("POST", path, body))

    def corporate(
        self,
        *,
        type: str,  # Lean's field name
        identifications: Identifications,
        language: str = "en",
    ) -> CorporateVerification:
        """A company's registry record (KSA); ``type`` FULL, BASIC, CONTRACT or ADDRESS
        decides which parts Lean fills in."""
        path = "/verifications/v1/corporates"
        self._only_in("sa", f"POST {path}")
        body = {
            "type": non_empty(type, "type"),
            "language": non_empty(language, "language"),
            "identifications": _identifications(identifications),
        }
        return cast("CorporateVerification", self._send("POST", path, body))

    def corporate_managers(
        self, *, identifications: Identifications, language: str = "en"
    ) -> CorporateManagersVerification:
        """The managers on a company's registry record (KSA)."""
        path = "/verifications/v1/corporates/managers"
        self._only_in("sa", f"POST {path}")
        body = {
            "identifications": _identifications(identifications),
            "language": non_empty(language, "language"),
        }
        return cast("CorporateManagersVerification", self._send("POST", path, body))

    def freelancer(
        self,
        *,
        type: str,  # Lean's field name
        identifications: Identifications,
    ) -> FreelancerVerification:
        """A freelancer certificate's record (KSA)."""
        path = "/verifications/v1/freelancers"
        self._only_in("sa", f"POST {path}")
        body = {
            "type": non_empty(type, "type"),
            "identifications": _identifications(identifications),
        }
        return cast("FreelancerVerification", self._send("POST", path, body))


def raise_type(name: str, value: Any) -> None:
    from lean_connector.errors import InvalidRequestError

    raise InvalidRequestError(f"{name} must be an object, got {type(value).__name__}")
