"""The Lean endpoints as resources over a narrow :class:`Requester`.

Resources shape paths, parameters and bodies; they never see the connector, its
credential or its transport. ``_requester`` is the protocol, ``_resources`` the resources.
"""

from __future__ import annotations

from lean_connector.api._requester import Requester
from lean_connector.api._resources import LINK_PERMISSIONS, Banks, Customers, Data, Payments

__all__ = ["LINK_PERMISSIONS", "Banks", "Customers", "Data", "Payments", "Requester"]
