"""Seeding: deterministic, lazy (a million customers cost nothing until asked for), ids
that are UUID v4 and found again, app_user_ids that never collide."""

from __future__ import annotations

import uuid

import pytest
import requests

from lean_connector.testing.sandbox import DataStore, LeanSandbox, SandboxError

pytestmark = pytest.mark.integration


def test_seeded_data_is_deterministic() -> None:
    first, second = DataStore(7), DataStore(7)
    assert first.seed_customers(3, 2, 2, 5) == second.seed_customers(3, 2, 2, 5)
    assert first.customers() == second.customers()
    assert DataStore(8).seed_customers(3, 2, 2, 5) != DataStore(7).seed_customers(3, 2, 2, 5)


def test_the_same_seed_gives_the_same_bodies() -> None:
    first, second = DataStore(7), DataStore(7)
    a = first.seed_customers(2, 1, 1, 4)
    b = second.seed_customers(2, 1, 1, 4)
    args_a = (a.entity_ids[1], a.account_ids[1])
    args_b = (b.entity_ids[1], b.account_ids[1])
    assert first.transactions(*args_a) == second.transactions(*args_b)
    assert first.balances(*args_a) == second.balances(*args_b)
    assert first.accounts(a.entity_ids[1]) == second.accounts(b.entity_ids[1])
    other = DataStore(8).seed_customers(2, 1, 1, 4)
    assert other.account_ids[1] != a.account_ids[1]


def test_seeding_a_million_customers_is_lazy_and_every_one_is_found(
    lean_sandbox: LeanSandbox, api: requests.Session
) -> None:
    prefix = f"million-{uuid.uuid4().hex[:8]}"
    seeded = lean_sandbox.seed_customers(1_000_000, 2, 3, 1_000, app_user_prefix=prefix)
    assert (len(seeded.customer_ids), len(seeded.entity_ids), len(seeded.account_ids)) == (
        1_000_000,
        2_000_000,
        6_000_000,
    )
    last = seeded.customer_ids[-1]
    assert uuid.UUID(last).version == 4
    base = f"{lean_sandbox.api_url}/customers/v1"
    found = api.get(f"{base}/{last}").json()
    assert found == {"customer_id": last, "app_user_id": f"{prefix}-999999"}
    assert api.get(f"{base}/app-user-id/{prefix}-999999").json() == found
    entities = api.get(f"{base}/{last}/entities").json()
    assert [e["id"] for e in entities] == list(seeded.entity_ids[-2:])
    accounts = api.get(
        f"{lean_sandbox.api_url}/data/v2/accounts", params={"entity_id": entities[-1]["id"]}
    ).json()["data"]["accounts"]
    assert [a["account_id"] for a in accounts] == list(seeded.account_ids[-3:])
    listing = api.get(base, params={"page_size": 1}).json()
    assert listing["page"]["total_elements"] >= 1_000_000


def test_seeded_ids_are_unknown_to_other_seeds_and_kinds(lean_sandbox: LeanSandbox) -> None:
    seeded = lean_sandbox.seeded
    with pytest.raises(SandboxError, match="no customer"):
        lean_sandbox.data.customer(seeded.entity_ids[0])  # an entity id is not a customer id
    with pytest.raises(SandboxError, match="no customer"):
        DataStore(99).customer(seeded.customer_ids[0])
    forged = str(uuid.UUID(int=uuid.UUID(seeded.customer_ids[0]).int ^ 1))
    with pytest.raises(SandboxError, match="no customer"):
        lean_sandbox.data.customer(forged)


def test_app_user_ids_continue_after_existing_ones(lean_sandbox: LeanSandbox) -> None:
    prefix = f"numbered-{uuid.uuid4().hex[:8]}"
    store = lean_sandbox.data
    store.create_customer(f"{prefix}-00004")
    seeded = lean_sandbox.seed_customers(2, 0, 0, 0, app_user_prefix=prefix)
    names = [store.customer(c)["app_user_id"] for c in seeded.customer_ids]
    assert names == [f"{prefix}-00005", f"{prefix}-00006"]
    again = lean_sandbox.seed_customers(1, 0, 0, 0, app_user_prefix=prefix)
    assert store.customer(again.customer_ids[0])["app_user_id"] == f"{prefix}-00007"
    assert store.create_customer(f"{prefix}-00006") is None  # taken by a seeded customer


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((-1,), "n_customers must be a non-negative int, got -1"),
        ((1, 1.5), "entities_per_customer must be a non-negative int, got 1.5"),
        ((1, 1, True), "accounts_per_entity must be a non-negative int, got True"),
    ],
)
def test_seed_customers_refuses_bad_sizes(args: tuple[object, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message.replace(".", r"\.")):
        DataStore(1).seed_customers(*args)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="app_user_prefix must be a non-empty string"):
        DataStore(1).seed_customers(1, app_user_prefix="a/b")
