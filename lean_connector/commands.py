"""CLI commands that talk to Lean (doctor, token, request, link-session, sandbox) and
``secrets put``, which stores a value into the Secrets Manager secret a spec field names.

Registered in :data:`lean_connector.cli.COMMANDS`. Each builds the connector from the same
spec a Lambda would use; results go to stdout, logs and errors to stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lean_connector.cli import EXIT_FAILED, EXIT_OK, print_json
from lean_connector.errors import (
    InvalidRequestError,
    SecretAccessDeniedError,
    SecretError,
    SecretNotFoundError,
    SpecError,
)

if TYPE_CHECKING:
    from lean_connector.client import LeanConnector
    from lean_connector.secrets import SecretReference, SecretResolver
    from lean_connector.spec import LeanSpec

__all__ = [
    "HTTP_METHODS",
    "add_doctor_arguments",
    "add_link_session_arguments",
    "add_request_arguments",
    "add_sandbox_arguments",
    "add_secrets_put_arguments",
    "add_token_arguments",
    "cmd_doctor",
    "cmd_link_session",
    "cmd_request",
    "cmd_sandbox",
    "cmd_secrets_put",
    "cmd_token",
]


HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _spec(args: argparse.Namespace) -> LeanSpec:
    from lean_connector.logs import configure_logging
    from lean_connector.spec import load_spec

    spec = load_spec(args.spec)
    configure_logging(spec.logging.level, spec.logging.format, stream=sys.stderr)
    return spec


def _connector(spec: LeanSpec) -> LeanConnector:
    from lean_connector.client import LeanConnector

    return LeanConnector(spec)


def add_doctor_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``doctor``: the output format."""
    parser.add_argument("--format", choices=("table", "json"), default="table")


def cmd_doctor(args: argparse.Namespace) -> int:
    """Check secrets, certificate, TLS, token and one API call; exit 1 on any failure."""
    from lean_connector.doctor import render_table, run_doctor

    checks = run_doctor(_spec(args))
    if args.format == "json":
        print_json([check.as_dict() for check in checks])
    else:
        print(render_table(checks))
    failed = [check.name for check in checks if check.status == "fail"]
    if failed:
        print(f"doctor: {len(failed)} check(s) failed: {', '.join(failed)}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def add_token_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``token``: a customer scope, and --show to print the credential."""
    parser.add_argument("--customer", metavar="CUSTOMER_ID", help="mint a customer-scoped token")
    parser.add_argument(
        "--show", action="store_true", help="print the token itself (it is a credential)"
    )


def cmd_token(args: argparse.Namespace) -> int:
    """Get an api (or customer) token; prints its scope and expiry, the value only with --show."""
    spec = _spec(args)
    # Only OAuth has tokens; a spec in another mode is the input to fix, not a failed call.
    if spec.auth.mode.value != "oauth":
        raise SpecError(
            f"token needs auth.mode=oauth, but the spec has auth.mode={spec.auth.mode.value}: "
            "mtls and app_token modes send the app token itself and mint no tokens",
            field="auth.mode",
        )
    with _connector(spec) as connector:
        oauth = connector.oauth()
        token = oauth.customer_token(args.customer) if args.customer else oauth.api_token()
        result: dict[str, Any] = {
            "scope": token.scope,
            "expires_at": int(token.expires_at),
            "expires_in": int(token.seconds_left()),
        }
        if args.show:
            result["access_token"] = token.value
        print_json(result)
    return EXIT_OK


def _http_method(text: str) -> str:
    return text.upper()


def add_request_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``request``: METHOD PATH, a JSON body, query parameters."""
    parser.add_argument(
        "method", type=_http_method, choices=HTTP_METHODS, help=", ".join(HTTP_METHODS)
    )
    parser.add_argument("path", help="API path, e.g. /banks/v1/")
    parser.add_argument("--data", metavar="JSON", help="JSON request body")
    parser.add_argument(
        "--param", action="append", default=[], metavar="KEY=VALUE", help="query parameter"
    )
    parser.add_argument("--idempotency-key", help="Idempotency-Key header (makes POST retryable)")


def cmd_request(args: argparse.Namespace) -> int:
    """Send one API call and print the JSON answer."""
    body = None
    if args.data is not None:
        try:
            body = json.loads(args.data)
        except ValueError as exc:
            raise InvalidRequestError(f"--data is not valid JSON: {exc}") from exc
    params = {}
    for item in args.param:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise InvalidRequestError(f"--param must be KEY=VALUE, got {item!r}")
        params[key] = value
    # The client refuses this too, but only after resolving secrets; say it before that.
    if not args.path.startswith("/"):
        raise InvalidRequestError(f"path must start with '/': got {args.path!r}")
    with _connector(_spec(args)) as connector:
        result = connector.request(
            args.method,
            args.path,
            json=body,
            params=params or None,
            idempotency_key=args.idempotency_key,
        )
    print_json(result)
    return EXIT_OK


def add_link_session_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``link-session``: the end user, permissions and a preselected bank."""
    from lean_connector.resources import LINK_PERMISSIONS  # light: no requests, no boto3

    parser.add_argument("--app-user-id", required=True, help="your own id for the end user")
    parser.add_argument(
        "--permission",
        action="append",
        dest="permissions",
        choices=sorted(LINK_PERMISSIONS),
        help="LinkSDK permission (repeatable; default identity, accounts, balance, transactions)",
    )
    parser.add_argument("--bank-identifier", help="preselect a bank in LinkSDK")


def cmd_link_session(args: argparse.Namespace) -> int:
    """Print the LinkSDK connect() config for one end user (get-or-create the customer)."""
    with _connector(_spec(args)) as connector:
        if args.permissions:
            config = connector.link_session(
                args.app_user_id, args.permissions, bank_identifier=args.bank_identifier
            )
        else:
            config = connector.link_session(args.app_user_id, bank_identifier=args.bank_identifier)
    print_json(config)
    return EXIT_OK


def add_sandbox_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``sandbox``: where to write the test PKI and specs."""
    parser.add_argument(
        "--out", required=True, type=Path, help="directory for the test PKI and ready specs"
    )


def cmd_sandbox(args: argparse.Namespace) -> int:
    """Run the local Lean sandbox until interrupted (test certificates and specs in --out)."""
    from lean_connector.testing.sandbox import serve_forever_cli

    return serve_forever_cli(args.out)


# PEM fields are checked before they are stored; the value says what they must hold.
_PEM_FIELDS = {
    "mtls.certificate": "certificate",
    "mtls.ca_chain": "certificate",
    "mtls.private_key": "private_key",
}
# What to do instead, by scheme, for a reference `secrets put` does not write.
_WRITE_IT_YOURSELF = {
    "aws-ssm": "use aws ssm put-parameter --type SecureString",
    "env": "export the environment variable yourself",
    "file": "write the file yourself (mode 0600)",
    "literal": "the value is in the spec itself; point the field at an aws-sm:// secret",
}


def add_secrets_put_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``secrets put``: FIELD and where the value comes from.

    There is deliberately no argument for the value itself: on a command line it would be
    kept in shell history and be visible to every user in ``ps``.
    """
    from lean_connector.spec_rules import REFERENCE_FIELDS  # light: spec.py loads pydantic

    # No argparse ``choices``: its error would echo the argument, which may be a secret
    # typed where FIELD goes; cmd_secrets_put checks FIELD without repeating it.
    parser.add_argument(
        "field",
        metavar="FIELD",
        help="spec field whose aws-sm:// reference receives the value: "
        + ", ".join(REFERENCE_FIELDS),
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--from-file", metavar="PATH", type=Path, help="read the value from PATH")
    source.add_argument("--from-stdin", action="store_true", help="read the value from stdin")


def cmd_secrets_put(args: argparse.Namespace) -> int:
    """Store a value into the Secrets Manager secret that a spec field references.

    ``aws-sm://<name>#key`` merges ``key`` (dotted keys nest) into the secret's JSON object,
    starting from ``{}`` when the secret has no value yet (Terraform creates it empty);
    without ``#key`` the value becomes the whole secret. Prints the field, reference,
    version id and sizes, never the value.
    """
    from lean_connector.secrets import SecretResolver, parse_reference
    from lean_connector.spec import secret_references
    from lean_connector.spec_rules import REFERENCE_FIELDS

    field: str = args.field
    if field not in REFERENCE_FIELDS:
        raise SpecError(
            "FIELD is not a spec field that holds a secret reference (the argument is not "
            f"shown, in case it is a secret): use one of {', '.join(REFERENCE_FIELDS)}"
        )
    spec = _spec(args)
    text = secret_references(spec).get(field)
    if text is None:
        raise SpecError(
            f"{field} is not set in the spec: set it to aws-sm://<secret name or ARN>#<key> "
            "(in the YAML spec or the LEAN_* env) before putting its value",
            field=field,
        )
    try:
        ref = parse_reference(text, field=field)
    except SecretError as exc:
        raise SpecError(str(exc), field=field) from exc
    _check_writable(field, ref)
    value = _read_value(args, field)
    _check_pem(field, value, _source_name(args))

    resolver = SecretResolver.from_spec(spec)
    region = ref.region or spec.secrets.aws_region
    whole = f"aws-sm://{ref.name}"
    if ref.json_key is None:
        document_text, keys = value, None
    else:
        document = _current_object(resolver, whole, field, ref)
        _set_json_key(document, ref.json_key, value, field, ref)
        document_text, keys = json.dumps(document), sorted(document)
    version_id = _put(resolver, whole, document_text, field, ref, region)
    result: dict[str, Any] = {
        "field": field,
        "reference": ref.text,
        "version_id": version_id,
        "bytes": len(value.encode()),
        "secret_bytes": len(document_text.encode()),
    }
    if keys is not None:
        result["keys"] = keys  # names only: shows what the bundle now holds
    print_json(result)
    return EXIT_OK


def _check_writable(field: str, ref: SecretReference) -> None:
    if ref.scheme != "aws-sm":
        raise InvalidRequestError(
            f"{field} is {ref}: secrets put writes only aws-sm:// (Secrets Manager) "
            f"references; for {ref.scheme} ones, {_WRITE_IT_YOURSELF[ref.scheme]}"
        )
    if ref.version is not None or ref.stage is not None:
        qualifier = f"version={ref.version}" if ref.version else f"stage={ref.stage}"
        raise InvalidRequestError(
            f"{field} is {ref}: secrets put writes only the current version (AWSCURRENT); "
            f"remove ?{qualifier} from {field}, or write that version with "
            "aws secretsmanager put-secret-value"
        )


def _source_name(args: argparse.Namespace) -> str:
    return "stdin" if args.from_stdin else f"--from-file {args.from_file}"


def _read_value(args: argparse.Namespace, field: str) -> str:
    source = _source_name(args)
    if args.from_stdin:
        data = sys.stdin.buffer.read()
    else:
        try:
            data = Path(args.from_file).read_bytes()
        except OSError as exc:
            raise InvalidRequestError(f"{source}: cannot read it ({exc.strerror})") from None
    try:
        value = data.decode("utf-8")
    except UnicodeDecodeError:
        # "from None": the decode error quotes a byte of the value.
        raise InvalidRequestError(
            f"{source}: the value for {field} is not UTF-8 text; Secrets Manager stores it "
            "as a SecretString (PEM, tokens and secrets are text)"
        ) from None
    if field not in _PEM_FIELDS:
        # `echo`, heredocs and editors end the value with a newline that is not part of a
        # token or secret (and would break the HTTP header it goes into). PEM keeps it.
        value = value.rstrip("\r\n")
    if not value.strip():
        raise InvalidRequestError(f"{source}: the value for {field} is empty")
    return value


def _check_pem(field: str, value: str, source: str) -> None:
    from lean_connector.errors import TLSConfigError
    from lean_connector.tls import check_certificates_pem, check_private_key_pem

    kind = _PEM_FIELDS.get(field)
    try:
        if kind == "certificate":
            check_certificates_pem(value.encode(), field_name=field)
        elif kind == "private_key":
            check_private_key_pem(value.encode())
    except TLSConfigError as exc:
        raise InvalidRequestError(f"{source}: not stored: {exc}") from exc


def _current_object(
    resolver: SecretResolver, whole: str, field: str, ref: SecretReference
) -> dict[str, Any]:
    """The secret's current JSON object; {} when it has no value yet."""
    try:
        current = resolver.resolve(whole, field=field).reveal_bytes()
    except SecretNotFoundError:
        # No AWSCURRENT version (created empty by Terraform), or no secret at all: then
        # PutSecretValue fails too and _put says so.
        return {}
    try:
        document = json.loads(current)
    except ValueError:  # includes UnicodeDecodeError (binary secret)
        document = None
    if not isinstance(document, dict):
        what = "JSON but not an object" if document is not None else "not JSON"
        raise SecretError(
            f"{field} ({ref.text}): secret '{ref.name}' holds a value that is {what}, so "
            f"'#{ref.json_key}' cannot be set in it: remove '#{ref.json_key}' from {field} "
            "to replace the whole secret, or put a JSON object into it first",
            reference=ref.text,
        )
    return document


def _set_json_key(
    document: dict[str, Any], key: str, value: str, field: str, ref: SecretReference
) -> None:
    """Set ``key`` where the resolver reads it: a top-level key as is, else a.b nested."""
    if key in document or "." not in key:
        document[key] = value
        return
    parts = key.split(".")
    node = document
    for depth in range(len(parts) - 1):
        child = node.setdefault(parts[depth], {})
        if not isinstance(child, dict):
            parent = ".".join(parts[: depth + 1])
            raise SecretError(
                f"{field} ({ref.text}): '{parent}' in secret '{ref.name}' is not a JSON "
                f"object, so '{key}' cannot be set under it: fix the key in {field} or the "
                "secret",
                reference=ref.text,
            )
        node = child
    node[parts[-1]] = value


def _put(
    resolver: SecretResolver,
    whole: str,
    document_text: str,
    field: str,
    ref: SecretReference,
    region: str,
) -> str | None:
    from lean_connector import aws_clients

    where = f"{field} ({ref.text})"
    try:
        return resolver.put(whole, document_text)
    except SecretNotFoundError as exc:
        raise SecretNotFoundError(
            f"{where}: secret '{ref.name}' does not exist in Secrets Manager (region "
            f"{region}): run terraform apply for this stage first (it creates the secret "
            f"empty), or fix {field}",
            reference=ref.text,
        ) from exc
    except SecretAccessDeniedError as exc:
        if aws_clients.error_code(exc.__cause__ or exc) in aws_clients.CREDENTIAL_CODES:
            raise  # no usable credentials: the resolver's message says which fix
        raise SecretAccessDeniedError(
            f"{where}: access denied writing secret '{ref.name}' (region {region}): the "
            "identity running this needs secretsmanager:PutSecretValue on the secret and "
            "kms:GenerateDataKey on its KMS key",
            reference=ref.text,
        ) from exc
