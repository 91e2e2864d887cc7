"""The sandbox's data: banks, customers, entities, accounts, transactions, results, intents.

Everything is generated from one seed, so ids, names and amounts are the same on every run;
transaction dates are relative to the day the sandbox was created, so "the last 30 days"
always finds data. Transactions are generated per account on first use, which keeps a
200-entity benchmark data set cheap. One lock guards the whole store.
"""

from __future__ import annotations

import datetime as dt
import random
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

__all__ = ["BANKS", "DataStore", "PendingResult", "SeededData", "UnknownEntityError"]

BANKS: tuple[dict[str, Any], ...] = tuple(
    {
        "identifier": identifier,
        "name": name,
        "country_code": country,
        "active": True,
        "supported_account_types": ["CURRENT", "SAVINGS", "CREDIT"],
        "transfer_limits": [{"currency": currency, "min": 1, "max": 50000}],
    }
    for identifier, name, country, currency in (
        ("ENBD_UAE", "Emirates NBD", "ARE", "AED"),
        ("ADCB_UAE", "Abu Dhabi Commercial Bank", "ARE", "AED"),
        ("FAB_UAE", "First Abu Dhabi Bank", "ARE", "AED"),
        ("RAKBANK_UAE", "RAKBANK", "ARE", "AED"),
        ("ALRAJHI_KSA", "Al Rajhi Bank", "SAU", "SAR"),
        ("SNB_KSA", "Saudi National Bank", "SAU", "SAR"),
    )
)

_MERCHANTS = ("Carrefour", "ENOC", "Talabat", "Careem", "DEWA", "Etisalat", "Noon", "Salary")
_MAX_RESULTS = (
    10_000  # stored data responses, oldest dropped first, so long benchmarks stay bounded
)


class UnknownEntityError(LookupError):
    """An id the store does not know; the server answers 404 UNKNOWN_ENTITY with this text."""


@dataclass(frozen=True)
class SeededData:
    """Ids created by :meth:`DataStore.seed_customers`, in creation order."""

    customer_ids: tuple[str, ...]
    entity_ids: tuple[str, ...]
    account_ids: tuple[str, ...]


@dataclass
class PendingResult:
    """A stored data response; ``pending_left`` more fetches answer PENDING first."""

    body: dict[str, Any]
    pending_left: int = 0


@dataclass
class _Account:
    record: dict[str, Any]
    entity_id: str
    transactions: list[dict[str, Any]] | None = None


@dataclass
class _Entity:
    record: dict[str, Any]
    account_ids: list[str] = field(default_factory=list)


def _iso(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def utc_timestamp() -> str:
    """Now, in the ISO-8601 form Lean uses in bodies."""
    return _iso(dt.datetime.now(dt.UTC))


class DataStore:
    """In-memory Lean data. Methods raise :class:`UnknownEntityError` for unknown ids."""

    def __init__(self, seed: int, *, today: dt.date | None = None) -> None:
        self._seed = seed
        self._rng = random.Random(seed)
        self._today = today or dt.datetime.now(dt.UTC).date()
        self._lock = threading.Lock()
        self._customers: dict[str, dict[str, Any]] = {}
        self._by_app_user: dict[str, str] = {}
        self._entities: dict[str, _Entity] = {}
        self._entities_of: dict[str, list[str]] = {}
        self._accounts: dict[str, _Account] = {}
        self._results: OrderedDict[str, PendingResult] = OrderedDict()
        self._intents_by_key: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}

    def _new_id(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    # -- customers -------------------------------------------------------------------------

    def create_customer(self, app_user_id: str) -> dict[str, Any] | None:
        """The new customer, or None when ``app_user_id`` exists (409 for the server)."""
        with self._lock:
            if app_user_id in self._by_app_user:
                return None
            customer = {"customer_id": self._new_id(), "app_user_id": app_user_id}
            self._customers[customer["customer_id"]] = customer
            self._by_app_user[app_user_id] = customer["customer_id"]
            self._entities_of[customer["customer_id"]] = []
            return dict(customer)

    def customer(self, customer_id: str) -> dict[str, Any]:
        with self._lock:
            if customer_id not in self._customers:
                raise UnknownEntityError(f"no customer with customer_id {customer_id}")
            return dict(self._customers[customer_id])

    def customer_by_app_user_id(self, app_user_id: str) -> dict[str, Any]:
        with self._lock:
            if app_user_id not in self._by_app_user:
                raise UnknownEntityError(f"no customer with app_user_id {app_user_id}")
            return dict(self._customers[self._by_app_user[app_user_id]])

    def customers(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(customer) for customer in self._customers.values()]

    def entities(self, customer_id: str) -> list[dict[str, Any]]:
        with self._lock:
            if customer_id not in self._customers:
                raise UnknownEntityError(f"no customer with customer_id {customer_id}")
            return [dict(self._entities[e].record) for e in self._entities_of[customer_id]]

    def all_entities(self) -> list[dict[str, Any]]:
        """Every entity of every customer, in creation order."""
        with self._lock:
            return [dict(entity.record) for entity in self._entities.values()]

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
        """Add customers, each with entities (bank connections), accounts and transactions."""
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
        customer_ids: list[str] = []
        entity_ids: list[str] = []
        account_ids: list[str] = []
        with self._lock:
            start = len(self._customers)
            for number in range(start, start + n_customers):
                app_user_id = f"{app_user_prefix}-{number:05d}"
                while app_user_id in self._by_app_user:
                    app_user_id += "-x"
                customer_id = self._new_id()
                self._customers[customer_id] = {
                    "customer_id": customer_id,
                    "app_user_id": app_user_id,
                }
                self._by_app_user[app_user_id] = customer_id
                self._entities_of[customer_id] = []
                customer_ids.append(customer_id)
                for _ in range(entities_per_customer):
                    entity_id = self._add_entity(customer_id)
                    entity_ids.append(entity_id)
                    for _ in range(accounts_per_entity):
                        account_ids.append(self._add_account(entity_id, transactions_per_account))
        return SeededData(tuple(customer_ids), tuple(entity_ids), tuple(account_ids))

    def _add_entity(self, customer_id: str) -> str:
        bank = BANKS[self._rng.randrange(len(BANKS))]
        entity_id = self._new_id()
        created = dt.datetime.combine(self._today, dt.time(8, 0), dt.UTC)
        record = {
            "id": entity_id,
            "customer_id": customer_id,
            "bank_identifier": bank["identifier"],
            "permissions": {
                "identity": True,
                "accounts": True,
                "balance": True,
                "transactions": True,
                "payments": False,
            },
            "bank_type": "RETAIL",
            "created_at": _iso(created - dt.timedelta(days=120)),
        }
        self._entities[entity_id] = _Entity(record)
        self._entities_of[customer_id].append(entity_id)
        return entity_id

    def _add_account(self, entity_id: str, n_transactions: int) -> str:
        entity = self._entities[entity_id]
        account_id = self._new_id()
        number = self._rng.randrange(10**11, 10**12)
        currency = "SAR" if entity.record["bank_identifier"].endswith("_KSA") else "AED"
        record = {
            "account_id": account_id,
            "name": self._rng.choice(("Current Account", "Savings Account", "Salary Account")),
            "type": self._rng.choice(("CURRENT", "SAVINGS")),
            "currency_code": currency,
            "account_number": str(number),
            "iban": f"{'SA' if currency == 'SAR' else 'AE'}07{number:019d}",
            "bank_identifier": entity.record["bank_identifier"],
            "_n_transactions": n_transactions,
        }
        self._accounts[account_id] = _Account(record, entity_id)
        entity.account_ids.append(account_id)
        return account_id

    # -- data ------------------------------------------------------------------------------

    def check_entity(self, entity_id: str) -> None:
        with self._lock:
            if entity_id not in self._entities:
                raise UnknownEntityError(f"no entity with entity_id {entity_id}")

    def accounts(self, entity_id: str) -> list[dict[str, Any]]:
        with self._lock:
            if entity_id not in self._entities:
                raise UnknownEntityError(f"no entity with entity_id {entity_id}")
            return [
                self._public(self._accounts[a].record)
                for a in self._entities[entity_id].account_ids
            ]

    def _account(self, entity_id: str, account_id: str) -> _Account:
        if entity_id not in self._entities:
            raise UnknownEntityError(f"no entity with entity_id {entity_id}")
        account = self._accounts.get(account_id)
        if account is None or account.entity_id != entity_id:
            raise UnknownEntityError(f"no account {account_id} under entity {entity_id}")
        return account

    def balances(self, entity_id: str, account_id: str) -> list[dict[str, Any]]:
        with self._lock:
            account = self._account(entity_id, account_id)
            rng = random.Random(f"{self._seed}:balance:{account_id}")
            amount = round(rng.uniform(100, 250_000), 2)
            moment = _iso(dt.datetime.combine(self._today, dt.time(6, 0), dt.UTC))
            return [
                {
                    "account_id": account_id,
                    "type": kind,
                    "amount": amount if kind == "CLOSING_AVAILABLE" else round(amount * 0.98, 2),
                    "currency_code": account.record["currency_code"],
                    "credit_debit_indicator": "CREDIT",
                    "date_time": moment,
                }
                for kind in ("CLOSING_AVAILABLE", "INTERIM_BOOKED")
            ]

    def transactions(
        self, entity_id: str, account_id: str, start: dt.date, end: dt.date
    ) -> list[dict[str, Any]]:
        """Booked transactions with start <= booking date <= end, newest first."""
        with self._lock:
            account = self._account(entity_id, account_id)
            if account.transactions is None:
                account.transactions = self._generate_transactions(account)
            return [
                dict(t)
                for t in account.transactions
                if start.isoformat() <= t["booking_date_time"][:10] <= end.isoformat()
            ]

    def _generate_transactions(self, account: _Account) -> list[dict[str, Any]]:
        account_id = account.record["account_id"]
        rng = random.Random(f"{self._seed}:transactions:{account_id}")
        midnight = dt.datetime.combine(self._today, dt.time(0, 0), dt.UTC)
        generated = []
        for _ in range(account.record["_n_transactions"]):
            merchant = rng.choice(_MERCHANTS)
            credit = merchant == "Salary"
            booked = midnight - dt.timedelta(
                days=rng.randrange(0, 90), seconds=rng.randrange(86400)
            )
            generated.append(
                {
                    "transaction_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    "account_id": account_id,
                    "amount": round(
                        rng.uniform(15_000, 30_000) if credit else rng.uniform(5, 900), 2
                    ),
                    "currency_code": account.record["currency_code"],
                    "credit_debit_indicator": "CREDIT" if credit else "DEBIT",
                    "description": merchant.upper(),
                    "status": "BOOKED",
                    "booking_date_time": _iso(booked),
                }
            )
        generated.sort(key=lambda t: (t["booking_date_time"], t["transaction_id"]), reverse=True)
        return generated

    @staticmethod
    def _public(record: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in record.items() if not k.startswith("_")}

    # -- results (PENDING) and payments ----------------------------------------------------

    def store_result(self, results_id: str, body: dict[str, Any], pending_left: int) -> None:
        with self._lock:
            self._results[results_id] = PendingResult(body, pending_left)
            while len(self._results) > _MAX_RESULTS:
                self._results.popitem(last=False)

    def fetch_result(self, results_id: str) -> tuple[bool, dict[str, Any]]:
        """(still_pending, body). A pending fetch uses up one PENDING answer."""
        with self._lock:
            result = self._results.get(results_id)
            if result is None:
                raise UnknownEntityError(f"no results with results_id {results_id}")
            if result.pending_left > 0:
                result.pending_left -= 1
                return True, result.body
            return False, result.body

    def create_intent(
        self, request: dict[str, Any], idempotency_key: str | None
    ) -> tuple[dict[str, Any], bool]:
        """(intent, body_matches). A repeated key returns the first intent; ``body_matches`` is
        False when the repeated key came with a different request body."""
        with self._lock:
            if request["customer_id"] not in self._customers:
                raise UnknownEntityError(f"no customer with customer_id {request['customer_id']}")
            if idempotency_key is not None and idempotency_key in self._intents_by_key:
                first_request, intent = self._intents_by_key[idempotency_key]
                return dict(intent), first_request == request
            intent = {
                "payment_intent_id": self._new_id(),
                "customer_id": request["customer_id"],
                "amount": request["amount"],
                "currency": request["currency"],
                "description": request.get("description"),
                "payment_destination_id": request.get("payment_destination_id"),
                "status": "AWAITING_AUTHORIZATION",
                "created_at": utc_timestamp(),
            }
            if idempotency_key is not None:
                self._intents_by_key[idempotency_key] = (dict(request), intent)
            return dict(intent), True
