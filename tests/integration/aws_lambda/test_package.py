"""`make package`: the Lambda zip is reproducible and its handlers run from it alone.

The zip is built by scripts/package_lambda.py (pip downloads manylinux wheels from PyPI), then
extracted into a task directory, as Lambda does with /var/task: Python cannot import C
extensions (pydantic_core, cryptography) straight from a zip. A child `python -I -S` sees
only that directory, the standard library, and a "runtime" directory holding just what the
Lambda Python runtime provides (boto3, botocore and their own dependencies, linked from this
venv). Each handler is imported by the dotted name Terraform uses and run end to end against
the local Lean sandbox (started in the test process) and a real moto server, every secret an
aws-sm:// reference as Terraform sets it up: the refresher writes the shared api token to its
secret, the sync job writes both seeded customers' JSONL, the link session creates a customer
and a token scoped to it, and the webhook answers a signed event 200 and a forged one 401.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.util
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest

from lean_connector._aws import client
from lean_connector.testing.aws import spec_env, store_sandbox_secrets
from lean_connector.testing.sandbox import LeanSandbox
from tests.support.moto_process import MotoProcess
from tests.support.terraform import REPO_ROOT

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(600)]

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
REGION = "me-central-1"
WEBHOOK_SECRET = "webhook-secret-for-package-test"


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
import datetime, hashlib, hmac, importlib, json, os, sys
task, runtime = sys.argv[1], sys.argv[2]
sys.path[:0] = [task, runtime]
stdlib = os.path.dirname(os.__file__)
plan = json.loads(sys.argv[3])

class Context:
    aws_request_id = "req-1"
    function_name = "lean-connector-test"

handlers = {}
for dotted in plan["handlers"]:
    module, _, name = dotted.rpartition(".")
    handlers[name] = getattr(importlib.import_module(module), name)

def gateway(body, headers=None, user=None):
    authorizer = {"jwt": {"claims": {"sub": user}}} if user else {}
    return {"httpMethod": "POST", "headers": headers or {}, "body": body,
            "isBase64Encoded": False, "requestContext": {"authorizer": authorizer}}

def call(name, event):
    try:
        return {"result": handlers[name](event, Context())}
    except Exception as exc:
        return {"raised": type(exc).__name__, "message": str(exc)}

body = json.dumps({"type": "entity.created", "payload": {}, "message": "m",
                   "timestamp": datetime.datetime.now(datetime.timezone.utc).isoformat(),
                   "event_id": "evt-1"})
signature = "sha512=" + hmac.new(plan["webhook_secret"].encode(), body.encode(),
                                 hashlib.sha512).hexdigest()
forged = "sha512=" + "0" * 128
# The refresher first, as its schedule would: the other handlers then use the token it wrote.
results = {
    "refresh_token": call("refresh_token_handler", {"source": "aws.events"}),
    "sync": call("sync_handler", {"id": "evt-1", "source": "aws.events", "time": plan["time"],
                                  "detail": {"customers": plan["customers"], "days": 3650}}),
    "link_session": call("link_session_handler",
                         gateway(json.dumps({}), user=plan["app_user_id"])),
    "link_session_no_user": call("link_session_handler", gateway(json.dumps({}))),
    "webhook_signed": call("webhook_handler", gateway(body, {"lean-signature": signature})),
    "webhook_forged": call("webhook_handler", gateway(body, {"lean-signature": forged})),
}
outside = sorted(
    m.__name__ for m in list(sys.modules.values())
    if getattr(m, "__file__", None)
    and not m.__file__.startswith((task, runtime, stdlib))
)
print(json.dumps({"results": results, "outside": outside,
                  "botocore": getattr(sys.modules.get("botocore"), "__file__", None)}))
"""


def _store_webhook_secret(endpoint_url: str) -> str:
    """Lean's webhook signing secret as a plain Secrets Manager secret; its aws-sm reference."""
    sm = client("secretsmanager", region=REGION, endpoint_url=endpoint_url)
    arn: str = sm.create_secret(Name="lean/package-test/webhook", SecretString=WEBHOOK_SECRET)[
        "ARN"
    ]
    return f"aws-sm://{arn}"


def _secret_values(sandbox: LeanSandbox) -> dict[str, str]:
    """What must never reach the child's output: each secret, and each line of the key's PEM."""
    values = {
        "client_secret": sandbox.client_secret,
        "app_token": sandbox.app_token,
        "webhook_secret": WEBHOOK_SECRET,
    }
    body = [
        line
        for line in sandbox.bundle.client.key_pem.decode().splitlines()
        if line and not line.startswith("-----")
    ]
    assert body
    values.update({f"private_key line {n}": line for n, line in enumerate(body)})
    return values


def test_each_handler_runs_end_to_end_from_the_zip_alone(
    lambda_zip: Path, tmp_path: Path, aws: MotoProcess, lean_sandbox: LeanSandbox
) -> None:
    # Fails (does not skip) until lean_connector/aws_lambda.py has every handler Terraform names.
    task = tmp_path / "task"
    with zipfile.ZipFile(lambda_zip) as zf:
        zf.extractall(task)
    runtime = _runtime_dir(tmp_path)
    output = tmp_path / "sync-output"
    output.mkdir()
    customers = list(lean_sandbox.seed_customers(2, 1, 1, 3).customer_ids)

    # Production's shape: every secret an aws-sm:// reference into (moto's) Secrets Manager.
    overrides = store_sandbox_secrets(
        lean_sandbox,
        mode="oauth",
        region=REGION,
        endpoint_url=aws.endpoint_url,
        token_store=True,
    )
    overrides["webhooks"] = {"secret": _store_webhook_secret(aws.endpoint_url)}
    env = {
        **spec_env(overrides),
        "PATH": "/usr/bin:/bin",
        # The session's private temp dir (tests/conftest.py scans it for key files).
        "TMPDIR": tempfile.gettempdir(),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        # No developer's ~/.aws files: only what Lambda's environment would give.
        "AWS_CONFIG_FILE": str(tmp_path / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-aws-credentials"),
        "AWS_LAMBDA_FUNCTION_NAME": "lean-connector-test",
        "LEAN_SYNC__OUTPUT": str(output),
        "LEAN_LOGGING__FORMAT": "json",
    }
    plan = {
        "handlers": HANDLERS,
        "customers": customers,
        "app_user_id": "zip-user",
        "time": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        # The child signs the test webhook with it; it is never printed.
        "webhook_secret": WEBHOOK_SECRET,
    }
    aws.reset_counts()
    proc = subprocess.run(
        [sys.executable, "-I", "-S", "-c", CHILD, str(task), str(runtime), json.dumps(plan)],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
    )
    assert proc.returncode == 0, f"a handler did not import from the zip:\n{proc.stderr[-4000:]}"
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["outside"] == [], "modules loaded from outside the zip and the runtime"
    assert report["botocore"].startswith(str(runtime))  # the AWS SDK is the runtime's
    results = report["results"]

    # The refresher got one api token from the sandbox and wrote it to the token store.
    refreshed = results["refresh_token"]["result"]
    assert refreshed["scope"] == "api"
    assert lean_sandbox.counters.token_requests["api"] == 1
    assert aws.counts().get("PutSecretValue") == 1
    sm = client("secretsmanager", region=REGION, endpoint_url=aws.endpoint_url)
    stored = json.loads(
        sm.get_secret_value(SecretId=overrides["auth"]["token_store"].removeprefix("aws-sm://"))[
            "SecretString"
        ]
    )
    assert int(stored["expires_at"]) == refreshed["expires_at"]
    assert lean_sandbox.verify_jwt(stored["access_token"])["scope"] == "api"

    # The sync job fetched both customers' data and wrote it as JSONL.
    (run,) = results["sync"]["result"]["runs"]
    assert run["status"] == "complete"
    assert run["run_id"] == "event-evt-1"
    assert run["entities_ok"] == 2
    assert run["entities_failed"] == 0
    assert run["counts"]["transactions"] == 6
    for kind in ("accounts", "balances", "transactions"):
        assert len(list((output / "event-evt-1").glob(f"entity=*/{kind}.jsonl"))) == 2, kind
    assert Path(run["manifest"]).exists()

    # The link session created the app user's customer and a token scoped to it.
    linked = results["link_session"]["result"]
    assert linked["statusCode"] == 200
    config = json.loads(linked["body"])
    customer = lean_sandbox.data.customer_by_app_user_id("zip-user")
    assert config["customer_id"] == customer["customer_id"]
    claims = lean_sandbox.verify_jwt(config["access_token"])
    assert claims["scope"] == f"customer.{customer['customer_id']}"
    # No authenticated caller: refused before Lean is asked for anything.
    assert results["link_session_no_user"]["result"]["statusCode"] == 401

    assert results["webhook_signed"]["result"]["statusCode"] == 200
    assert json.loads(results["webhook_signed"]["result"]["body"])["received"] is True
    assert results["webhook_forged"]["result"]["statusCode"] == 401

    # The JSON logs went to stderr; neither they nor the results hold a secret value.
    assert '"event": "http.request"' in proc.stderr or '"event":"http.request"' in proc.stderr
    # The one exception: LinkSDK's public application id, which is the OAuth client id; the
    # sandbox's client id is its app token, so that value appears once, in the link session.
    assert lean_sandbox.client_id == lean_sandbox.app_token
    assert config["app_token"] == lean_sandbox.client_id
    stdout = proc.stdout.replace(f'\\"app_token\\": \\"{config["app_token"]}\\"', "", 1)
    assert stdout != proc.stdout
    for name, value in _secret_values(lean_sandbox).items():
        assert value not in stdout, f"{name} in the child's stdout"
        assert value not in proc.stderr, f"{name} in the child's stderr"
