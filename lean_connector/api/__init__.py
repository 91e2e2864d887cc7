"""The Lean endpoints as resources over a narrow :class:`Requester`, with typed answers.

Resources shape paths, parameters and bodies; they never see the connector, its
credential or its transport. One module per family (``_customers``, ``_data``,
``_insights``, ``_verifications``, ``_payments``, ``_sources``, ``_payouts``), ``_link``
for LinkSDK sessions, ``_paging`` the one pager every listing uses, and ``_models_*`` a
``TypedDict`` per answer, as Lean's saved example responses show them.

Every answer type is importable from here (``from lean_connector.api import
Transaction``). The ``_models_*`` modules load on first access (PEP 562): a process that
only calls Lean never builds the ~250 classes, which only type checkers need.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from lean_connector.api._common import REGION_NAMES, RegionCode, Resource
from lean_connector.api._customers import Banks, Customers, Entities
from lean_connector.api._data import AccountBalances, Data
from lean_connector.api._insights import Insights
from lean_connector.api._link import (
    DEFAULT_LINK_PERMISSIONS,
    LINK_FLOWS,
    LINK_PERMISSIONS,
    LinkConnectConfig,
    LinkConsentConfig,
    LinkFlow,
    LinkPayConfig,
    LinkReconnectConfig,
    LinkSessions,
    check_permissions,
)
from lean_connector.api._paging import DEFAULT_MAX_PAGES, DEFAULT_PAGE_SIZE
from lean_connector.api._payments import Consents, Payments
from lean_connector.api._payouts import PAYOUT_DESTINATION_FIELDS, REFUND_FIELDS, Payouts, Refunds
from lean_connector.api._requester import Requester
from lean_connector.api._sources import Destinations, PaymentSources
from lean_connector.api._verifications import Verifications

if TYPE_CHECKING:
    from lean_connector.api._models_common import *  # noqa: F403
    from lean_connector.api._models_customers import *  # noqa: F403
    from lean_connector.api._models_data import *  # noqa: F403
    from lean_connector.api._models_data_orders import *  # noqa: F403
    from lean_connector.api._models_data_parties import *  # noqa: F403
    from lean_connector.api._models_data_transactions import *  # noqa: F403
    from lean_connector.api._models_insights_assets import *  # noqa: F403
    from lean_connector.api._models_insights_income import *  # noqa: F403
    from lean_connector.api._models_insights_liabilities import *  # noqa: F403
    from lean_connector.api._models_payment_sources import *  # noqa: F403
    from lean_connector.api._models_payments import *  # noqa: F403
    from lean_connector.api._models_payouts import *  # noqa: F403
    from lean_connector.api._models_verifications import *  # noqa: F403
    from lean_connector.api._models_verifications_corporates import *  # noqa: F403

_MODEL_MODULES = (
    "_models_common",
    "_models_customers",
    "_models_data",
    "_models_data_orders",
    "_models_data_parties",
    "_models_data_transactions",
    "_models_insights_assets",
    "_models_insights_income",
    "_models_insights_liabilities",
    "_models_payment_sources",
    "_models_payments",
    "_models_payouts",
    "_models_verifications",
    "_models_verifications_corporates",
)

__all__ = [
    "DEFAULT_LINK_PERMISSIONS",
    "DEFAULT_MAX_PAGES",
    "DEFAULT_PAGE_SIZE",
    "LINK_FLOWS",
    "LINK_PERMISSIONS",
    "PAYOUT_DESTINATION_FIELDS",
    "REFUND_FIELDS",
    "REGION_NAMES",
    "AccountBalances",
    "Banks",
    "Consents",
    "Customers",
    "Data",
    "Destinations",
    "Entities",
    "Insights",
    "LinkConnectConfig",
    "LinkConsentConfig",
    "LinkFlow",
    "LinkPayConfig",
    "LinkReconnectConfig",
    "LinkSessions",
    "PaymentSources",
    "Payments",
    "Payouts",
    "Refunds",
    "RegionCode",
    "Requester",
    "Resource",
    "Verifications",
    "check_permissions",
]


def _model_modules() -> list[Any]:
    return [importlib.import_module(f"lean_connector.api.{name}") for name in _MODEL_MODULES]


def __getattr__(name: str) -> Any:
    for module in _model_modules():
        if name in module.__all__:
            value = getattr(module, name)
            globals()[name] = value
            return value
    raise AttributeError(f"module 'lean_connector.api' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*__all__, *(n for module in _model_modules() for n in module.__all__)})
