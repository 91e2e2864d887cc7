"""Banks, customers and entities on the sandbox: Lean's shapes, Lean's paging names.

Lean pages ``/customers/v1`` and ``/customers/v1/entities`` with ``page_number``/
``page_size`` and ignores names it does not know: a client sending ``page``/``size`` there
gets page 0 at the default size, every time. The sandbox must do the same, or a listing
that loops or duplicates against Lean would pass here.
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import requests

from lean_connector.testing.sandbox import BANKS, LeanSandbox
from tests.support.sandbox_http import assert_lean_error, session

pytestmark = pytest.mark.integration

ENTITY_KEYS = {
    "id",
    "customer_id",
    "bank_identifier",
    "permissions",
    "bank_type",
    "created_at",
    "consents",
}
CONSENT_KEYS = {
    "id",
    "bank_consent_id",
    "bank_identifier",
    "consent_type",
    "consent_status",
    "standard_consent_status",
    "permissions",
    "creation_date_time",
    "status_update_date_time",
    "expiration_date_time",
    "transaction_from_date_time",
    "transaction_to_date_time",
    "accounts",
}
PERMISSIONS = {
    "identity",
    "accounts",
    "balance",
    "transactions",
    "identities",
    "scheduled_payments",
    "standing_orders",
    "direct_debits",
    "beneficiaries",
}


def test_customers_create_get_and_conflict(
    lean_sandbox: LeanSandbox, api: requests.Session
) -> None:
    base, app_user_id = f"{lean_sandbox.api_url}/customers/v1", f"user-{uuid.uuid4()}"
    created = api.post(f"{base}/", json={"app_user_id": app_user_id})
    assert created.status_code == 200
    customer = created.json()
    assert set(customer) == {"customer_id", "app_user_id"}
    assert api.get(f"{base}/app-user-id/{app_user_id}").json() == customer
    assert api.get(f"{base}/{customer['customer_id']}").json() == customer
    again = api.post(f"{base}/", json={"app_user_id": app_user_id})
    assert_lean_error(again, 409, "CUSTOMER_ALREADY_EXISTS", "already exists")
    assert_lean_error(api.post(f"{base}/", json={}), 400, "MISSING_PARAMETERS", "app_user_id")
    form = api.post(f"{base}/", data={"app_user_id": "x"})
    assert_lean_error(form, 400, "INVALID_PARAMETERS", "application/json")
    unknown = api.get(f"{base}/{uuid.uuid4()}")
    assert_lean_error(unknown, 404, "UNKNOWN_ENTITY", "no customer")
    assert api.get(f"{base}/{customer['customer_id']}/entities").json() == []


def test_a_seeded_app_user_id_cannot_be_created_again(
    lean_sandbox: LeanSandbox, api: requests.Session
) -> None:
    taken = api.post(
        f"{lean_sandbox.api_url}/customers/v1/", json={"app_user_id": "sandbox-user-00000"}
    )
    assert_lean_error(taken, 409, "CUSTOMER_ALREADY_EXISTS", "already exists")


def test_routes_are_exact(lean_sandbox: LeanSandbox, api: requests.Session) -> None:
    assert_lean_error(api.get(f"{lean_sandbox.api_url}/banks/v1"), 404, "NOT_FOUND", "/banks/v1")
    delete = api.delete(f"{lean_sandbox.api_url}/banks/v1/")
    assert_lean_error(delete, 405, "METHOD_NOT_ALLOWED", "DELETE")
    assert lean_sandbox.counters.calls[("GET", "<unmatched>")] == 1


def test_banks_have_lean_keys_and_filter_by_account_type(
    lean_sandbox: LeanSandbox, api: requests.Session
) -> None:
    url = f"{lean_sandbox.api_url}/banks/v1/"
    banks = api.get(url).json()
    assert [b["identifier"] for b in banks] == [b["identifier"] for b in BANKS]
    assert {"identifier", "name", "country_code", "transfer_limits", "availability"} <= set(
        banks[0]
    )
    assert isinstance(banks[0]["transfer_limits"][0]["max"], int)
    business = api.get(url, params={"account_types": "BUSINESS"}).json()
    assert business
    assert {b["account_type"] for b in business} == {"BUSINESS"}
    personal = api.get(url, params={"account_types": "PERSONAL"}).json()
    assert len(personal) + len(business) == len(BANKS)


def test_customers_page_with_page_number_and_page_size(
    lean_sandbox: LeanSandbox, api: requests.Session
) -> None:
    lean_sandbox.seed_customers(7, 0, 0, 0, app_user_prefix=f"paging-{uuid.uuid4().hex[:8]}")
    url = f"{lean_sandbox.api_url}/customers/v1"
    total = api.get(url, params={"page_size": 1}).json()["page"]["total_elements"]
    size = 3
    pages = [
        api.get(url, params={"page_number": n, "page_size": size}).json()
        for n in range(-(-total // size) + 1)
    ]
    listed = [c["customer_id"] for p in pages for c in p["data"]]
    assert len(listed) == len(set(listed)) == total
    assert pages[-1]["data"] == []  # past the end: empty, not an error
    assert pages[0]["page"] == {
        "number": 0,
        "size": size,
        "total_elements": total,
        "total_pages": -(-total // size),
        "sort": None,
    }
    assert [c["customer_id"] for c in lean_sandbox.data.customers()] == listed


@pytest.mark.parametrize("path", ["/customers/v1", "/customers/v1/entities"])
def test_unknown_paging_names_are_ignored_as_lean_does(
    lean_sandbox: LeanSandbox, api: requests.Session, path: str
) -> None:
    lean_sandbox.seed_customers(60, 1, 0, 0, app_user_prefix=f"ignored-{uuid.uuid4().hex[:8]}")
    url = f"{lean_sandbox.api_url}{path}"
    first = api.get(url).json()
    for wrong in ({"page": 1, "size": 5}, {"page": 2, "size": 5}, {"pageNumber": 3}):
        answer = api.get(url, params=wrong).json()
        assert answer["page"]["number"] == 0
        assert answer["page"]["size"] == 50
        assert answer["data"] == first["data"], f"{wrong} must be ignored"
    assert_lean_error(
        api.get(url, params={"page_size": "0"}), 400, "INVALID_PARAMETERS", "page_size"
    )
    assert_lean_error(
        api.get(url, params={"page_number": "x"}), 400, "INVALID_PARAMETERS", "page_number"
    )


def test_all_entities_are_listed_with_lean_page_number_and_page_size(
    lean_sandbox: LeanSandbox, api: requests.Session
) -> None:
    lean_sandbox.seed_customers(3, 2, 1, 1)
    every = [e["id"] for e in lean_sandbox.data.all_entities()]
    url = f"{lean_sandbox.api_url}/customers/v1/entities"
    size = 4
    pages = [
        api.get(url, params={"page_number": n, "page_size": size}).json()
        for n in range((len(every) + size - 1) // size + 1)
    ]
    assert [e["id"] for p in pages for e in p["data"]] == every
    assert pages[-1]["data"] == []
    assert pages[0]["page"]["total_elements"] == len(every)
    assert lean_sandbox.counters.calls[("GET", "/customers/v1/entities")] == len(pages)
    entity = pages[0]["data"][0]
    assert set(entity) == ENTITY_KEYS | {"status", "updated_at"}
    assert entity["status"] == "ACTIVE"


def test_entities_by_date_range(lean_sandbox: LeanSandbox, api: requests.Session) -> None:
    # A customer of its own: the seeded ones are shared by every test of the session.
    customer_id = lean_sandbox.seed_customers(1, 0, 0, 0).customer_ids[0]
    connected = lean_sandbox.connect_entity(customer_id, bank_identifier="SNB_KSA")
    url = f"{lean_sandbox.api_url}/customers/v1/entities"
    today = dt.date.fromisoformat(connected["created_at"][:10])
    recent = api.get(
        url, params={"start_date": str(today), "end_date": str(today), "page_size": 1000}
    ).json()
    assert connected["id"] in [e["id"] for e in recent["data"]]
    assert all(e["created_at"][:10] == str(today) for e in recent["data"])
    past = today - dt.timedelta(days=2)
    older = api.get(url, params={"end_date": str(past), "page_size": 1000}).json()
    assert older["data"], "seeded entities were connected before seeding day"
    assert all(e["created_at"][:10] <= str(past) for e in older["data"])
    assert connected["id"] not in [e["id"] for e in older["data"]]
    backwards = api.get(url, params={"start_date": str(today), "end_date": str(past)})
    assert_lean_error(backwards, 400, "INVALID_PARAMETERS", "start_date must not be after")
    assert_lean_error(
        api.get(url, params={"start_date": "2025-13-01"}),
        400,
        "INVALID_PARAMETERS",
        "start_date must be a date",
    )


def test_entities_of_a_customer_and_one_entity(
    lean_sandbox: LeanSandbox, api: requests.Session
) -> None:
    customer_id = lean_sandbox.seeded.customer_ids[0]
    base = f"{lean_sandbox.api_url}/customers/v1/{customer_id}/entities"
    listed = api.get(base).json()
    assert isinstance(listed, list)  # a bare array, as Lean answers
    assert [e["id"] for e in listed][:1] == [lean_sandbox.seeded.entity_ids[0]]
    entity = api.get(f"{base}/{listed[0]['id']}").json()
    assert entity == listed[0]
    assert set(entity) == ENTITY_KEYS
    assert set(entity["permissions"]) == PERMISSIONS
    (consent,) = entity["consents"]
    assert set(consent) == CONSENT_KEYS
    accounts = lean_sandbox.data.accounts(entity["id"])
    assert [a["identification"] for a in consent["accounts"]] == [
        a["account"][0]["identification"] for a in accounts
    ]
    other = lean_sandbox.seeded.customer_ids[1]
    foreign = api.get(f"{lean_sandbox.api_url}/customers/v1/{other}/entities/{entity['id']}")
    assert_lean_error(foreign, 404, "UNKNOWN_ENTITY", "does not belong")


def test_connect_entity_grants_only_the_permissions_given(
    lean_sandbox: LeanSandbox, api: requests.Session
) -> None:
    customer = api.post(
        f"{lean_sandbox.api_url}/customers/v1/", json={"app_user_id": f"link-{uuid.uuid4()}"}
    ).json()
    entity = lean_sandbox.connect_entity(
        customer["customer_id"], permissions=("identity", "accounts"), accounts=1
    )
    assert entity["permissions"] == {name: name in ("identity", "accounts") for name in PERMISSIONS}
    listed = api.get(f"{lean_sandbox.api_url}/customers/v1/{customer['customer_id']}/entities")
    assert [e["id"] for e in listed.json()] == [entity["id"]]
    with pytest.raises(ValueError, match="unknown permissions"):
        lean_sandbox.connect_entity(customer["customer_id"], permissions=("payments",))


def test_a_region_sandbox_serves_only_that_region() -> None:
    with LeanSandbox(region="ae") as uae:
        body = {"iban": "SA0380000000608010167519"}
        assert uae.workdir is not None
        with session(uae.workdir / "ca_chain.pem") as http:
            http.headers["lean-app-token"] = uae.app_token
            ksa_only = http.post(f"{uae.api_url}/verifications/v2/beneficiary-name", json=body)
            uae_only = http.get(f"{uae.api_url}/payments/v1/destinations")
    assert_lean_error(ksa_only, 404, "NOT_FOUND", "/verifications/v2/beneficiary-name")
    assert uae_only.status_code == 200
    with pytest.raises(ValueError, match="region must be 'ae', 'sa' or None"):
        LeanSandbox(region="uk")
