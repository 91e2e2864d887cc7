"""The sandbox's customers, entities and accounts: seeded blocks plus what clients created.

Seeded objects are computed from their block and index (see ``_seeded``); customers made
with ``POST /customers/v1/`` and entities connected with :meth:`DataStore.connect_entity`
are stored. Listings keep creation order and cut pages without building the whole list.
Methods raise :class:`SandboxError` 404 for unknown ids. Thread-safe.
"""

from __future__ import annotations

import bisect
import datetime as dt
import random
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from lean_connector.testing.sandbox._banks import bank
from lean_connector.testing.sandbox._http import SandboxError
from lean_connector.testing.sandbox._ids import ACCOUNT, CUSTOMER, ENTITY, MAX_BLOCKS, SeededIds
from lean_connector.testing.sandbox._seeded import (
    DATA_PERMISSIONS,
    AccountRef,
    CustomerRef,
    EntityRef,
    SeedBlock,
)

__all__ = ["CoreStore", "SeededData"]


@dataclass(frozen=True)
class SeededData:
    """Ids created by one ``seed_customers`` call, in creation order (computed on access)."""

    customer_ids: Sequence[str]
    entity_ids: Sequence[str]
    account_ids: Sequence[str]


def _not_found(code: str, message: str) -> SandboxError:
    return SandboxError(404, code, message)


class _Segment:
    """A run of customers (or entities) in creation order: a seeded block or stored ones."""

    def __init__(self, block: SeedBlock | None) -> None:
        self.block = block
        self.stored: list[str] = []

    def __len__(self) -> int:
        if self.block is None:
            return len(self.stored)
        return self.block.customers


class CoreStore:
    """Customers, entities and accounts (the payment objects live in ``PaymentStore``)."""

    def __init__(self, seed: int, *, today: dt.date | None = None) -> None:
        self.seed = seed
        self.today = today or dt.datetime.now(dt.UTC).date()
        self.ids = SeededIds(seed)
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._blocks: list[SeedBlock] = []
        self._customers: dict[str, CustomerRef] = {}
        self._by_app_user: dict[str, str] = {}
        self._customer_order: list[_Segment] = []
        self._entities: dict[str, EntityRef] = {}
        self._entities_of: dict[str, list[str]] = {}
        self._entity_order: list[str] = []  # connected entities, in connection order
        self._accounts: dict[str, AccountRef] = {}

    def new_id(self) -> str:
        """A fresh random-looking id; deterministic for a given seed and call order."""
        with self._lock:
            return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    # -- seeding ---------------------------------------------------------------------------

    def seed_customers(
        self,
        n_customers: int,
        entities_per_customer: int = 1,
        accounts_per_entity: int = 2,
        transactions_per_account: int = 30,
        *,
        app_user_prefix: str = "seed-user",
    ) -> SeededData:
        """Add customers, each with entities (bank connections), accounts and transactions.

        Costs the same for ten customers or a million: nothing is built until asked for."""
        for name, value in (
            ("n_customers", n_customers),
            ("entities_per_customer", entities_per_customer),
            ("accounts_per_entity", accounts_per_entity),
            ("transactions_per_account", transactions_per_account),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(
                    f"seed_customers: {name} must be a non-negative int, got {value!r}"
                )
        if not app_user_prefix or "/" in app_user_prefix:
            raise ValueError(
                f"seed_customers: app_user_prefix must be a non-empty string without '/', "
                f"got {app_user_prefix!r}"
            )
        with self._lock:
            if len(self._blocks) >= MAX_BLOCKS:
                raise ValueError(
                    f"seed_customers: at most {MAX_BLOCKS} calls per sandbox; seed more "
                    "customers per call instead"
                )
            start = self._next_number(app_user_prefix)
            block = SeedBlock(
                seed=self.seed,
                number=len(self._blocks),
                customers=n_customers,
                entities_per_customer=entities_per_customer,
                accounts_per_entity=accounts_per_entity,
                transactions_per_account=transactions_per_account,
                app_user_prefix=app_user_prefix,
                app_user_start=start,
                seeded_at=dt.datetime.combine(self.today, dt.time(0), dt.UTC),
                ids=self.ids,
            )
            self._blocks.append(block)
            if n_customers:
                self._customer_order.append(_Segment(block))
        return SeededData(block.customer_ids(), block.entity_ids(), block.account_ids())

    def _next_number(self, prefix: str) -> int:
        # Numbering continues after earlier blocks and stored customers with this prefix, so
        # a seeded app_user_id never collides with one that exists.
        after = 0
        for block in self._blocks:
            if block.app_user_prefix == prefix:
                after = max(after, block.app_user_start + block.customers)
        for app_user_id in self._by_app_user:
            head, _, number = app_user_id.rpartition("-")
            if head == prefix and number.isdigit():
                after = max(after, int(number) + 1)
        return after

    # -- customers -------------------------------------------------------------------------

    def create_customer(self, app_user_id: str) -> CustomerRef | None:
        """The new customer, or None when ``app_user_id`` exists (409 for the server)."""
        customer_id = self.new_id()
        with self._lock:
            if app_user_id in self._by_app_user or self._seeded_app_user(app_user_id):
                return None
            customer = CustomerRef(customer_id, app_user_id)
            self._customers[customer_id] = customer
            self._by_app_user[app_user_id] = customer_id
            if not self._customer_order or self._customer_order[-1].block is not None:
                self._customer_order.append(_Segment(None))
            self._customer_order[-1].stored.append(customer_id)
            return customer

    def _seeded_app_user(self, app_user_id: str) -> CustomerRef | None:
        for block in self._blocks:
            index = block.customer_index_of_app_user(app_user_id)
            if index is not None:
                return block.customer(index)
        return None

    def _seeded(self, text: str, kind: int) -> tuple[SeedBlock, int] | None:
        found = self.ids.decode(text, kind)
        if found is None or found[0] >= len(self._blocks):
            return None
        block, index = self._blocks[found[0]], found[1]
        limit = {CUSTOMER: block.customers, ENTITY: block.entities, ACCOUNT: block.accounts}
        return (block, index) if index < limit[kind] else None

    def customer_ref(self, customer_id: str) -> CustomerRef:
        with self._lock:
            stored = self._customers.get(customer_id)
            seeded = None if stored else self._seeded(customer_id, CUSTOMER)
        if stored is not None:
            return stored
        if seeded is None:
            raise _not_found("UNKNOWN_ENTITY", f"no customer with customer_id {customer_id}")
        return seeded[0].customer(seeded[1])

    def customer_exists(self, customer_id: str) -> bool:
        try:
            self.customer_ref(customer_id)
        except SandboxError:
            return False
        return True

    def customer_ref_by_app_user_id(self, app_user_id: str) -> CustomerRef:
        with self._lock:
            customer_id = self._by_app_user.get(app_user_id)
            found = self._customers[customer_id] if customer_id else None
            found = found or self._seeded_app_user(app_user_id)
        if found is None:
            raise _not_found("UNKNOWN_ENTITY", f"no customer with app_user_id {app_user_id}")
        return found

    def customer_count(self) -> int:
        with self._lock:
            return sum(len(segment) for segment in self._customer_order)

    def customers_slice(self, start: int, stop: int) -> list[CustomerRef]:
        """Customers ``start`` to ``stop`` in creation order (O(stop - start))."""
        picked: list[CustomerRef | tuple[SeedBlock, range]] = []
        with self._lock:
            offset = 0
            for segment in self._customer_order:
                size = len(segment)
                low, high = max(start - offset, 0), min(stop - offset, size)
                if low < high:
                    if segment.block is not None:
                        picked.append((segment.block, range(low, high)))
                    else:
                        picked.extend(self._customers[c] for c in segment.stored[low:high])
                offset += size
                if offset >= stop:
                    break
        found: list[CustomerRef] = []
        for item in picked:
            if isinstance(item, CustomerRef):
                found.append(item)
            else:
                found.extend(item[0].customer(i) for i in item[1])
        return found

    # -- entities and accounts -------------------------------------------------------------

    def connect_entity(
        self,
        customer_id: str,
        *,
        bank_identifier: str,
        permissions: Sequence[str] = DATA_PERMISSIONS,
        accounts: int = 2,
        transactions_per_account: int = 30,
    ) -> EntityRef:
        """A new entity, as if the customer had connected a bank through LinkSDK."""
        self.customer_ref(customer_id)
        bank(bank_identifier)  # KeyError for an unknown bank
        unknown = sorted(set(permissions) - set(DATA_PERMISSIONS))
        if unknown:
            raise ValueError(f"connect_entity: unknown permissions {unknown}")
        entity_id = self.new_id()
        account_ids = tuple(self.new_id() for _ in range(accounts))
        now = dt.datetime.now(dt.UTC)
        entity = EntityRef(
            entity_id, customer_id, bank_identifier, now, tuple(permissions), account_ids
        )
        with self._lock:
            self._entities[entity_id] = entity
            self._entities_of.setdefault(customer_id, []).append(entity_id)
            self._entity_order.append(entity_id)
            for position, account_id in enumerate(account_ids):
                self._accounts[account_id] = AccountRef(
                    account_id,
                    entity_id,
                    customer_id,
                    bank_identifier,
                    position,
                    transactions_per_account,
                    now.date() - dt.timedelta(days=400),
                )
        return entity

    def entity_ref(self, entity_id: str) -> EntityRef:
        with self._lock:
            stored = self._entities.get(entity_id)
            seeded = None if stored else self._seeded(entity_id, ENTITY)
        if stored is not None:
            return stored
        if seeded is None:
            raise _not_found(
                "UNKNOWN_ENTITY", "The entity_id provided did not match an account in our records."
            )
        return seeded[0].entity(seeded[1])

    def entities_of(self, customer_id: str) -> list[EntityRef]:
        self.customer_ref(customer_id)
        seeded = self._seeded(customer_id, CUSTOMER)
        found: list[EntityRef] = []
        if seeded is not None:
            block, index = seeded
            found.extend(block.entity(i) for i in block.entity_indices_of(index))
        with self._lock:
            found.extend(self._entities[e] for e in self._entities_of.get(customer_id, []))
        return found

    def accounts_of(self, entity: EntityRef) -> list[AccountRef]:
        return [self.account_ref(entity.entity_id, account_id) for account_id in entity.account_ids]

    def account_ref(self, entity_id: str, account_id: str) -> AccountRef:
        """The account, which must belong to the entity (404 UNKNOWN_ACCOUNT otherwise)."""
        with self._lock:
            stored = self._accounts.get(account_id)
            seeded = None if stored else self._seeded(account_id, ACCOUNT)
        found = stored or (seeded[0].account(seeded[1]) if seeded else None)
        if found is None or found.entity_id != entity_id:
            raise _not_found(
                "UNKNOWN_ACCOUNT",
                "The account_id provided does not match an account with the entity_id provided.",
            )
        return found

    def entities_created_between(
        self, start: dt.date | None, end: dt.date | None
    ) -> tuple[int, list[tuple[SeedBlock | None, range | list[str]]]]:
        """Every entity created between the dates (inclusive), as runs for paging: the count
        and, per block (or for connected entities), the index range or the ids."""
        low = dt.datetime.min.replace(tzinfo=dt.UTC)
        high = dt.datetime.max.replace(tzinfo=dt.UTC)
        if start is not None:
            low = dt.datetime.combine(start, dt.time(0), dt.UTC)
        if end is not None:
            high = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(0), dt.UTC)
        with self._lock:
            blocks = list(self._blocks)
            connected = [self._entities[e] for e in self._entity_order]
        runs: list[tuple[SeedBlock | None, range | list[str]]] = []
        total = 0
        for block in blocks:
            first = bisect.bisect_left(range(block.entities), low, key=block.entity_created_at)
            stop = bisect.bisect_left(range(block.entities), high, key=block.entity_created_at)
            if first < stop:
                runs.append((block, range(first, stop)))
                total += stop - first
        chosen = [e.entity_id for e in connected if low <= e.created_at < high]
        if chosen:
            runs.append((None, chosen))
            total += len(chosen)
        return total, runs
