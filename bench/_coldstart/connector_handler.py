"""Cold path through the connector: ``@lean_handler`` + ``get_connector()``.

The spec comes from ``LEAN_*`` in the environment, every secret an ``aws-sm://`` reference
(one JSON secret per auth mode); one ``GET /banks/v1/`` is made, as a Lambda behind API
Gateway would on its first invocation. Prints the number of banks.
"""

from __future__ import annotations

from typing import Any

from lean_connector.aws_lambda import lean_handler


@lean_handler
def handler(event: Any, context: Any, connector: Any) -> Any:
    return connector.request("GET", "/banks/v1/")


class _Context:
    aws_request_id = "coldstart-bench"
    function_name = "coldstart-bench"


if __name__ == "__main__":
    banks = handler({}, _Context())
    print(f"ok {len(banks)} banks")
