"""`make package`: the Lambda zip is reproducible and its handlers run from it alone.

The zip is built by scripts/package_lambda.py (pip downloads manylinux wheels from PyPI), then
extracted into a task directory, as Lambda does with /var/task: Python cannot import C
extensions (pydantic_core, cryptography) straight from a zip. A child `python -I -S` sees
only that directory, the standard library, and a "runtime" directory holding just what the
Lambda Python runtime provides (boto3, botocore and their own dependencies, linked from this
venv). Each handler is imported by the dotted name Terraform uses and invoked with events
that need no network: a signed webhook (200), a forged one (401), a link-session request
without app_user_id (400), and the refresher and sync without their spec sections (the
error naming the missing field).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.support.terraform import REPO_ROOT

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]

SCRIPT = REPO_ROOT / "scripts" / "package_lambda.py"
HANDLERS = (
    "lean_connector.aws_lambda.refresh_token_handler",
    "lean_connector.aws_lambda.link_session_handler",
    "lean_connector.aws_lambda.webhook_handler",
    "lean_connector.aws_lambda.sync_handler",
)
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer", "jmespath")
# What the Lambda runtime ships besides boto3/botocore: their own dependencies.
RUNTIME_EXTRAS = ("dateutil", "six")


def build(output: Path) -> Path:
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--output", str(output)],
        capture_output=True,
        text=True,
        timeout=500,
    )
    assert proc.returncode == 0, f"package_lambda.py failed:\n{proc.stderr}"
    assert str(output) in proc.stdout
    return output


@pytest.fixture(scope="session")
def lambda_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("package") / "lambda.zip")


def test_package_is_reproducible_and_leaves_out_what_lambda_provides(
    lambda_zip: Path, tmp_path: Path
) -> None:
    again = build(tmp_path / "again.zip")
    assert (
        hashlib.sha256(again.read_bytes()).digest()
        == hashlib.sha256(lambda_zip.read_bytes()).digest()
    )
    with zipfile.ZipFile(lambda_zip) as zf:
        infos = zf.infolist()
    names = [i.filename for i in infos]
    assert names == sorted(names)
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    tops = {n.split("/")[0] for n in names}
    assert "lean_connector" in tops
    assert {"pydantic_core", "cryptography", "requests", "structlog", "tenacity"} <= tops
    for provided in RUNTIME_PROVIDED:
        assert not [t for t in tops if t == provided or t.startswith(f"{provided}-")], provided
    assert not [n for n in names if "__pycache__" in n or n.startswith("bin/")]
    assert not [n for n in names if n.endswith("direct_url.json")]
    # Built for Lambda's CPython 3.11 on x86_64, whatever machine ran the build.
    native = [n for n in names if n.endswith(".so")]
    assert native
    assert all("x86_64" in n or "abi3" in n or "cpython-311" in n for n in native), native


def _runtime_dir(root: Path) -> Path:
    """Links to only what the Lambda Python runtime provides, taken from this venv."""
    runtime = root / "runtime"
    runtime.mkdir()
    for name in (*RUNTIME_PROVIDED, *RUNTIME_EXTRAS):
        spec = importlib.util.find_spec(name)
        assert spec is not None, f"{name} is not installed in the test venv"
        origin = Path(spec.origin or "")
        source = origin.parent if origin.name == "__init__.py" else origin
        (runtime / source.name).symlink_to(source)
    return runtime


CHILD = r"""
import hashlib, hmac, importlib, json, os, sys
task, runtime = sys.argv[1], sys.argv[2]
sys.path[:0] = [task, runtime]
stdlib = os.path.dirname(os.__file__)

class Context:
    aws_request_id = "req-1"
    function_name = "lean-connector-test"

handlers = {}
for dotted in json.loads(sys.argv[3]):
    module, _, name = dotted.rpartition(".")
    handlers[name] = getattr(importlib.import_module(module), name)

def gateway(body, headers=None):
    return {"httpMethod": "POST", "headers": headers or {}, "body": body,
            "isBase64Encoded": False, "requestContext": {}}

def call(name, event):
    try:
        return {"result": handlers[name](event, Context())}
    except Exception as exc:
        return {"raised": type(exc).__name__, "message": str(exc)}

body = json.dumps({"type": "entity.created", "payload": {}, "message": "m",
                   "timestamp": "2026-01-01T00:00:00Z", "event_id": "evt-1"})
signature = "sha512=" + hmac.new(os.environ["TEST_WEBHOOK_SECRET"].encode(), body.encode(),
                                 hashlib.sha512).hexdigest()
forged = "sha512=" + "0" * 128
results = {
    "webhook_signed": call("webhook_handler", gateway(body, {"lean-signature": signature})),
    "webhook_forged": call("webhook_handler", gateway(body, {"lean-signature": forged})),
    "link_session_no_user": call("link_session_handler", gateway(json.dumps({}))),
    "refresh_token": call("refresh_token_handler", {"source": "aws.events"}),
    "sync": call("sync_handler", {"source": "aws.events"}),
}
outside = sorted(
    m.__name__ for m in list(sys.modules.values())
    if getattr(m, "__file__", None)
    and not m.__file__.startswith((task, runtime, stdlib))
)
print(json.dumps({"results": results, "outside": outside,
                  "boto3": getattr(sys.modules.get("boto3"), "__file__", None)}))
"""


def test_each_handler_imports_and_runs_from_the_zip_alone(lambda_zip: Path, tmp_path: Path) -> None:
    # Fails (does not skip) until lean_connector/aws_lambda.py has every handler Terraform names.
    task = tmp_path / "task"
    with zipfile.ZipFile(lambda_zip) as zf:
        zf.extractall(task)
    runtime = _runtime_dir(tmp_path)
    env = {
        "PATH": "/usr/bin:/bin",
        "LEAN_ENVIRONMENT": "sandbox",
        "LEAN_AUTH__MODE": "app_token",
        "LEAN_AUTH__APP_TOKEN": "env://TEST_APP_TOKEN",
        "LEAN_WEBHOOKS__SECRET": "env://TEST_WEBHOOK_SECRET",
        "TEST_APP_TOKEN": "app-token-for-package-test",
        "TEST_WEBHOOK_SECRET": "webhook-secret-for-package-test",
        "AWS_LAMBDA_FUNCTION_NAME": "lean-connector-test",
    }
    proc = subprocess.run(
        [sys.executable, "-I", "-S", "-c", CHILD, str(task), str(runtime), json.dumps(HANDLERS)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, f"a handler did not import from the zip:\n{proc.stderr[-4000:]}"
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["outside"] == [], "modules loaded from outside the zip and the runtime"
    results = report["results"]
    assert results["webhook_signed"]["result"]["statusCode"] == 200
    assert json.loads(results["webhook_signed"]["result"]["body"])["received"] is True
    assert results["webhook_forged"]["result"]["statusCode"] == 401
    assert results["link_session_no_user"]["result"]["statusCode"] == 400
    assert "app_user_id is required" in results["link_session_no_user"]["result"]["body"]
    assert results["refresh_token"]["raised"] == "SpecError"
    assert "needs auth.token_store" in results["refresh_token"]["message"]
    assert results["sync"]["raised"] == "SpecError"
    assert "needs sync.output" in results["sync"]["message"]
    # No secret value leaked into what the handlers returned.
    assert "webhook-secret-for-package-test" not in proc.stdout
    assert "app-token-for-package-test" not in proc.stdout
