"""``lean-connector secrets check|put``: resolve every reference; store a value.

``put`` stores a value into the Secrets Manager secret a spec field names; the value never
comes from the command line and is never printed."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lean_connector.cli._common import EXIT_FAILED, EXIT_OK, load_spec_from, print_json
from lean_connector.errors import (
    InvalidRequestError,
    SecretAccessDeniedError,
    SecretError,
    SecretNotFoundError,
    SpecError,
)

if TYPE_CHECKING:
    from lean_connector.secrets import SecretReference, SecretResolver

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``secrets check`` and ``secrets put``."""
    from lean_connector.cli._main import add_action

    actions = parser.add_subparsers(dest="secrets_action", metavar="ACTION", required=True)
    check = add_action(
        actions,
        "check",
        help="resolve every reference; show source, version, length",
        description=(
            "Resolve every secret reference of the spec, as the connector would, and show "
            "each one's source, version and length, never its value. Exit 1 when one fails; "
            "its row says why."
        ),
        examples=(
            "lean-connector secrets check --spec lean.yaml",
            "lean-connector secrets check --format table",
        ),
    )
    check.add_argument("--format", choices=("json", "table"), default="json")
    put = add_action(
        actions,
        "put",
        help="store a value (from a file or stdin) into the aws-sm:// secret a field names",
        description=(
            "Store a value into the Secrets Manager secret that a spec field references "
            "(merging its JSON key into the secret). The value comes from a file or stdin, "
            "never from the command line, and is never printed; PEM fields are checked first."
        ),
        examples=(
            "lean-connector secrets put mtls.certificate --from-file cert.pem --spec lean.yaml",
            "lean-connector secrets put auth.client_secret --from-stdin < client_secret.txt",
        ),
    )
    _add_put_arguments(put)


def run(args: argparse.Namespace) -> int:
    """Dispatch to ``check`` or ``put``."""
    return _check(args) if args.secrets_action == "check" else _put_value(args)


def _display_reference(field: str, text: str) -> str:
    from lean_connector.secrets import is_reference
    from lean_connector.spec import LITERAL_REDACTED, SECRET_FIELDS

    if is_reference(text):
        return text
    return LITERAL_REDACTED if field in SECRET_FIELDS else "<literal>"


def _check(args: argparse.Namespace) -> int:
    """Resolve every reference of the spec; print source, version and length, never values."""
    from lean_connector.errors import SecretError
    from lean_connector.secrets import SecretResolver
    from lean_connector.spec import secret_references

    spec = load_spec_from(args, configure_logs=True)
    resolver = SecretResolver.from_spec(spec)
    rows: list[dict[str, Any]] = []
    for field, text in secret_references(spec).items():
        row: dict[str, Any] = {"field": field, "reference": _display_reference(field, text)}
        try:
            value = resolver.resolve(text, field=field)
        except SecretError as exc:
            row.update(ok=False, error=str(exc))  # names the field and reference; said once
        else:
            row.update(ok=True, source=value.source, version_id=value.version_id, bytes=len(value))
        rows.append(row)
    if args.format == "table":
        _print_table(rows)
    else:
        print_json(rows)
    failed = [row["field"] for row in rows if not row["ok"]]
    if not rows:
        print("no secret references in this spec", file=sys.stderr)
    elif failed:
        print(
            f"secrets check: {len(failed)} of {len(rows)} references failed "
            f"({', '.join(failed)}): each row says why",
            file=sys.stderr,
        )
    return EXIT_FAILED if failed else EXIT_OK


def _print_table(rows: list[dict[str, Any]]) -> None:
    columns = ("field", "reference", "source", "version_id", "bytes", "error")
    cells = [[str(row.get(c) if row.get(c) is not None else "-") for c in columns] for row in rows]
    widths = [max([len(c)] + [len(line[i]) for line in cells]) for i, c in enumerate(columns)]
    for line in [list(columns), *cells]:
        sys.stdout.write("  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)).rstrip())
        sys.stdout.write("\n")


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


def _add_put_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``secrets put``: FIELD and where the value comes from.

    There is deliberately no argument for the value itself: on a command line it would be
    kept in shell history and be visible to every user in ``ps``.
    """
    from lean_connector.spec import REFERENCE_FIELDS

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


def _put_value(args: argparse.Namespace) -> int:
    """Store a value into the Secrets Manager secret that a spec field references.

    ``aws-sm://<name>#key`` merges ``key`` (dotted keys nest) into the secret's JSON object,
    starting from ``{}`` when the secret has no value yet (Terraform creates it empty);
    without ``#key`` the value becomes the whole secret. Prints the field, reference,
    version id and sizes, never the value.
    """
    from lean_connector.secrets import SecretResolver, parse_reference
    from lean_connector.spec import REFERENCE_FIELDS, secret_references

    field: str = args.field
    if field not in REFERENCE_FIELDS:
        raise SpecError(
            "FIELD is not a spec field that holds a secret reference (the argument is not "
            f"shown, in case it is a secret): use one of {', '.join(REFERENCE_FIELDS)}"
        )
    spec = load_spec_from(args, configure_logs=True)
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
    from lean_connector.spec import holds_private_key
    from lean_connector.transport import check_certificates_pem, check_private_key_pem

    kind = _PEM_FIELDS.get(field)
    if kind == "certificate" and "CERTIFICATE-----" in value and holds_private_key(value):
        # A cert + key bundle: the key would sit in a field every reader treats as public.
        raise InvalidRequestError(
            f"{source}: not stored: it holds a private key as well as certificates, and "
            f"{field} is public: store the key in mtls.private_key (secrets put "
            "mtls.private_key --from-stdin) and only the certificate(s) here"
        )
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
    from lean_connector import _aws as aws_clients

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
