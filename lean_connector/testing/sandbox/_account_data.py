"""An account's data, Lean-shaped: transactions (lazily, by index), balances, beneficiaries,
direct debits, scheduled payments and standing orders.

Transaction ``t`` (0 = newest) is booked at a time that only falls as ``t`` grows, so a date
range maps to an index range found by bisection, and a page of a million transactions is
built from its own indices: O(page + log n), whatever the account holds.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from lean_connector.testing.sandbox._banks import BANKS
from lean_connector.testing.sandbox._http import iso
from lean_connector.testing.sandbox._ids import Draws, rng_for, stable_uuid
from lean_connector.testing.sandbox._records import iban_for, money
from lean_connector.testing.sandbox._seeded import AccountRef, holder_name

__all__ = [
    "TransactionListing",
    "balances",
    "beneficiaries",
    "direct_debits",
    "scheduled_payments",
    "standing_orders",
]

TRANSACTION_DAYS = 90  # seeded transactions cover the 90 days before the sandbox's day
_SPAN_S = TRANSACTION_DAYS * 86400
_MERCHANTS = (
    ("Carrefour", "5411", "PURCHASES", "POS"),
    ("ENOC", "5541", "PURCHASES", "POS"),
    ("Talabat", "5814", "PURCHASES", "ONLINE"),
    ("Careem", "4121", "PURCHASES", "ONLINE"),
    ("DEWA", "4900", "BILL_PAYMENTS", "DIRECT_DEBIT"),
    ("Etisalat", "4814", "BILL_PAYMENTS", "DIRECT_DEBIT"),
    ("Noon", "5399", "PURCHASES", "ONLINE"),
)
_CARD_SCHEMES = ("VISA", "MASTERCARD", "AMERICAN_EXPRESS")


class TransactionListing:
    """The transactions of one account booked between two dates (inclusive), newest first."""

    def __init__(
        self,
        seed: int,
        account: AccountRef,
        today: dt.date,
        start: dt.date | None = None,
        end: dt.date | None = None,
    ) -> None:
        self._seed, self._account = seed, account
        self._n = account.n_transactions
        self._end_moment = dt.datetime.combine(today, dt.time(0, 0), dt.UTC)
        # Indices with booking date <= end start at `first`; those >= start end before `stop`.
        self._first = 0 if end is None else self._first_booked_before(end + dt.timedelta(1))
        self._stop = self._n if start is None else self._first_booked_before(start)

    def booked_at(self, index: int) -> dt.datetime:
        """When transaction ``index`` was booked: centred in its slot of the 90 days."""
        seconds = ((2 * index + 1) * _SPAN_S) // (2 * self._n)
        return self._end_moment - dt.timedelta(seconds=seconds)

    def _first_booked_before(self, day: dt.date) -> int:
        limit = dt.datetime.combine(day, dt.time(0, 0), dt.UTC)
        low, high = 0, self._n
        while low < high:  # booked_at falls as the index grows
            middle = (low + high) // 2
            if self.booked_at(middle) < limit:
                high = middle
            else:
                low = middle + 1
        return low

    def __len__(self) -> int:
        return max(0, self._stop - self._first)

    def slice(self, start: int, stop: int) -> list[dict[str, Any]]:
        first = self._first + start
        last = min(self._first + stop, self._stop)
        return [self.transaction(index) for index in range(first, last)]

    def transaction(self, index: int) -> dict[str, Any]:
        account = self._account
        draws = rng_for(self._seed, "transaction", account.account_id, index)
        booked = iso(self.booked_at(index))
        currency = account.currency
        salary = draws.randrange(12) == 0
        if salary:
            merchant, mcc, kind, mode = "Salary", "6011", "SALARY", "TRANSFER"
            amount = draws.uniform(15_000, 30_000)
        else:
            merchant, mcc, kind, mode = draws.choice(_MERCHANTS)
            amount = draws.uniform(5, 900)
        indicator = "CREDIT" if salary else "DEBIT"
        return {
            "entity_id": account.entity_id,
            "account_id": account.account_id,
            "transaction_id": stable_uuid(self._seed, "transaction", account.account_id, index),
            "transaction_information": f"{merchant.upper()} {draws.letters(6)}",
            "transaction_reference": draws.letters(12),
            "credit_debit_indicator": indicator,
            "amount": money(amount, currency),
            "transaction_mutability": "IMMUTABLE",
            "booking_date_time": booked,
            "insights": None,
            "balance": {
                "type": "PREVIOUSLY_CLOSED_BOOKED",
                "credit_debit_indicator": "CREDIT",
                "amount": money(draws.uniform(1_000, 90_000), currency),
            },
            "status": "BOOKED",
            "statement_reference": [draws.letters(10)],
            "value_date_time": booked,
            "index": index,
            "charge_amount": {"amount": 0.0, "currency": currency, "charge_included": False},
            "bank_transaction_code": {"code": kind, "sub_code": mode},
            "card_instrument": None if salary else _card(draws),
            "merchant_details": {"merchant_category_code": mcc, "merchant_name": merchant},
            "proprietary_bank_transaction_code": {"code": draws.letters(8), "issuer": "BANK"},
            "currency_exchange": None,
            "creditor_account": None,
            "creditor_agent": None,
            "debtor_account": None,
            "debtor_agent": None,
            "local_time_zone": "UTC+04:00" if currency == "AED" else "UTC+03:00",
            "transaction_type": kind,
            "sub_transaction_type": mode,
            "payment_modes": None,
            "flags": [],
            "regional_data": None,
        }


def _card(draws: Draws) -> dict[str, Any]:
    return {
        "authorization_type": "CONSUMER_DEVICE",
        "card_scheme_name": draws.choice(_CARD_SCHEMES),
        "identification": draws.digits(4),
        "name": "Debit Card",
    }


def balances(seed: int, account: AccountRef, today: dt.date) -> list[dict[str, Any]]:
    draws = rng_for(seed, "balance", account.account_id)
    closing = draws.uniform(100, 250_000)
    moment = iso(dt.datetime.combine(today, dt.time(6, 0), dt.UTC))
    found = []
    for kind, share in (
        ("CLOSING_AVAILABLE", 1.0),
        ("CLOSING_BOOKED", 1.0),
        ("INTERIM_AVAILABLE", 0.98),
        ("INTERIM_BOOKED", 0.98),
    ):
        found.append(
            {
                "entity_id": account.entity_id,
                "account_id": account.account_id,
                "credit_debit_indicator": "CREDIT",
                "type": kind,
                "amount": money(closing * share, account.currency),
                "date_time": moment,
                "credit_line": [
                    {
                        "included": False,
                        "amount": money(5_000, account.currency),
                        "type": "AVAILABLE",
                    }
                ],
                "regional_data": None,
            }
        )
    return found


def _counterparty(seed: int, account: AccountRef, what: str, n: int) -> dict[str, Any]:
    draws = rng_for(seed, what, account.account_id, n)
    other = draws.choice(BANKS)
    country = "ARE" if account.currency == "AED" else "SAU"
    _, short = holder_name(seed, stable_uuid(seed, what, account.account_id, n))
    return {
        "name": short,
        "bank": other,
        "iban": iban_for(country, draws.digits(16)),
        "draws": draws,
    }


def beneficiaries(seed: int, account: AccountRef) -> list[dict[str, Any]]:
    found = []
    for n in range(2):
        party = _counterparty(seed, account, "beneficiary", n)
        found.append(
            {
                "account_id": account.account_id,
                "account_holder_name": party["name"],
                "account_holder_short_name": party["name"],
                "beneficiary_id": party["draws"].digits(6),
                "beneficiary_type": "OTHER",
                "creditor_agent": {
                    "scheme_name": "BICFI",
                    "identification": party["bank"]["swift_code"],
                    "name": party["bank"]["name"],
                    "postal_address": None,
                },
                "creditor_account": {
                    "scheme_name": "IBAN",
                    "identification": party["iban"],
                    "name": party["name"],
                },
                "reference": None,
                "supplementary_data": None,
                "regional_data": None,
            }
        )
    return found


def direct_debits(seed: int, account: AccountRef, today: dt.date) -> list[dict[str, Any]]:
    found = []
    for n in range(2):
        party = _counterparty(seed, account, "direct-debit", n)
        previous = dt.datetime.combine(today - dt.timedelta(days=10 + n), dt.time(0), dt.UTC)
        found.append(
            {
                "account_id": account.account_id,
                "direct_debit_id": stable_uuid(seed, "direct-debit", account.account_id, n),
                "status_code": "ACTIVE",
                "frequency": "MONTHLY",
                "mandate_identification": party["draws"].letters(11),
                "name": party["name"],
                "previous_payment_date_time": iso(previous),
                "previous_payment_amount": money(party["draws"].uniform(50, 900), account.currency),
                "regional_data": None,
            }
        )
    return found


def scheduled_payments(seed: int, account: AccountRef, today: dt.date) -> list[dict[str, Any]]:
    found = []
    for n in range(2):
        party = _counterparty(seed, account, "scheduled-payment", n)
        when = dt.datetime.combine(today + dt.timedelta(days=5 + 7 * n), dt.time(0), dt.UTC)
        found.append(
            {
                "account_id": account.account_id,
                "scheduled_payment_id": stable_uuid(seed, "scheduled", account.account_id, n),
                "scheduled_type": "EXECUTION",
                "scheduled_payment_date_time": iso(when),
                "debtor_reference": party["draws"].letters(11),
                "reference": None,
                "instructed_amount": money(party["draws"].uniform(100, 5000), account.currency),
                "creditor_agent": {
                    "scheme_name": "BICFI",
                    "identification": party["bank"]["swift_code"],
                },
                "creditor_account": {
                    "scheme_name": "IBAN",
                    "identification": party["iban"],
                    "name": None,
                },
                "regional_data": None,
            }
        )
    return found


def standing_orders(seed: int, account: AccountRef, today: dt.date) -> list[dict[str, Any]]:
    found = []
    for n in range(2):
        party = _counterparty(seed, account, "standing-order", n)
        first = dt.datetime.combine(today - dt.timedelta(days=200), dt.time(8), dt.UTC)
        amount = money(round(party["draws"].uniform(100, 3000)), account.currency)
        found.append(
            {
                "account_id": account.account_id,
                "standing_order_id": stable_uuid(seed, "standing", account.account_id, n),
                "standing_order_status_code": "ACTIVE",
                "first_payment_date_time": iso(first),
                "last_payment_date_time": iso(first + dt.timedelta(days=180)),
                "next_payment_date_time": iso(first + dt.timedelta(days=210)),
                "final_payment_date_time": iso(first + dt.timedelta(days=720)),
                "frequency": {"frequency_type": "MONTHLY", "interval": "IntervalMonth:1"},
                "number_of_payments": 24,
                "reference": None,
                "standing_order_type": "LOCAL_BANK_TRANSFER",
                "purpose": party["draws"].letters(8),
                "first_payment_amount": amount,
                "last_payment_amount": dict(amount),
                "next_payment_amount": dict(amount),
                "final_payment_amount": dict(amount),
                "creditor_agent": {
                    "scheme_name": "BICFI",
                    "identification": party["bank"]["swift_code"],
                },
                "creditor_account": None,
                "regional_data": None,
            }
        )
    return found
