"""Insights and verifications on the sandbox: Lean's async envelope, the payload key each
family uses, the asynchronous mode, and verification outcomes Lean reports with HTTP 200."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import requests

from lean_connector.testing.sandbox import LeanSandbox
from tests.support.sandbox_http import assert_lean_error

pytestmark = pytest.mark.integration

ENVELOPE = {"status", "results_id", "message", "meta", "timestamp", "status_detail"}
# path -> (type, top-level keys of insights)
INSIGHTS = {
    "/insights/v2/assets/cashflows": (
        None,
        {"total", "monthly_totals", "credit_debit_behaviour", "big_payments"},
    ),
    "/insights/v2/expenses": ("expenses", {"currency", "total", "monthly_totals"}),
    "/insights/v2/assets/balances": (None, {"total", "monthly_totals", "balance_factors"}),
    "/insights/v2/income/employment": ("employment", {"employment_details"}),
    "/insights/v2/assets/freelancers/cashflows": (
        "freelancer-cashflow",
        {"account_information", "total", "monthly_totals"},
    ),
    "/insights/v2/liabilities/credit-obligations": (
        "credits-obligations",
        {"current_credit_cards_balance", "number_of_credit_cards", "total", "monthly_totals"},
    ),
    "/insights/v2/liabilities/non-credit-obligations": (
        "non-credits-obligations",
        {"total", "monthly_totals"},
    ),
}
IBAN = "SA0380000000608010167519"


def _post(sandbox: LeanSandbox, api: requests.Session, path: str, body: Any) -> Any:
    response = api.post(f"{sandbox.api_url}{path}", json=body)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("path", list(INSIGHTS))
def test_each_insight_in_lean_envelope(
    lean_sandbox: LeanSandbox, api: requests.Session, path: str
) -> None:
    entity = lean_sandbox.seeded.entity_ids[0]
    kind, keys = INSIGHTS[path]
    response = api.get(f"{lean_sandbox.api_url}{path}", params={"entity_id": entity})
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == ENVELOPE | {"insights"} | ({"type"} if kind else set())
    assert body.get("type") == kind
    assert set(body["insights"]) == keys
    again = api.get(f"{lean_sandbox.api_url}{path}", params={"entity_id": entity}).json()
    assert again["insights"] == body["insights"], "the same entity gets the same insights"


def test_income_and_its_types(lean_sandbox: LeanSandbox, api: requests.Session) -> None:
    entity = lean_sandbox.seeded.entity_ids[0]
    both = _post(
        lean_sandbox, api, "/insights/v2/income", {"entity_id": entity, "income_type": "ALL"}
    )
    assert both["type"] == "income"
    assert set(both["insights"]) == {"salary", "non_salary"}
    assert both["insights"]["salary"]["transactions"][0]["income_source"]["type"] == "EMPLOYMENT"
    salary = _post(
        lean_sandbox, api, "/insights/v2/income", {"entity_id": entity, "income_type": "SALARY"}
    )
    assert salary["insights"]["non_salary"] is None
    bad = api.post(
        f"{lean_sandbox.api_url}/insights/v2/income", json={"entity_id": entity, "income_type": "X"}
    )
    assert_lean_error(bad, 400, "INVALID_PARAMETERS", "income_type must be one of")
    unknown = api.post(
        f"{lean_sandbox.api_url}/insights/v2/income", json={"entity_id": str(uuid.uuid4())}
    )
    assert_lean_error(unknown, 404, "UNKNOWN_ENTITY", "did not match")


def test_async_insight_is_pending_then_served_from_results(
    lean_sandbox: LeanSandbox, api: requests.Session
) -> None:
    entity = lean_sandbox.seeded.entity_ids[0]
    url = f"{lean_sandbox.api_url}/insights/v2/expenses"
    pending = api.get(url, params={"entity_id": entity, "async": "true"}).json()
    assert pending["status"] == "PENDING"
    ready = api.get(f"{lean_sandbox.api_url}/data/v2/results/{pending['results_id']}").json()
    assert ready["status"] == "OK"
    assert ready["type"] == "expenses"


def test_account_verification_outcomes(lean_sandbox: LeanSandbox, api: requests.Session) -> None:
    def verify(name: str, iban: str = IBAN) -> Any:
        body = {
            "country_code": "SA",
            "type": "PERSONAL",
            "account_details": {"type": "IBAN", "value": iban},
            "identifications": [{"type": "FULL_NAME", "value": name}],
        }
        return _post(lean_sandbox, api, "/verifications/v1/accounts", body)

    ok = verify("Abbas Al-Sheikh")
    assert ok["status"] == "OK"
    assert ok["verifications"]["account_ownership_verified"] is True
    assert ok["verifications"]["account_holder_name"] == "ABBAS AL-SHEIKH"
    blocked = verify("BLOCKED USER")["verifications"]
    assert (blocked["account_status"], blocked["account_ownership_verified"]) == ("BLOCKED", False)
    failed = verify("BANK_ISSUE")
    assert failed["status"] == "FAILED"
    assert failed["verifications"] is None
    assert failed["status_detail"]["granular_status_code"] == "BANK_ISSUE"
    wrong = verify("Someone", iban="SA0000000000000000000000")
    assert wrong["status_detail"]["granular_status_code"] == "GIVEN_INPUT_CANNOT_BE_VERIFIED"


def test_name_verification_compares_with_the_account_holder(
    lean_sandbox: LeanSandbox, api: requests.Session
) -> None:
    entity = lean_sandbox.seeded.entity_ids[0]
    holder = lean_sandbox.data.accounts(entity)[0]["account_holder_name"]

    def verify(name: str) -> Any:
        body = {"entity_id": entity, "full_name": name, "async": "false"}
        return _post(lean_sandbox, api, "/insights/v1/name-verification", body)["data"]

    assert verify(holder)["match_type"] == "PERFECT_MATCH"
    partial = verify(holder.split()[0] + " Nobody")
    assert partial["match_type"] == "PARTIAL_MATCH"
    assert 0 < partial["confidence"] < 1
    assert verify("Zz Qq")["match_type"] == "NO_MATCH"


def test_ksa_verifications(lean_sandbox: LeanSandbox, api: requests.Session) -> None:
    entity = lean_sandbox.seeded.entity_ids[0]
    owned = _post(
        lean_sandbox,
        api,
        "/verifications/v2/entity",
        {"entity_id": entity, "identifications": [{"type": "NATIONAL_ID", "value": "1"}]},
    )["verifications"]
    assert owned["entity_ownership_verified"] is True
    assert len(owned["ibans"]) == len(lean_sandbox.data.accounts(entity))
    name = _post(lean_sandbox, api, "/verifications/v2/beneficiary-name", {"iban": IBAN})
    assert name["verifications"]["account_status"] == "ACTIVE"
    ids = [{"type": "UNIFIED_NUMBER", "value": "7001272184"}]
    basic = _post(
        lean_sandbox,
        api,
        "/verifications/v1/corporates",
        {"type": "BASIC", "language": "en", "identifications": ids},
    )["verifications"]
    address = _post(
        lean_sandbox,
        api,
        "/verifications/v1/corporates",
        {"type": "ADDRESS", "language": "en", "identifications": ids},
    )["verifications"]
    assert set(basic) == set(address)  # every key always present; null where not asked for
    assert basic["company_name"] is not None
    assert basic["addresses"] is None
    assert address["company_name"] is None
    assert address["addresses"][0]["city"] == "RIYADH"
    managers = _post(
        lean_sandbox,
        api,
        "/verifications/v1/corporates/managers",
        {"identifications": ids, "language": "en"},
    )["verifications"]
    assert isinstance(managers, list)
    assert managers[0]["permissions"][0]["can_delegate"] is True
    freelancer_ids = [
        {"type": "NATIONAL_ID", "value": "1107454009"},
        {"type": "FREELANCER_NUMBER", "value": "FL-013988291"},
    ]
    full = _post(
        lean_sandbox,
        api,
        "/verifications/v1/freelancers",
        {"type": "FULL_LIST", "identifications": freelancer_ids},
    )["verifications"]
    assert full["national_id"] == "1107454009"
    assert len(full["certificate"]) == 3
    assert full["certificate"][0]["number"] == "FL-013988291"
    refused = api.post(
        f"{lean_sandbox.api_url}/verifications/v1/freelancers",
        json={"type": "FULL", "identifications": [{"type": "FREELANCER_NUMBER", "value": "x"}]},
    )
    assert_lean_error(refused, 400, "MISSING_PARAMETERS", "NATIONAL_ID")
