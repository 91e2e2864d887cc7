"""Terraform, offline: fmt, validate, input validation, and the dev stage applied to moto_server.

Terraform runs for real (binary on PATH, hashicorp/aws from the machine's filesystem mirror)
against a real moto_server; the stack is then read back with boto3 and checked resource by
resource: secrets, least-privilege policies, Lambda env (loaded by lean_connector.spec._model and
resolved by lean_connector.secrets._resolver), then `terraform destroy` must leave nothing behind.

The Lambda zip applied here is a tiny stand-in: moto stores function code but never runs it,
and the real package is tested by test_lambda_package.py.
"""

from __future__ import annotations

import json
import os
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest

from lean_connector.secrets import SecretResolver
from lean_connector.spec import load_spec
from lean_connector.testing.certs import make_bundle
from tests.support.moto_process import MotoProcess
from tests.support.terraform import (
    TERRAFORM_DIR,
    Terraform,
    copy_terraform_tree,
    find_provider_mirror,
    find_terraform,
    write_cli_config,
)

pytestmark = [pytest.mark.integration, pytest.mark.terraform, pytest.mark.timeout(900)]

REGION = "me-central-1"
FUNCTIONS = ("refresh_token", "link_session", "webhook", "sync_plan", "sync")
HANDLERS = {key: f"lean_connector.aws_lambda.{key}_handler" for key in FUNCTIONS}
LEAN_CALLERS = ("refresh_token", "link_session", "sync_plan", "sync")
JWT_ISSUER = "https://idp.example.com/realms/app"
JWT_AUDIENCE = ["lean-link-app"]
AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": REGION,
}


@dataclass
class Workspace:
    binary: str
    cli_config: Path
    root: Path
    zip_path: Path
    copies: int = 0
    planners: dict[str, Terraform] = field(default_factory=dict)

    def stage(self, name: str, extra_env: dict[str, str] | None = None) -> Terraform:
        """An initialised copy of terraform/ (own state), working in stages/<name>."""
        self.copies += 1
        tree = copy_terraform_tree(self.root / f"copy{self.copies}")
        tf = Terraform(
            self.binary, self.cli_config, tree / "stages" / name, extra_env=extra_env or {}
        )
        tf.init()
        return tf

    def planner(self, name: str) -> Terraform:
        """One initialised copy per stage for plans, which write no state."""
        if name not in self.planners:
            self.planners[name] = self.stage(name, extra_env=AWS_ENV)
        return self.planners[name]


@pytest.fixture(scope="session")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    binary = find_terraform()
    if binary is None:
        pytest.skip("terraform is not on PATH (set $TERRAFORM to its path)")
    mirror = find_provider_mirror()
    if mirror is None:
        pytest.skip(
            "no filesystem mirror with registry.terraform.io/hashicorp/aws found "
            "(set $TF_PROVIDER_MIRROR to the folder above registry.terraform.io)"
        )
    root = tmp_path_factory.mktemp("terraform")
    zip_path = root / "lambda.zip"
    with zipfile.ZipFile(zip_path, "w") as zf:
        zf.writestr("lean_connector/__init__.py", "# stand-in: moto stores the code only\n")
    return Workspace(binary, write_cli_config(root / "cli.tfrc", mirror), root, zip_path)


def moto_vars(moto: MotoProcess, zip_path: Path, **extra: Any) -> dict[str, Any]:
    return {
        "aws_endpoint_url": moto.endpoint_url,
        "local_testing": True,
        "package_path": str(zip_path),
        "client_id": "11111111-2222-3333-4444-555555555555",
        "jwt_issuer": JWT_ISSUER,
        "jwt_audience": JWT_AUDIENCE,
        **extra,
    }


def test_terraform_files_are_formatted(workspace: Workspace) -> None:
    tf = Terraform(workspace.binary, workspace.cli_config, TERRAFORM_DIR)
    proc = tf.run("fmt", "-check", "-recursive", "-diff", "-no-color", check=False)
    assert proc.returncode == 0, f"run `terraform fmt -recursive terraform/`:\n{proc.stdout}"


@pytest.mark.parametrize(
    "stage",
    ["dev", "staging", "prod", "../examples/mtls", "../examples/oauth", "../examples/app_token"],
)
def test_stage_initialises_offline_and_validates(workspace: Workspace, stage: str) -> None:
    tf = workspace.stage(stage)
    proc = tf.run("validate", "-json", "-no-color")
    result = json.loads(proc.stdout)
    assert result["valid"] is True, result["diagnostics"]
    assert result["warning_count"] == 0, result["diagnostics"]
    lock = (tf.workdir / ".terraform.lock.hcl").read_text()
    assert 'provider "registry.terraform.io/hashicorp/aws"' in lock


@pytest.mark.parametrize(
    ("stage", "bad_vars", "message"),
    [
        ("dev", {"auth_mode": "basic"}, 'auth_mode must be one of "mtls", "oauth" or "app_token".'),
        ("dev", {"lean_region": "us"}, 'lean_region must be "ae" (UAE) or "sa" (KSA).'),
        ("dev", {"client_id": None}, "client_id (the Lean application id) is required when"),
        (
            "dev",
            {"auth_mode": "mtls"},
            'api_endpoint is required for the sandbox with auth_mode "mtls"',
        ),
        ("dev", {"api_endpoint": "http://plain.example"}, "api_endpoint must be an https:// URL."),
        ("prod", {"auth_mode": "app_token"}, 'auth_mode in prod must be "mtls" or "oauth".'),
        ("dev", {"sync_maximum_concurrency": 1}, "sync_maximum_concurrency must be a whole number"),
        ("dev", {"jwt_issuer": "http://idp.example"}, "jwt_issuer must be an https:// URL"),
        ("dev", {"jwt_audience": []}, "jwt_audience must list at least one non-empty audience."),
    ],
)
def test_bad_stage_input_is_refused_with_a_clear_message(
    workspace: Workspace,
    moto_server: MotoProcess,
    stage: str,
    bad_vars: dict[str, Any],
    message: str,
) -> None:
    tf = workspace.planner(stage)
    variables = {**moto_vars(moto_server, workspace.zip_path), **bad_vars}
    variables = {k: v for k, v in variables.items() if v is not None}
    proc = tf.run(
        "plan", "-input=false", "-lock=false", "-no-color", *tf.var_args(variables), check=False
    )
    assert proc.returncode != 0, "terraform plan accepted invalid input"
    assert message in " ".join(proc.stderr.split()), proc.stderr


def test_prod_with_mtls_plans_no_refresher_and_watches_the_certificate(
    workspace: Workspace, moto_server: MotoProcess
) -> None:
    tf = workspace.planner("prod")
    variables = {**moto_vars(moto_server, workspace.zip_path), "auth_mode": "mtls"}
    tf.run(
        "plan",
        "-input=false",
        "-lock=false",
        "-no-color",
        "-out=mtls.tfplan",
        *tf.var_args(variables),
    )
    plan = json.loads(tf.run("show", "-json", "-no-color", "mtls.tfplan").stdout)
    planned = {
        c["address"].removeprefix("module.lean_connector.")
        for c in plan["resource_changes"]
        if c["change"]["actions"] == ["create"]
    }
    functions = {a for a in planned if a.startswith("aws_lambda_function.")}
    assert functions == {
        f'aws_lambda_function.this["{k}"]' for k in ("link_session", "webhook", "sync_plan", "sync")
    }
    secrets = {
        a.split(".")[1].split("[")[0] for a in planned if a.startswith("aws_secretsmanager_secret.")
    }
    assert secrets == {"app_token", "mtls", "webhook"}
    cert_alarms = {
        a for a in planned if a.startswith("aws_cloudwatch_metric_alarm.certificate_expiry")
    }
    assert cert_alarms == {
        f'aws_cloudwatch_metric_alarm.certificate_expiry["{k}"]'
        for k in ("link_session", "sync_plan", "sync")
    }
    # Values of the Lambda env are unknown until apply (ARNs); the schedules are not.
    rules = {a for a in planned if a.startswith("aws_cloudwatch_event_rule.")}
    assert rules == {'aws_cloudwatch_event_rule.schedule["sync_plan"]'}


# --------------------------------------------------------------- dev stage on moto


@dataclass
class DevStack:
    tf: Terraform
    variables: dict[str, Any]
    outputs: dict[str, Any]
    moto: MotoProcess
    destroyed: bool = False

    def client(self, service: str) -> Any:
        return boto3.client(  # type: ignore[call-overload]
            service,
            region_name=REGION,
            endpoint_url=self.moto.endpoint_url,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )


@pytest.fixture(scope="module")
def dev_stack(workspace: Workspace, moto_server: MotoProcess) -> Iterator[DevStack]:
    """The dev stage applied once to a clean moto_server (oauth + client certificate, so
    every secret, role statement and alarm exists), destroyed at the end if a test did not."""
    moto_server.reset()
    with pytest.MonkeyPatch.context() as mp:
        for name, value in AWS_ENV.items():
            mp.setenv(name, value)
        tf = workspace.stage("dev", extra_env=AWS_ENV)
        variables = moto_vars(moto_server, workspace.zip_path, mtls_with_oauth=True)
        tf.apply(variables)
        stack = DevStack(tf, variables, tf.output(), moto_server)
        try:
            yield stack
        finally:
            if not stack.destroyed:
                tf.destroy(variables)


def test_secrets_exist_without_values_and_use_the_stack_kms_key(dev_stack: DevStack) -> None:
    sm = dev_stack.client("secretsmanager")
    arns = dev_stack.outputs["secret_arns"]
    assert set(arns) == {"app_token", "oauth_client", "mtls", "webhook", "token_store"}
    # OAuth reads no app token (bearer header; LinkSDK gets client_id): no secret for it.
    assert arns["app_token"] is None
    created = {e["ARN"] for e in sm.list_secrets()["SecretList"]}
    assert created == {arn for arn in arns.values() if arn is not None}
    assert len(created) == 4
    key_arn = dev_stack.outputs["kms_key_arn"]
    for purpose, arn in [(p, a) for p, a in arns.items() if a is not None]:
        described = sm.describe_secret(SecretId=arn)
        assert described["KmsKeyId"] == key_arn, purpose
        # Terraform never holds a value: the secret has no version until put out of band.
        with pytest.raises(sm.exceptions.ResourceNotFoundException):
            sm.get_secret_value(SecretId=arn)
    kms = dev_stack.client("kms")
    assert kms.get_key_rotation_status(KeyId=key_arn)["KeyRotationEnabled"] is True
    assert not [r for r in dev_stack.tf.state_resources() if "secret_version" in r]


def _allowed(document: dict[str, Any]) -> set[tuple[str, str, str]]:
    """(action, resource, condition) for every Allow statement of a policy; the condition
    is the kms:ViaService values, or "prefix=<s3:prefix values>"."""
    out: set[tuple[str, str, str]] = set()
    for stmt in document["Statement"]:
        assert stmt["Effect"] == "Allow", stmt
        actions = stmt["Action"] if isinstance(stmt["Action"], list) else [stmt["Action"]]
        resources = stmt["Resource"] if isinstance(stmt["Resource"], list) else [stmt["Resource"]]
        condition = stmt.get("Condition", {})
        via = condition.get("StringEquals", {}).get("kms:ViaService", [])
        via_text = ",".join(sorted([via] if isinstance(via, str) else via))
        prefix = condition.get("StringLike", {}).get("s3:prefix")
        if prefix is not None:
            via_text = "prefix=" + ",".join(sorted([prefix] if isinstance(prefix, str) else prefix))
        assert set(condition) <= {"StringEquals", "StringLike"}, stmt
        out |= {(a, r, via_text) for a in actions for r in resources}
    return out


def _expected_policies(stack: DevStack) -> dict[str, set[tuple[str, str, str]]]:
    o = stack.outputs
    secrets, key = o["secret_arns"], o["kms_key_arn"]
    account = key.split(":")[4]
    bucket_arn = f"arn:aws:s3:::{o['sync_output'].removeprefix('s3://').split('/')[0]}"
    queue_name = o["webhook_queue_url"].rsplit("/", 1)[1]
    sync_queue = f"arn:aws:sqs:{REGION}:{account}:{o['sync_queue_url'].rsplit('/', 1)[1]}"
    own_prefix = ("s3:ListBucket", bucket_arn, "prefix=lean-sync/*")
    table = o["webhook_dedupe_table_name"]

    def via(*services: str) -> str:
        return ",".join(sorted(f"{s}.{REGION}.amazonaws.com" for s in services))

    def common(key_name: str) -> set[tuple[str, str, str]]:
        function = o["function_names"][key_name]
        group = f"arn:aws:logs:{REGION}:{account}:log-group:/aws/lambda/{function}:*"
        return {
            ("logs:CreateLogStream", group, ""),
            ("logs:PutLogEvents", group, ""),
            ("xray:PutTraceSegments", "*", ""),
            ("xray:PutTelemetryRecords", "*", ""),
        }

    credentials = {secrets[k] for k in ("oauth_client", "mtls", "token_store")}
    read_credentials = {("secretsmanager:GetSecretValue", arn, "") for arn in credentials}
    return {
        "refresh_token": common("refresh_token")
        | read_credentials
        | {
            ("secretsmanager:PutSecretValue", secrets["token_store"], ""),
            ("kms:Decrypt", key, via("secretsmanager", "lambda")),
            ("kms:GenerateDataKey", key, via("secretsmanager")),
        },
        "link_session": common("link_session")
        | read_credentials
        | {("kms:Decrypt", key, via("secretsmanager", "lambda"))},
        "sync_plan": common("sync_plan")
        | read_credentials
        | {
            ("kms:Decrypt", key, via("secretsmanager", "lambda", "s3", "sqs")),
            ("kms:GenerateDataKey", key, via("s3", "sqs")),
            own_prefix,
            ("s3:GetObject", f"{bucket_arn}/lean-sync/*", ""),
            ("s3:PutObject", f"{bucket_arn}/lean-sync/*", ""),
            ("sqs:SendMessage", sync_queue, ""),
        },
        "sync": common("sync")
        | read_credentials
        | {
            ("kms:Decrypt", key, via("secretsmanager", "lambda", "s3", "sqs")),
            ("kms:GenerateDataKey", key, via("s3")),
            own_prefix,
            ("s3:ListBucketMultipartUploads", bucket_arn, ""),
            ("s3:GetObject", f"{bucket_arn}/lean-sync/*", ""),
            ("s3:PutObject", f"{bucket_arn}/lean-sync/*", ""),
            ("s3:DeleteObject", f"{bucket_arn}/lean-sync/*", ""),
            ("s3:AbortMultipartUpload", f"{bucket_arn}/lean-sync/*", ""),
            ("sqs:ReceiveMessage", sync_queue, ""),
            ("sqs:DeleteMessage", sync_queue, ""),
            ("sqs:GetQueueAttributes", sync_queue, ""),
        },
        "webhook": common("webhook")
        | {
            ("secretsmanager:GetSecretValue", secrets["webhook"], ""),
            ("kms:Decrypt", key, via("secretsmanager", "lambda", "sqs", "dynamodb")),
            ("kms:GenerateDataKey", key, via("sqs", "dynamodb")),
            ("dynamodb:PutItem", f"arn:aws:dynamodb:{REGION}:{account}:table/{table}", ""),
            ("dynamodb:DeleteItem", f"arn:aws:dynamodb:{REGION}:{account}:table/{table}", ""),
            ("sqs:SendMessage", f"arn:aws:sqs:{REGION}:{account}:{queue_name}", ""),
        },
    }


def test_each_role_allows_exactly_what_its_function_needs(dev_stack: DevStack) -> None:
    iam = dev_stack.client("iam")
    expected = _expected_policies(dev_stack)
    granted: dict[str, set[tuple[str, str, str]]] = {}
    for key, role_arn in dev_stack.outputs["role_arns"].items():
        role = role_arn.rsplit("/", 1)[1]
        assert iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"] == []
        names = iam.list_role_policies(RoleName=role)["PolicyNames"]
        granted[key] = set().union(
            *(
                _allowed(iam.get_role_policy(RoleName=role, PolicyName=n)["PolicyDocument"])
                for n in names
            )
        )
        trust = iam.get_role(RoleName=role)["Role"]["AssumeRolePolicyDocument"]
        assert trust["Statement"][0]["Principal"] == {"Service": "lambda.amazonaws.com"}
    for key in FUNCTIONS:
        missing, extra = expected[key] - granted[key], granted[key] - expected[key]
        assert (missing, extra) == (set(), set()), f"{key}: missing {missing}, extra {extra}"
    # The properties that matter most, stated on their own.
    secrets = dev_stack.outputs["secret_arns"]
    webhook_reads = {r for a, r, _ in granted["webhook"] if a == "secretsmanager:GetSecretValue"}
    assert secrets["mtls"] not in webhook_reads
    assert secrets["oauth_client"] not in webhook_reads
    writers = [
        k for k, g in granted.items() if any(a == "secretsmanager:PutSecretValue" for a, _, _ in g)
    ]
    assert writers == ["refresh_token"]
    assert all(via for g in granted.values() for a, _, via in g if a.startswith("kms:"))
    # Listing is limited to the sync prefix wherever it is granted.
    assert {c for g in granted.values() for a, _, c in g if a == "s3:ListBucket"} == {
        "prefix=lean-sync/*"
    }


def test_functions_carry_the_whole_spec_as_references(dev_stack: DevStack) -> None:
    lam = dev_stack.client("lambda")
    key_arn, secrets = dev_stack.outputs["kms_key_arn"], dev_stack.outputs["secret_arns"]
    for key, name in dev_stack.outputs["function_names"].items():
        conf = lam.get_function_configuration(FunctionName=name)
        assert conf["Handler"] == HANDLERS[key]
        assert conf["Runtime"] in ("python3.11", "python3.12")
        assert conf["Timeout"] == (900 if key in ("sync", "sync_plan") else 120)
        assert conf["TracingConfig"]["Mode"] == "Active"
        assert conf["KMSKeyArn"] == key_arn
        reserved = lam.get_function_concurrency(FunctionName=name)["ReservedConcurrentExecutions"]
        # The workers reserve what their queue trigger may use (dev: 2).
        assert reserved == {"refresh_token": 1, "sync_plan": 1, "sync": 2}.get(key, 10)
        env = conf["Environment"]["Variables"]
        # Only the refresher's role may PutSecretValue on the store, so only it writes there.
        writes = "true" if key == "refresh_token" else "false"
        assert env == {
            **dev_stack.outputs["spec_environment"],
            "LEAN_AUTH__TOKEN_STORE_WRITE": writes,
        }
    env = dev_stack.outputs["spec_environment"]
    assert env["LEAN_AUTH__TOKEN_STORE_WRITE"] == "false"
    assert "LEAN_AUTH__APP_TOKEN" not in env
    assert env["LEAN_AUTH__CLIENT_SECRET"] == f"aws-sm://{secrets['oauth_client']}#client_secret"
    assert env["LEAN_MTLS__PRIVATE_KEY"] == f"aws-sm://{secrets['mtls']}#private_key"
    assert env["LEAN_AUTH__TOKEN_STORE"] == f"aws-sm://{secrets['token_store']}"


def _spec_from_env(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Any:
    for name in [n for n in os.environ if n.startswith("LEAN_")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return load_spec()


def test_function_env_loads_as_a_valid_spec_pointing_at_the_created_resources(
    dev_stack: DevStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = _spec_from_env(dev_stack.outputs["spec_environment"], monkeypatch)
    secrets, o = dev_stack.outputs["secret_arns"], dev_stack.outputs
    assert (spec.environment, spec.region, spec.auth.mode) == ("sandbox", "ae", "oauth")
    assert spec.auth.client_id == dev_stack.variables["client_id"]
    assert spec.auth.app_token is None
    assert spec.auth.token_store_write is False
    assert spec.mtls.certificate == f"aws-sm://{secrets['mtls']}#certificate"
    assert spec.mtls.ca_chain == f"aws-sm://{secrets['mtls']}#ca_chain"
    assert spec.webhooks.secret == f"aws-sm://{secrets['webhook']}#secret"
    assert spec.webhooks.dedupe_table == o["webhook_dedupe_table_name"]
    assert spec.webhooks.queue_url == o["webhook_queue_url"]
    assert spec.sync.output == o["sync_output"]
    assert spec.sync.queue_url == o["sync_queue_url"]
    assert spec.sync.workers == 4
    assert spec.secrets.aws_region == REGION
    refresher = dev_stack.client("lambda").get_function_configuration(
        FunctionName=o["function_names"]["refresh_token"]
    )
    assert _spec_from_env(refresher["Environment"]["Variables"], monkeypatch).auth.token_store_write


def test_connector_resolves_values_put_out_of_band(
    dev_stack: DevStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = _spec_from_env(dev_stack.outputs["spec_environment"], monkeypatch)
    secrets = dev_stack.outputs["secret_arns"]
    bundle = make_bundle()
    values = {
        "oauth_client": {"client_secret": "client-secret-0123456789"},
        "mtls": {
            "certificate": bundle.client.cert_pem.decode(),
            "private_key": bundle.client.key_pem.decode(),
            "ca_chain": bundle.ca_chain_pem.decode(),
        },
        "webhook": {"secret": "webhook-secret-0123456789"},
    }
    sm = dev_stack.client("secretsmanager")
    for purpose, payload in values.items():  # what `aws secretsmanager put-secret-value` does
        sm.put_secret_value(SecretId=secrets[purpose], SecretString=json.dumps(payload))
    resolver = SecretResolver(
        aws_region=spec.secrets.aws_region, aws_endpoint_url=dev_stack.moto.endpoint_url
    )
    resolved = {field: v.reveal() for field, v in resolver.resolve_spec(spec).items()}
    assert resolved == {
        "auth.client_secret": "client-secret-0123456789",
        "mtls.certificate": values["mtls"]["certificate"],
        "mtls.private_key": values["mtls"]["private_key"],
        "mtls.ca_chain": values["mtls"]["ca_chain"],
        "webhooks.secret": "webhook-secret-0123456789",
    }
    # The refresher's write path: put the shared token, then read it back by reference.
    token = json.dumps({"access_token": "header.payload.sig", "scope": "api", "expires_at": 2e9})
    assert resolver.put(spec.auth.token_store, token)
    resolver.refresh()
    assert json.loads(resolver.resolve(spec.auth.token_store).reveal())["scope"] == "api"


def test_supporting_resources_are_locked_down(dev_stack: DevStack) -> None:
    o, key_arn = dev_stack.outputs, dev_stack.outputs["kms_key_arn"]
    s3 = dev_stack.client("s3")
    bucket = o["sync_output"].removeprefix("s3://").split("/")[0]
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    sse = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert sse["ApplyServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "aws:kms",
        "KMSMasterKeyID": key_arn,
    }
    assert all(s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"].values())
    deny = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])["Statement"][0]
    assert deny["Effect"] == "Deny"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    sqs = dev_stack.client("sqs")
    attrs = sqs.get_queue_attributes(QueueUrl=o["webhook_queue_url"], AttributeNames=["All"])[
        "Attributes"
    ]
    assert attrs["KmsMasterKeyId"] == key_arn
    assert json.loads(attrs["RedrivePolicy"])["deadLetterTargetArn"].endswith("-webhook-events-dlq")
    sync_attrs = sqs.get_queue_attributes(QueueUrl=o["sync_queue_url"], AttributeNames=["All"])[
        "Attributes"
    ]
    assert sync_attrs["KmsMasterKeyId"] == key_arn
    assert sync_attrs["VisibilityTimeout"] == str(6 * 900)
    redrive = json.loads(sync_attrs["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"].endswith("-sync-dlq")
    assert int(redrive["maxReceiveCount"]) == 5
    # Every queue refuses requests that are not over TLS.
    urls = [o["webhook_queue_url"], o["webhook_dlq_url"], o["sync_queue_url"], o["sync_dlq_url"]]
    for url in urls:
        policy = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])["Attributes"]
        (statement,) = json.loads(policy["Policy"])["Statement"]
        assert statement["Effect"] == "Deny", url
        assert statement["Action"] == "sqs:*", url
        assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}, url
    ddb = dev_stack.client("dynamodb")
    table = ddb.describe_table(TableName=o["webhook_dedupe_table_name"])["Table"]
    assert table["KeySchema"] == [{"AttributeName": "event_id", "KeyType": "HASH"}]
    assert table["SSEDescription"]["KMSMasterKeyArn"] == key_arn
    ttl = ddb.describe_time_to_live(TableName=table["TableName"])["TimeToLiveDescription"]
    assert (ttl["AttributeName"], ttl["TimeToLiveStatus"]) == ("expires_at", "ENABLED")
    backups = ddb.describe_continuous_backups(TableName=table["TableName"])[
        "ContinuousBackupsDescription"
    ]
    assert backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"
    logs = dev_stack.client("logs")
    for key, name in o["function_names"].items():
        group = logs.describe_log_groups(logGroupNamePrefix=f"/aws/lambda/{name}")["logGroups"][0]
        assert (group["retentionInDays"], group["kmsKeyId"]) == (365, key_arn), key


def test_schedules_and_alarms_watch_the_right_functions(dev_stack: DevStack) -> None:
    names = dev_stack.outputs["function_names"]
    events, lam = dev_stack.client("events"), dev_stack.client("lambda")
    # The daily schedule starts the planner, which enqueues the entities for the workers.
    expected_schedules = {"refresh_token": "rate(30 minutes)", "sync_plan": "rate(1 day)"}
    for key, expression in expected_schedules.items():
        rule = events.describe_rule(Name=f"{names[key]}-schedule")
        assert rule["ScheduleExpression"] == expression
        targets = events.list_targets_by_rule(Rule=rule["Name"])["Targets"]
        assert [t["Arn"] for t in targets] == [dev_stack.outputs["function_arns"][key]]
        policy = json.loads(lam.get_policy(FunctionName=names[key])["Policy"])["Statement"][0]
        assert policy["Principal"] == {"Service": "events.amazonaws.com"}
        assert policy["Condition"]["ArnLike"]["AWS:SourceArn"] == rule["Arn"]
    cw = dev_stack.client("cloudwatch")
    alarms = cw.describe_alarms(AlarmNamePrefix="lean-connector-dev-")["MetricAlarms"]
    by_metric: dict[str, list[dict[str, Any]]] = {}
    for alarm in alarms:
        by_metric.setdefault(alarm["MetricName"], []).append(alarm)
    assert sorted(a["Dimensions"][0]["Value"] for a in by_metric["Errors"]) == sorted(
        names.values()
    )
    cert = by_metric["ClientCertificateDaysToExpiry"]
    assert sorted(a["Dimensions"][0]["Value"] for a in cert) == sorted(
        names[k] for k in LEAN_CALLERS
    )
    for alarm in cert:
        assert alarm["Namespace"] == "LeanConnector"
        assert alarm["Dimensions"][0]["Name"] == "FunctionName"
        # Data comes only with cold starts: missing periods must not reset it to OK.
        assert alarm["TreatMissingData"] == "ignore"
        assert (alarm["Statistic"], alarm["ComparisonOperator"], alarm["Threshold"]) == (
            "Minimum",
            "LessThanThreshold",
            30.0,
        )


def test_sync_queue_triggers_the_workers_with_partial_batch_responses(dev_stack: DevStack) -> None:
    o = dev_stack.outputs
    lam = dev_stack.client("lambda")
    listed = lam.list_event_source_mappings()["EventSourceMappings"]
    (mapping,) = [m for m in listed if m["UUID"] == o["sync_event_source_mapping_id"]]
    assert mapping["UUID"] == o["sync_event_source_mapping_id"]
    assert mapping["EventSourceArn"].endswith(":" + o["sync_queue_url"].rsplit("/", 1)[1])
    assert mapping["FunctionArn"] == o["function_arns"]["sync"]
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["BatchSize"] == 10
    assert mapping["ScalingConfig"] == {"MaximumConcurrency": 2}


def test_http_api_routes_webhooks_and_jwt_guarded_link_sessions(dev_stack: DevStack) -> None:
    o = dev_stack.outputs
    api_client, lam = dev_stack.client("apigatewayv2"), dev_stack.client("lambda")
    api = api_client.get_api(ApiId=o["api_id"])
    assert api["ProtocolType"] == "HTTP"
    assert o["api_url"].startswith("https://") or o["api_url"].startswith("http")
    routes = {r["RouteKey"]: r for r in api_client.get_routes(ApiId=api["ApiId"])["Items"]}
    assert set(routes) == {"POST /webhooks", "POST /link-session"}
    # (moto answers GetAuthorizers with a 500: the one authorizer is read by its id.)
    authorizer = api_client.get_authorizer(
        ApiId=api["ApiId"], AuthorizerId=routes["POST /link-session"]["AuthorizerId"]
    )
    assert authorizer["AuthorizerType"] == "JWT"
    assert authorizer["JwtConfiguration"] == {"Issuer": JWT_ISSUER, "Audience": JWT_AUDIENCE}
    assert authorizer["IdentitySource"] == ["$request.header.Authorization"]
    integrations = {
        i["IntegrationId"]: i for i in api_client.get_integrations(ApiId=api["ApiId"])["Items"]
    }
    assert routes["POST /link-session"]["AuthorizationType"] == "JWT"
    assert routes["POST /link-session"]["AuthorizerId"] == authorizer["AuthorizerId"]
    assert routes["POST /webhooks"]["AuthorizationType"] == "NONE"
    for route_key, function in (
        ("POST /webhooks", "webhook"),
        ("POST /link-session", "link_session"),
    ):
        integration = integrations[routes[route_key]["Target"].removeprefix("integrations/")]
        assert integration["IntegrationType"] == "AWS_PROXY"
        assert o["function_arns"][function] in integration["IntegrationUri"]
        assert integration["PayloadFormatVersion"] == "2.0"
        # Lean counts a webhook as delivered only on a 200 within 10 s.
        assert integration["TimeoutInMillis"] == (10000 if function == "webhook" else 29000)
        (permission,) = json.loads(
            lam.get_policy(FunctionName=o["function_names"][function])["Policy"]
        )["Statement"]
        assert permission["Principal"] == {"Service": "apigateway.amazonaws.com"}
        source = permission["Condition"]["ArnLike"]["AWS:SourceArn"]
        assert source.endswith("/*/" + route_key.replace(" ", "")), source
        assert f":{api['ApiId']}/" in source
    stage = api_client.get_stage(ApiId=api["ApiId"], StageName="$default")
    assert stage["AutoDeploy"] is True
    assert stage["DefaultRouteSettings"]["ThrottlingBurstLimit"] == 50
    assert stage["DefaultRouteSettings"]["ThrottlingRateLimit"] == 20
    logs = dev_stack.client("logs")
    (group,) = logs.describe_log_groups(logGroupNamePrefix=o["api_access_log_group_name"])[
        "logGroups"
    ]
    assert group["kmsKeyId"] == o["kms_key_arn"]
    assert stage["AccessLogSettings"]["DestinationArn"].removesuffix(":*") == group[
        "arn"
    ].removesuffix(":*")
    access_format = json.loads(stage["AccessLogSettings"]["Format"])
    assert access_format["routeKey"] == "$context.routeKey"


def _leftovers(stack: DevStack) -> dict[str, list[str]]:
    prefix = "lean-connector-dev"
    listers: dict[str, Callable[[], list[str]]] = {
        "secrets": lambda: [
            s["Name"] for s in stack.client("secretsmanager").list_secrets()["SecretList"]
        ],
        "roles": lambda: [r["RoleName"] for r in stack.client("iam").list_roles()["Roles"]],
        "functions": lambda: [
            f["FunctionName"] for f in stack.client("lambda").list_functions()["Functions"]
        ],
        "buckets": lambda: [b["Name"] for b in stack.client("s3").list_buckets()["Buckets"]],
        "queues": lambda: stack.client("sqs").list_queues().get("QueueUrls", []),
        "apis": lambda: [a["Name"] for a in stack.client("apigatewayv2").get_apis()["Items"]],
        "event_source_mappings": lambda: [
            m["FunctionArn"]
            for m in stack.client("lambda").list_event_source_mappings()["EventSourceMappings"]
        ],
        "tables": lambda: stack.client("dynamodb").list_tables()["TableNames"],
        "rules": lambda: [r["Name"] for r in stack.client("events").list_rules()["Rules"]],
        "alarms": lambda: [
            a["AlarmName"] for a in stack.client("cloudwatch").describe_alarms()["MetricAlarms"]
        ],
        "log_groups": lambda: [
            g["logGroupName"] for g in stack.client("logs").describe_log_groups()["logGroups"]
        ],
    }
    return {kind: [n for n in lister() if re.search(prefix, n)] for kind, lister in listers.items()}


def test_destroy_removes_every_resource(dev_stack: DevStack) -> None:
    before = _leftovers(dev_stack)
    assert all(before.values()), f"apply did not create every kind: {before}"
    dev_stack.tf.destroy(dev_stack.variables)
    dev_stack.destroyed = True
    assert dev_stack.tf.state_resources() == []
    assert _leftovers(dev_stack) == {kind: [] for kind in before}
    key = dev_stack.client("kms").describe_key(KeyId=dev_stack.outputs["kms_key_arn"])[
        "KeyMetadata"
    ]
    assert key["KeyState"] == "PendingDeletion"
