"""Seeded customers, entities and accounts as pure functions of (block, index).

``seed_customers(n, ...)`` records one :class:`SeedBlock`; nothing else is stored. The
customer at index ``k`` of a block, its entities and accounts, and their ids are computed
when asked for, so seeding a million of them costs the same as seeding ten, and every
answer depends only on the sandbox seed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, overload

from lean_connector.testing.sandbox._banks import RETAIL_BANKS, currency_of
from lean_connector.testing.sandbox._ids import ACCOUNT, CUSTOMER, ENTITY, SeededIds, rng_for

__all__ = [
    "DATA_PERMISSIONS",
    "AccountRef",
    "CustomerRef",
    "EntityRef",
    "IdRange",
    "SeedBlock",
    "holder_name",
]

DATA_PERMISSIONS = (
    "identity",
    "accounts",
    "balance",
    "transactions",
    "identities",
    "scheduled_payments",
    "standing_orders",
    "direct_debits",
    "beneficiaries",
)
ENTITY_SPREAD = dt.timedelta(days=120)  # seeded entities were connected over this period
_FIRST = ("Amira", "Omar", "Layla", "Khalid", "Noura", "Yusuf", "Sara", "Hamdan", "Mariam")
_MIDDLE = ("Ali", "Salem", "Huda", "Rashid", "Aisha", "Faisal")
_LAST = ("Al Mansoori", "Al Qahtani", "Haddad", "Al Nuaimi", "Khoury", "Al Harbi", "Saleh")


@dataclass(frozen=True)
class CustomerRef:
    customer_id: str
    app_user_id: str


@dataclass(frozen=True)
class EntityRef:
    entity_id: str
    customer_id: str
    bank_identifier: str
    created_at: dt.datetime
    permissions: tuple[str, ...]
    account_ids: Sequence[str]


@dataclass(frozen=True)
class AccountRef:
    account_id: str
    entity_id: str
    customer_id: str
    bank_identifier: str
    position: int  # 0-based, within its entity
    n_transactions: int
    opened: dt.date

    @property
    def currency(self) -> str:
        return currency_of(self.bank_identifier)


def holder_name(seed: int, customer_id: str) -> tuple[str, str]:
    """(full name, short name) of a customer's account holder."""
    draws = rng_for(seed, "holder", customer_id)
    first, middle, last = draws.choice(_FIRST), draws.choice(_MIDDLE), draws.choice(_LAST)
    return f"{first} {middle} {last}", f"{first} {last}"


class IdRange(Sequence[str]):
    """The ids of a seeded block, computed on access (a tuple's interface, no storage)."""

    def __init__(self, ids: SeededIds, kind: int, block: int, start: int, count: int) -> None:
        self._ids, self._kind, self._block = ids, kind, block
        self._start, self._count = start, count

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[str, ...]: ...

    def __getitem__(self, index: int | slice) -> str | tuple[str, ...]:
        if isinstance(index, slice):
            return tuple(self[i] for i in range(*index.indices(self._count)))
        if index < 0:
            index += self._count
        if not 0 <= index < self._count:
            raise IndexError("seeded id index out of range")
        return self._ids.encode(self._kind, self._block, self._start + index)

    def __iter__(self) -> Iterator[str]:
        for index in range(self._count):
            yield self._ids.encode(self._kind, self._block, self._start + index)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    def __hash__(self) -> int:
        return hash((self._kind, self._block, self._start, self._count))

    def __repr__(self) -> str:
        return f"IdRange(kind={self._kind}, block={self._block}, count={self._count})"


@dataclass(frozen=True)
class SeedBlock:
    """One call of ``seed_customers``: its sizes, names and when it happened."""

    seed: int
    number: int
    customers: int
    entities_per_customer: int
    accounts_per_entity: int
    transactions_per_account: int
    app_user_prefix: str
    app_user_start: int
    seeded_at: dt.datetime
    ids: SeededIds

    @property
    def entities(self) -> int:
        return self.customers * self.entities_per_customer

    @property
    def accounts(self) -> int:
        return self.entities * self.accounts_per_entity

    def app_user_id(self, index: int) -> str:
        return f"{self.app_user_prefix}-{self.app_user_start + index:05d}"

    def customer_index_of_app_user(self, app_user_id: str) -> int | None:
        prefix, dash, number = app_user_id.rpartition("-")
        if not dash or prefix != self.app_user_prefix or not number.isdigit():
            return None
        if number != f"{int(number):05d}":  # "seed-user-7" is not "seed-user-00007"
            return None
        index = int(number) - self.app_user_start
        return index if 0 <= index < self.customers else None

    # -- ids -----------------------------------------------------------------------------

    def customer_ids(self) -> IdRange:
        return IdRange(self.ids, CUSTOMER, self.number, 0, self.customers)

    def entity_ids(self) -> IdRange:
        return IdRange(self.ids, ENTITY, self.number, 0, self.entities)

    def account_ids(self) -> IdRange:
        return IdRange(self.ids, ACCOUNT, self.number, 0, self.accounts)

    # -- objects by index ------------------------------------------------------------------

    def customer(self, index: int) -> CustomerRef:
        return CustomerRef(self.ids.encode(CUSTOMER, self.number, index), self.app_user_id(index))

    def entity_indices_of(self, customer_index: int) -> range:
        first = customer_index * self.entities_per_customer
        return range(first, first + self.entities_per_customer)

    def entity(self, index: int) -> EntityRef:
        customer_index = index // self.entities_per_customer
        draws = rng_for(self.seed, "entity", self.number, index)
        bank = draws.choice(RETAIL_BANKS)["identifier"]
        # Spread over the period before seeding, in index order: a date-range listing of
        # seeded entities can bisect instead of scanning.
        step = ENTITY_SPREAD / (self.entities + 1)
        created = self.seeded_at - ENTITY_SPREAD + step * (index + 1)
        first_account = index * self.accounts_per_entity
        return EntityRef(
            entity_id=self.ids.encode(ENTITY, self.number, index),
            customer_id=self.ids.encode(CUSTOMER, self.number, customer_index),
            bank_identifier=bank,
            created_at=created,
            permissions=DATA_PERMISSIONS,
            account_ids=IdRange(
                self.ids, ACCOUNT, self.number, first_account, self.accounts_per_entity
            ),
        )

    def entity_created_at(self, index: int) -> dt.datetime:
        step = ENTITY_SPREAD / (self.entities + 1)
        return self.seeded_at - ENTITY_SPREAD + step * (index + 1)

    def account(self, index: int) -> AccountRef:
        entity_index, position = divmod(index, self.accounts_per_entity)
        entity = self.entity(entity_index)
        draws = rng_for(self.seed, "account", self.number, index)
        return AccountRef(
            account_id=self.ids.encode(ACCOUNT, self.number, index),
            entity_id=entity.entity_id,
            customer_id=entity.customer_id,
            bank_identifier=entity.bank_identifier,
            position=position,
            n_transactions=self.transactions_per_account,
            opened=entity.created_at.date() - dt.timedelta(days=365 + draws.randrange(3000)),
        )


def permissions_object(granted: Sequence[str]) -> dict[str, Any]:
    """Lean's entity ``permissions``: every data permission, true when granted."""
    return {name: name in granted for name in DATA_PERMISSIONS}
