"""Verifications: account ownership (both regions), name verification (UAE), and the KSA
entity ownership, beneficiary name, business, managers and freelancer verifications.

Lean answers a verification that could not be done with HTTP 200 and ``status: FAILED``
plus ``status_detail.granular_status_code``. The sandbox does so when the account holder
name sent is one of those codes (``LEAN_ERROR``, ``BANK_ISSUE``, ``UNSUPPORTED_BY_BANK``,
``DISABLED_BY_LEAN``, ``GIVEN_INPUT_CANNOT_BE_VERIFIED``) or the IBAN is not valid; a
name containing ``BLOCKED`` gives a BLOCKED account. Otherwise the ownership is verified.
"""

from __future__ import annotations

from typing import Any

from lean_connector.testing.sandbox import _verification_bodies as bodies
from lean_connector.testing.sandbox._banks import RETAIL_BANKS
from lean_connector.testing.sandbox._datastore import DataStore
from lean_connector.testing.sandbox._http import Reply, SandboxError, json_object
from lean_connector.testing.sandbox._ids import rng_for
from lean_connector.testing.sandbox._payment_store import iban_ok
from lean_connector.testing.sandbox._records import account_body
from lean_connector.testing.sandbox._router import Call, Route
from lean_connector.testing.sandbox._routes_data import uuid_param
from lean_connector.testing.sandbox._routes_insights import async_envelope
from lean_connector.testing.sandbox._seeded import holder_name

__all__ = ["verification_routes"]

UAE, KSA = ("ae",), ("sa",)
FAILURES = {
    "LEAN_ERROR": ("System error occurred", "Internal system error occurred"),
    "BANK_ISSUE": ("Bank temporarily unavailable", "Bank is experiencing technical issues"),
    "UNSUPPORTED_BY_BANK": (
        "Bank verification not supported",
        "This bank does not support verification",
    ),
    "DISABLED_BY_LEAN": (
        "Verification temporarily disabled",
        "Verification disabled for this bank",
    ),
    "GIVEN_INPUT_CANNOT_BE_VERIFIED": (
        "Account cannot be verified in this case",
        "Account cannot be verified in this case",
    ),
}
OK_MESSAGE = "Data successfully retrieved"


def _failed(code: str) -> dict[str, Any]:
    message, detail = FAILURES[code]
    body = async_envelope("verifications", None, kind=None, message=message)
    body["status"] = "FAILED"
    body["status_detail"] = {"granular_status_code": code, "status_additional_info": detail}
    return body


def _identification(body: dict[str, Any], wanted: str) -> str | None:
    for item in body.get("identifications") or []:
        if isinstance(item, dict) and item.get("type") == wanted:
            return str(item.get("value") or "")
    return None


def _identifications(body: dict[str, Any]) -> list[Any]:
    found = body.get("identifications")
    if not isinstance(found, list) or not found:
        raise SandboxError(400, "MISSING_PARAMETERS", "identifications is required")
    return found


def verification_routes(store: DataStore) -> list[Route]:
    seed = store.seed

    def accounts(call: Call) -> Reply:
        body = json_object(call.request)
        details = body.get("account_details")
        if not body.get("country_code") or not isinstance(details, dict):
            raise SandboxError(
                400, "MISSING_PARAMETERS", "country_code and account_details are required"
            )
        _identifications(body)
        iban = str(details.get("value") or "")
        name = (_identification(body, "FULL_NAME") or "").strip()
        if name.upper() in FAILURES:
            return Reply(200, _failed(name.upper()))
        if details.get("type") == "IBAN" and not iban_ok(iban):
            return Reply(200, _failed("GIVEN_INPUT_CANNOT_BE_VERIFIED"))
        issuer = rng_for(seed, "verified-bank", iban).choice(RETAIL_BANKS)
        blocked = "BLOCKED" in name.upper()
        verified = {
            "account_ownership_verified": not blocked,
            "matching": None,
            "bank_details": {
                "bank_name": {"en": issuer["name"], "ar": issuer["arabic_name"]},
                "bank_identifiers": [{"type": "BIC", "value": issuer["swift_code"] + "XXX"}],
            },
            "account_status": "BLOCKED" if blocked else "ACTIVE",
            "account_holder_name": name.upper() or None,
            "account_currency": None,
            "verification_method": "CONFIRMATION_OF_PAYEE_SERVICE",
        }
        return Reply(200, async_envelope("verifications", verified, kind=None, message=OK_MESSAGE))

    def name_verification(call: Call) -> Reply:
        body = json_object(call.request)
        entity = store.entity_ref(uuid_param(body.get("entity_id"), "entity_id"))
        provided = str(body.get("full_name") or "").strip()
        if not provided:
            raise SandboxError(400, "MISSING_PARAMETERS", "full_name is required")
        retrieved, _ = holder_name(seed, entity.customer_id)
        said, held = set(provided.lower().split()), set(retrieved.lower().split())
        if provided.lower() == retrieved.lower():
            match, confidence = "PERFECT_MATCH", 1.0
        elif said & held:
            match, confidence = "PARTIAL_MATCH", round(len(said & held) / len(said | held), 2)
        else:
            match, confidence = "NO_MATCH", 0.0
        data = {
            "type": "name-verification",
            "full_name_provided": provided,
            "full_name_retrieved": retrieved,
            "match_type": match,
            "confidence": confidence,
        }
        answer = async_envelope(
            "data", data, kind=None, message="Name verification completed successfully"
        )
        answer["type"] = "name-verification"
        return Reply(200, answer)

    def entity_ownership(call: Call) -> Reply:
        body = json_object(call.request)
        entity = store.entity_ref(uuid_param(body.get("entity_id"), "entity_id"))
        _identifications(body)
        ibans = [
            {
                "iban": account_body(seed, a)["account"][0]["identification"],
                "iban_ownership_verified": True,
            }
            for a in store.accounts_of(entity)
        ]
        verified = {
            "entity_ownership_verified": True,
            "verification_method": "OPEN_BANKING",
            "ibans": ibans,
        }
        return Reply(200, async_envelope("verifications", verified, kind=None, message=OK_MESSAGE))

    def beneficiary_name(call: Call) -> Reply:
        body = json_object(call.request)
        iban = str(body.get("iban") or "")
        if not iban:
            raise SandboxError(400, "MISSING_PARAMETERS", "iban is required")
        if not iban_ok(iban):
            return Reply(200, _failed("GIVEN_INPUT_CANNOT_BE_VERIFIED"))
        name, _ = holder_name(seed, iban)
        verified = {"beneficiary_name": name, "account_status": "ACTIVE"}
        return Reply(200, async_envelope("verifications", verified, kind=None, message=OK_MESSAGE))

    def corporates(call: Call) -> Reply:
        body = json_object(call.request)
        kind = body.get("type") or "BASIC"
        if kind not in bodies.CORPORATE_TYPES:
            raise SandboxError(
                400,
                "INVALID_PARAMETERS",
                f"type must be one of {', '.join(bodies.CORPORATE_TYPES)}",
            )
        _identifications(body)
        number = _identification(body, "UNIFIED_NUMBER") or "7000000000"
        draws = rng_for(seed, "corporate", number)
        verified = bodies.corporate(kind, number, draws)
        return Reply(200, async_envelope("verifications", verified, kind=None, message=OK_MESSAGE))

    def managers(call: Call) -> Reply:
        body = json_object(call.request)
        _identifications(body)
        number = _identification(body, "UNIFIED_NUMBER") or "7000000000"
        verified = bodies.managers(rng_for(seed, "managers", number))
        return Reply(200, async_envelope("verifications", verified, kind=None, message="OK"))

    def freelancers(call: Call) -> Reply:
        body = json_object(call.request)
        kind = body.get("type") or "FULL"
        if kind not in bodies.FREELANCER_TYPES:
            raise SandboxError(
                400,
                "INVALID_PARAMETERS",
                f"type must be one of {', '.join(bodies.FREELANCER_TYPES)}",
            )
        _identifications(body)
        national_id = _identification(body, "NATIONAL_ID")
        if not national_id:
            raise SandboxError(
                400, "MISSING_PARAMETERS", "a NATIONAL_ID identification is required"
            )
        number = _identification(body, "FREELANCER_NUMBER")
        verified = bodies.freelancer(
            kind, national_id, number, rng_for(seed, "freelancer", national_id)
        )
        return Reply(
            200,
            async_envelope(
                "verifications", verified, kind=None, message="Freelancer verification successful"
            ),
        )

    return [
        Route("POST", "/verifications/v1/accounts", accounts),
        Route("POST", "/insights/v1/name-verification", name_verification, UAE),
        Route("POST", "/verifications/v2/entity", entity_ownership, KSA),
        Route("POST", "/verifications/v2/beneficiary-name", beneficiary_name, KSA),
        Route("POST", "/verifications/v1/corporates", corporates, KSA),
        Route("POST", "/verifications/v1/corporates/managers", managers, KSA),
        Route("POST", "/verifications/v1/freelancers", freelancers, KSA),
    ]
