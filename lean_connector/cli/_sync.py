"""``lean-connector sync``: run the batch job in this process and print its summary as JSON.

``sync plan`` and ``sync status`` (a run spread over a fleet of workers) live in
``_sync_fleet``; plain ``sync`` stays the one-process job.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys

from lean_connector.cli._common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    configure_cli_logging,
    load_spec_from,
)
from lean_connector.errors import InvalidRequestError, SpecError

__all__ = ["add_arguments", "run"]


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError("must be an integer >= 1 (the value is not shown)")
    return value


def _date_arg(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            "must be a date YYYY-MM-DD (the value is not shown)"
        ) from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags of ``lean-connector sync``, and its ``plan`` and ``status`` actions."""
    from lean_connector.cli import _sync_fleet
    from lean_connector.cli._main import add_action

    actions = parser.add_subparsers(dest="sync_action", metavar="[ACTION]", required=False)
    _sync_fleet.add_plan_arguments(
        add_action(
            actions,
            "plan",
            help="list the entities, write plan.json and enqueue them for the workers",
            description=(
                "List the entities to sync (every entity, or the customers given), write "
                "OUTPUT/<run_id>/plan.json and put one message per entity on the workers' "
                "SQS queue. Re-running with the same --run-id enqueues nothing twice."
            ),
            examples=(
                "lean-connector sync plan --queue-url https://sqs.me-central-1.amazonaws.com/"
                "123456789012/lean-sync --output s3://my-bucket/lean",
            ),
        )
    )
    _sync_fleet.add_status_arguments(
        add_action(
            actions,
            "status",
            help="planned, done, failed and missing entities of a run (exit 0 when all done)",
            description=(
                "Compare a run's plan with its entities' markers: planned, done, failed and "
                "missing. Exit 0 only when every planned entity is done."
            ),
            examples=(
                "lean-connector sync status --run-id 20260105T101500Z-ab12cd "
                "--output s3://my-bucket/lean",
            ),
        )
    )
    parser.add_argument("--output", help="directory or s3://bucket/prefix (default: sync.output)")
    parser.add_argument(
        "--customer",
        action="append",
        dest="customers",
        metavar="CUSTOMER_ID",
        help="sync only this customer (repeatable; default: every customer)",
    )
    parser.add_argument("--start-date", type=_date_arg, help="first day, YYYY-MM-DD")
    parser.add_argument("--end-date", type=_date_arg, help="last day, YYYY-MM-DD (default: today)")
    parser.add_argument(
        "--days",
        type=_positive_int,
        help="window length when --start-date is absent (default: sync.window_days)",
    )
    parser.add_argument(
        "--workers", type=_positive_int, help="parallel entities (default: sync.workers)"
    )
    parser.add_argument("--run-id", help="resume this run (default: a new timestamped id)")


def _usage_error(message: str) -> int:
    print(f"lean-connector sync: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def run(args: argparse.Namespace) -> int:
    """``lean-connector sync``: run the job and print its summary as JSON.

    Exit codes: 0 every entity synced, 1 an entity (or the run) failed, 2 bad arguments/spec.
    """
    if getattr(args, "sync_action", None) == "plan":
        from lean_connector.cli._sync_fleet import run_plan

        return run_plan(args)
    if getattr(args, "sync_action", None) == "status":
        from lean_connector.cli._sync_fleet import run_status

        return run_status(args)
    from lean_connector.client import LeanConnector
    from lean_connector.sync import check_run_id, new_run_id, resolve_window, run_sync

    if args.days is not None and args.start_date is not None:
        return _usage_error("--days and --start-date cannot be used together: pick one")
    try:
        spec = load_spec_from(args)
        days = args.days or spec.sync.window_days
        start, end = resolve_window(args.start_date, args.end_date, days=days)
        run_id = check_run_id(args.run_id) if args.run_id is not None else new_run_id()
    except (SpecError, InvalidRequestError) as exc:
        return _usage_error(str(exc))
    output = args.output or spec.sync.output
    if not output:
        return _usage_error("no output: pass --output DIR|s3://bucket/prefix or set sync.output")
    workers = args.workers or spec.sync.workers
    if spec.http.pool_size < workers:  # one pooled connection per worker, or calls reconnect
        spec = spec.model_copy(update={"http": spec.http.model_copy(update={"pool_size": workers})})
    configure_cli_logging(args, spec)
    with LeanConnector(spec) as connector:
        try:
            manifest = run_sync(
                connector,
                output=output,
                customers=args.customers,
                start_date=start,
                end_date=end,
                workers=workers,
                run_id=run_id,
            )
        except InvalidRequestError as exc:
            return _usage_error(str(exc))
    print(f"lean-connector sync: output in {manifest.location}", file=sys.stderr)
    sys.stdout.write(json.dumps(manifest.summary(), indent=2) + "\n")
    return EXIT_FAILED if manifest.failed or manifest.customers_failed else EXIT_OK
