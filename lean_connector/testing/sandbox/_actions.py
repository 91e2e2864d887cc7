"""What happens at Lean outside the API, done on a sandbox: seeding data, a customer
connecting a bank or a payment source, authorising a payment or a consent (a mixin of
:class:`LeanSandbox`)."""

from __future__ import annotations

from typing import Any

from lean_connector.testing.sandbox._datastore import DataStore
from lean_connector.testing.sandbox._seeded import DATA_PERMISSIONS
from lean_connector.testing.sandbox._store import SeededData

__all__ = ["DataActions"]


class DataActions:
    data: DataStore

    def seed_customers(
        self,
        n_customers: int,
        entities_per_customer: int = 1,
        accounts_per_entity: int = 2,
        transactions_per_account: int = 30,
        *,
        app_user_prefix: str = "seed-user",
    ) -> SeededData:
        """Add deterministic customers, entities, accounts and transactions.

        Nothing is built until a request asks for it: a million customers or a million
        transactions per account cost no more to seed, and a page of them no more to serve,
        than ten."""
        return self.data.seed_customers(
            n_customers,
            entities_per_customer,
            accounts_per_entity,
            transactions_per_account,
            app_user_prefix=app_user_prefix,
        )

    def connect_entity(
        self,
        customer_id: str,
        *,
        bank_identifier: str = "ENBD_UAE",
        permissions: tuple[str, ...] = DATA_PERMISSIONS,
        accounts: int = 2,
        transactions_per_account: int = 30,
    ) -> dict[str, Any]:
        """Connect a bank for a customer, as LinkSDK ``connect`` would; returns the entity
        as ``GET /customers/v1/{customer_id}/entities/{entity_id}`` shows it."""
        entity = self.data.connect_entity(
            customer_id,
            bank_identifier=bank_identifier,
            permissions=permissions,
            accounts=accounts,
            transactions_per_account=transactions_per_account,
        )
        return self.data.entity_record(entity.entity_id)

    def add_payment_source(
        self, customer_id: str, *, bank_identifier: str = "ENBD_UAE", accounts: int = 1
    ) -> dict[str, Any]:
        """The customer connects a bank account for payments (LinkSDK); returns the source
        as ``GET /customers/v1/{customer_id}/payment-sources/{id}`` lists it."""
        source = self.data.payments.add_source(
            customer_id, bank_identifier=bank_identifier, accounts=accounts
        )
        return {k: v for k, v in source.items() if k != "holder_name"}

    def authorize_payment(
        self, payment_intent_id: str, *, payment_source_id: str | None = None
    ) -> dict[str, Any]:
        """The customer pays a payment intent in LinkSDK (from a new payment source unless
        one is named): returns the payment, ACCEPTED_BY_BANK."""
        return dict(self.data.payments.authorize_intent(payment_intent_id, payment_source_id))

    def authorize_consent(
        self, consent_id: str, *, bank_identifier: str = "ENBD_UAE"
    ) -> dict[str, Any]:
        """The customer authorises an account-on-file consent in LinkSDK: it becomes
        AUTHORISED, linked to a new payment source's account."""
        consent = self.data.consents.authorize(consent_id, bank_identifier=bank_identifier)
        return {k: v for k, v in consent.items() if k != "source_id"}

    def revoke_consent(self, consent_id: str) -> dict[str, Any]:
        """The customer revokes an account-on-file consent at their bank."""
        consent = self.data.consents.revoke(consent_id)
        return {k: v for k, v in consent.items() if k != "source_id"}
