"""Every family of Lean's API through the resources, against the local sandbox (no mocks).

The sandbox serves Lean's paths, paging names and body shapes and keeps state, so these
run whole flows: an intent paid, a consent authorised and used, payouts and refunds, every
data listing paged one item at a time, insights and verifications in both regions.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest

from lean_connector.client import LeanConnector
from lean_connector.logs import capture_logs
from lean_connector.testing.sandbox import LeanSandbox

pytestmark = pytest.mark.integration

Lean = Callable[..., LeanConnector]


@pytest.fixture
def lean(lean_sandbox: LeanSandbox) -> Iterator[Lean]:
    """Connectors on the sandbox (OAuth), in the region asked for; closed after the test."""
    built: list[LeanConnector] = []

    def make(region: str = "ae") -> LeanConnector:
        connector = LeanConnector.from_spec(
            **lean_sandbox.spec_overrides("oauth"), region=region, retry={"max_backoff_s": 0.05}
        )
        built.append(connector)
        return connector

    yield make
    for connector in built:
        connector.close()


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def calls(sandbox: LeanSandbox, method: str, route: str) -> int:
    return sandbox.counters.calls[(method, route)]


# -- data ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind",
    ["beneficiaries", "direct_debits", "identities", "scheduled_payments", "standing_orders"],
)
def test_account_listings_page_each_item_once(
    kind: str, lean: Lean, lean_sandbox: LeanSandbox
) -> None:
    connector = lean()
    entity_id, account_id = lean_sandbox.seeded.entity_ids[0], lean_sandbox.seeded.account_ids[0]
    listing = getattr(connector.data, kind)

    one_by_one = list(listing(account_id, entity_id=entity_id, page_size=1))
    whole = list(listing(account_id, entity_id=entity_id, page_size=100))

    assert one_by_one == whole
    assert whole, f"the sandbox seeds {kind}"


def test_identity_and_refreshes(lean: Lean, lean_sandbox: LeanSandbox) -> None:
    connector = lean()
    entity_id = lean_sandbox.seeded.entity_ids[0]

    identity = list(connector.data.identity(entity_id))
    started = connector.data.refresh(entity_id)
    status = connector.data.refresh_status(started["refresh_id"], entity_id=entity_id)
    refreshes = [r["refresh_id"] for r in connector.data.refreshes(entity_id, page_size=1)]

    assert identity
    assert status["refresh_id"] == started["refresh_id"]
    assert started["refresh_id"] in refreshes
    assert len(refreshes) == len(set(refreshes))


def test_a_server_ignoring_the_page_gives_each_transaction_once(
    lean: Lean, lean_sandbox: LeanSandbox
) -> None:
    # The sandbox answers page 0 whatever is asked, echoing its number, total_pages 10**9.
    connector = lean()
    entity_id, account_id = lean_sandbox.seeded.entity_ids[0], lean_sandbox.seeded.account_ids[0]
    lean_sandbox.faults.malformed_data(entity_id, "page_ignored")
    before = calls(lean_sandbox, "GET", "/data/v2/accounts/{account_id}/transactions")

    with capture_logs() as logs:
        listed = list(
            connector.data.transactions(
                account_id,
                entity_id=entity_id,
                start_date="2000-01-01",
                end_date="2100-01-01",
                page_size=7,
            )
        )

    assert len(listed) == 7
    assert len({t["transaction_id"] for t in listed}) == 7
    assert calls(lean_sandbox, "GET", "/data/v2/accounts/{account_id}/transactions") - before == 2
    assert [e["event"] for e in logs if e["event"].startswith("api.listing")] == [
        "api.listing_stopped"
    ]


# -- payments, consents, payouts, refunds ----------------------------------------------------


def test_an_intent_is_paid_and_listed_with_exact_amounts(
    lean: Lean, lean_sandbox: LeanSandbox
) -> None:
    connector = lean()
    customer_id = connector.customers.create(unique("pay"))["customer_id"]

    intent = connector.payments.create_intent(
        amount=Decimal("100.10"), currency="AED", customer_id=customer_id, description="rent"
    )
    lean_sandbox.authorize_payment(intent["payment_intent_id"])
    paid = connector.payments.get_intent(intent["payment_intent_id"])
    (payment,) = paid["payments"]

    assert intent["amount"] == Decimal("100.10")
    assert isinstance(intent["amount"], Decimal)
    assert connector.payments.get(payment["id"])["payment_intent_id"] == intent["payment_intent_id"]
    assert intent["payment_intent_id"] in {
        i["payment_intent_id"] for i in connector.payments.intents()
    }


def test_a_consent_is_authorised_listed_and_paid_from(
    lean: Lean, lean_sandbox: LeanSandbox
) -> None:
    connector = lean()
    customer_id = connector.customers.create(unique("aof"))["customer_id"]
    destination_id = connector.destinations.list()[0]["id"]
    created = [
        connector.consents.create_account_on_file(
            customer_id=customer_id,
            destination_account_id=destination_id,
            currency="AED",
            description="subscription",
            reference=unique("ref"),
            purpose="SRV",
            control_parameters={"period_type": "Month", "max_individual_amount": 50},
            government_identifier={"type": "EMIRATES_ID", "value": "784-1990-1234567-1"},
        )
        for _ in range(3)
    ]
    consent_id = created[0]["id"]
    lean_sandbox.authorize_consent(consent_id)

    listed = [c["consent_id"] for c in connector.consents.list(page_size=1)]
    consent = connector.consents.get(consent_id)
    connector.payments.pay_account_on_file(
        consent_id=consent_id, amount=Decimal("12.50"), reference="first"
    )
    history = list(connector.consents.history(consent_id))
    balance = connector.consents.balance(consent_id)

    assert {c["id"] for c in created} <= set(listed)
    assert len(listed) == len(set(listed))
    assert consent["consent_id"] == consent_id
    assert history
    assert balance


def test_payouts_and_refunds(lean: Lean, lean_sandbox: LeanSandbox) -> None:
    connector = lean()
    customer_id = connector.customers.create(unique("payout"))["customer_id"]
    source = lean_sandbox.add_payment_source(customer_id)
    account_id = source["accounts"][0]["account_id"]
    (destination,) = connector.payouts.create_destinations(
        [
            {
                "bank_identifier": "ENBD_UAE",
                "name": "Jane Doe",
                "iban": "AE070331234567890123456",
                "display_name": "Jane",
                "account_number": "1234567890",
                "swift_code": "EBILAEAD",
                "address": "1 Street",
                "branch_address": "Main branch",
                "country": "ARE",
                "city": "Dubai",
                "customer_id": customer_id,
                "currency_iso_code": "AED",
                "postal_code": "00000",
            }
        ]
    )
    destination_id = destination["destination_id"]
    payout = connector.payouts.create(
        payment_details=[
            {
                "account_id": account_id,
                "currency": "AED",
                "destination_details": [
                    {"payment_destination_id": destination_id, "amount": 20, "description": "x"}
                ],
            }
        ]
    )
    intent_id = payout["payouts_payment_details"][0]["payment_intent_id"]
    payout_intent = connector.payouts.get_intent(intent_id)
    payment_id = payout_intent["payment"]["id"]

    listed = [p["payment_intent_id"] for p in connector.payouts.list(page_size=1)]
    assert intent_id in listed
    assert len(listed) == len(set(listed))
    assert connector.payouts.get(payment_id)["id"] == payment_id
    assert list(connector.payouts.history(payment_id))
    assert connector.payouts.get_destination(destination_id)


def test_a_paid_intent_is_refunded_and_the_refund_approved(
    lean: Lean, lean_sandbox: LeanSandbox
) -> None:
    connector = lean()
    customer_id = connector.customers.create(unique("refund"))["customer_id"]
    intent = connector.payments.create_intent(amount=20, currency="AED", customer_id=customer_id)
    lean_sandbox.authorize_payment(intent["payment_intent_id"])
    (payment,) = connector.payments.get_intent(intent["payment_intent_id"])["payments"]

    refunds = connector.refunds.create(
        [
            {
                "payment_id": payment["id"],
                "amount": Decimal("5.25"),
                "currency": "AED",
                "reason_code": "CUSTOMER_REQUEST",
                "description": "returned",
                "external_reference": unique("rma"),
            }
        ]
    )
    refund_id = refunds[0]["refund_id"]
    decided = connector.refunds.process([{"refund_id": refund_id, "status": "APPROVED"}])

    assert refunds[0]["amount"] == Decimal("5.25")
    assert decided[0]["refund_id"] == refund_id
    assert refund_id in {r["refund_id"] for r in connector.refunds.list(size=100)}
    assert connector.refunds.reasons()


# -- insights and verifications, per region ---------------------------------------------------


def statuses(*answers: Any) -> set[str]:
    return {answer["status"] for answer in answers}


def test_insights_and_verifications_in_the_uae(lean: Lean, lean_sandbox: LeanSandbox) -> None:
    connector = lean("ae")
    entity_id = lean_sandbox.seeded.entity_ids[0]

    answers = (
        connector.insights.cashflows(entity_id, start_date="2025-01-01"),
        connector.insights.expenses(entity_id),
        connector.insights.income(entity_id),
        connector.verifications.name(entity_id, full_name="Jane Doe"),
        connector.verifications.account(
            country_code="AE",
            type="PERSONAL",
            account_details={"type": "IBAN", "value": "AE070331234567890123456"},
            identifications=[{"type": "FULL_NAME", "value": "Jane Doe"}],
        ),
    )

    assert statuses(*answers) <= {"OK", "FAILED"}


def test_insights_and_verifications_in_ksa(lean: Lean, lean_sandbox: LeanSandbox) -> None:
    connector = lean("sa")
    entity_id = lean_sandbox.seeded.entity_ids[0]
    identifications = [{"type": "NATIONAL_ID", "value": "1010101010"}]

    answers = (
        connector.insights.cash_balances(entity_id, start_date="2025-01-01"),
        connector.insights.freelancer_cashflows(entity_id),
        connector.insights.employment(entity_id),
        connector.insights.credit_obligations(entity_id),
        connector.insights.non_credit_obligations(entity_id),
        connector.verifications.entity(entity_id, identifications=identifications),
        connector.verifications.beneficiary_name("SA0380000000608010167519"),
        connector.verifications.corporate(type="BASIC", identifications=identifications),
        connector.verifications.corporate_managers(identifications=identifications),
        connector.verifications.freelancer(type="BASIC", identifications=identifications),
    )

    assert statuses(*answers) <= {"OK", "FAILED"}
