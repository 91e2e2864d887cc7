"""``lean-connector sync plan`` and ``sync status``: a run spread over a fleet of workers.

``plan`` lists the entities, writes ``<output>/<run_id>/plan.json`` and puts one message
per entity on the SQS queue the workers (``sync_handler`` behind an event source mapping)
consume; ``status`` compares the plan with the entities' markers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from lean_connector.cli._common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    load_spec_from,
    print_json,
)
from lean_connector.errors import InvalidRequestError, SpecError

__all__ = ["add_plan_arguments", "add_status_arguments", "run_plan", "run_status"]


def _date_arg(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            "must be a date YYYY-MM-DD (the value is not shown)"
        ) from None


def _positive_int(text: str) -> int:
    value = int(text) if text.isdigit() else 0
    if value < 1:
        raise argparse.ArgumentTypeError("must be an integer >= 1 (the value is not shown)")
    return value


def add_plan_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags of ``lean-connector sync plan``."""
    parser.add_argument(
        "--queue-url", help="SQS queue of the sync workers (default: sync.queue_url)"
    )
    parser.add_argument("--output", help="directory or s3://bucket/prefix (default: sync.output)")
    parser.add_argument(
        "--customer",
        action="append",
        dest="customers",
        metavar="CUSTOMER_ID",
        help="plan only this customer's entities (repeatable; default: every entity)",
    )
    parser.add_argument("--start-date", type=_date_arg, help="first day, YYYY-MM-DD")
    parser.add_argument("--end-date", type=_date_arg, help="last day, YYYY-MM-DD (default: today)")
    parser.add_argument(
        "--days",
        type=_positive_int,
        help="window length when --start-date is absent (default: sync.window_days)",
    )
    parser.add_argument(
        "--run-id", help="finish this run's plan (nothing is enqueued twice; default: a new id)"
    )


def add_status_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags of ``lean-connector sync status``."""
    parser.add_argument("--run-id", required=True, help="the run to report on")
    parser.add_argument("--output", help="directory or s3://bucket/prefix (default: sync.output)")


def _usage_error(action: str, message: str) -> int:
    print(f"lean-connector sync {action}: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def run_plan(args: argparse.Namespace) -> int:
    """Plan a run and enqueue it; print the summary. 0 done, 1 Lean/AWS failed, 2 usage."""
    from lean_connector.client import LeanConnector
    from lean_connector.sync import check_run_id, plan_run, resolve_window

    if args.days is not None and args.start_date is not None:
        return _usage_error("plan", "--days and --start-date cannot be used together: pick one")
    try:
        spec = load_spec_from(args, configure_logs=True)
        start = end = None
        if args.start_date or args.end_date or args.days:
            start, end = resolve_window(
                args.start_date, args.end_date, days=args.days or spec.sync.window_days
            )
        run_id = check_run_id(args.run_id) if args.run_id is not None else None
    except (SpecError, InvalidRequestError) as exc:
        return _usage_error("plan", str(exc))
    output = args.output or spec.sync.output
    queue_url = args.queue_url or spec.sync.queue_url
    if not output:
        return _usage_error(
            "plan", "no output: pass --output DIR|s3://bucket/prefix or set sync.output"
        )
    if not queue_url:
        return _usage_error("plan", "no queue: pass --queue-url URL or set sync.queue_url")
    with LeanConnector(spec) as connector:
        try:
            result = plan_run(
                connector,
                output=output,
                queue_url=queue_url,
                customers=args.customers,
                start_date=start,
                end_date=end,
                run_id=run_id,
            )
        except InvalidRequestError as exc:
            return _usage_error("plan", str(exc))
    print(
        f"lean-connector sync plan: run {result.run_id}: {result.enqueued_now} entities "
        f"enqueued; follow it with `lean-connector sync status --run-id {result.run_id}`",
        file=sys.stderr,
    )
    print_json(result.to_dict())
    return EXIT_OK


def run_status(args: argparse.Namespace) -> int:
    """Print where a run stands; 0 only when every planned entity is done."""
    from lean_connector.sync import check_run_id, run_status

    try:
        spec = load_spec_from(args, configure_logs=True)
        run_id = check_run_id(args.run_id)
    except (SpecError, InvalidRequestError) as exc:
        return _usage_error("status", str(exc))
    output = args.output or spec.sync.output
    if not output:
        return _usage_error(
            "status", "no output: pass --output DIR|s3://bucket/prefix or set sync.output"
        )
    try:
        status = run_status(
            output,
            run_id,
            aws_region=spec.secrets.aws_region,
            aws_endpoint_url=spec.secrets.aws_endpoint_url,
        )
    except InvalidRequestError as exc:
        return _usage_error("status", str(exc))
    print_json(status.to_dict())
    return EXIT_OK if status.complete else EXIT_FAILED
