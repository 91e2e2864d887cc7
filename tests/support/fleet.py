"""A fleet run's AWS side on moto (bucket + queue + DLQ) and the workers' environment."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from lean_connector._aws import client as aws_client
from lean_connector.testing.aws import spec_env
from lean_connector.testing.sandbox import LeanSandbox
from tests.support.moto_process import MotoProcess

REGION = "me-central-1"
TODAY = dt.date.today()
# The sandbox books transactions up to 90 days back: this window holds every one of them.
START, END = (TODAY - dt.timedelta(days=100)).isoformat(), TODAY.isoformat()
AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": REGION,
}


@dataclass
class FleetAws:
    moto: MotoProcess
    bucket: str
    queue_url: str
    dlq_url: str

    @property
    def output(self) -> str:
        return f"s3://{self.bucket}/lean-sync"

    def client(self, service: str) -> Any:
        return aws_client(service, region=REGION, endpoint_url=self.moto.endpoint_url)

    def drain(self) -> list[dict[str, Any]]:
        """Every message on the queue (received and deleted), bodies parsed."""
        sqs, found = self.client("sqs"), []
        while True:
            got = sqs.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0
            ).get("Messages", [])
            if not got:
                return found
            for message in got:
                found.append(json.loads(message["Body"]))
                sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])


def make_fleet_aws(moto: MotoProcess, *, max_receive_count: int = 5) -> FleetAws:
    """A versioned bucket (so each _done marker's writes can be counted) and a queue with a
    dead-letter queue, as the Terraform module makes them."""
    s3 = aws_client("s3", region=REGION, endpoint_url=moto.endpoint_url)
    s3.create_bucket(Bucket="fleet", CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_versioning(Bucket="fleet", VersioningConfiguration={"Status": "Enabled"})
    sqs = aws_client("sqs", region=REGION, endpoint_url=moto.endpoint_url)
    dlq = sqs.create_queue(QueueName="sync-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    queue = sqs.create_queue(
        QueueName="sync",
        Attributes={
            "RedrivePolicy": json.dumps(
                {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(max_receive_count)}
            )
        },
    )["QueueUrl"]
    return FleetAws(moto, "fleet", queue, dlq)


def worker_env(
    sandbox: LeanSandbox, fleet: FleetAws, *, mode: str = "app_token", workers: int = 2
) -> dict[str, str]:
    """What the Terraform module gives the sync function, pointing at the sandbox and moto."""
    overrides = sandbox.spec_overrides(mode)
    overrides["secrets"] = {"aws_region": REGION, "aws_endpoint_url": fleet.moto.endpoint_url}
    overrides["sync"] = {"output": fleet.output, "queue_url": fleet.queue_url, "workers": workers}
    overrides["http"] = {"pool_size": max(16, workers)}
    overrides["logging"] = {"level": "INFO", "format": "json"}
    return {**spec_env(overrides), **AWS_ENV}
