"""A run's output on S3: ``s3://bucket/prefix/<run_id>/``, streamed by multipart upload.

Each kind's rows fill a buffer of one part; a full buffer is uploaded as a part at once,
so a worker holds at most one part per kind however large the entity is. A file smaller
than one part is one ``PutObject``. Objects appear only when the entity commits (uploads
are completed then, the ``_done`` marker last); a failed entity aborts its uploads, and a
retried one first aborts what a killed attempt left (the bucket's lifecycle rule is the
backstop).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

from lean_connector.errors import AWSStoreError, InvalidRequestError
from lean_connector.sync._layout import DONE_MARKER, KINDS, check_run_id
from lean_connector.sync._sink import EntityWriter, RunState, SyncOutput

__all__ = ["MIN_PART_SIZE", "S3Output"]

MIN_PART_SIZE = 5 * 1024 * 1024  # S3's floor for every part but the last
_T = TypeVar("_T")


def _is_botocore(exc: BaseException) -> bool:
    """botocore errors, recognised without importing botocore here (``_aws`` owns it)."""
    from lean_connector._aws import is_aws_client_error, is_connection_error

    module = type(exc).__module__ or ""
    return is_aws_client_error(exc) or is_connection_error(exc) or module.startswith("botocore")


class _StreamedObject:
    """One object written by parts: buffered up to ``part_size``, uploaded as it fills."""

    def __init__(self, output: S3Output, key: str, part_size: int) -> None:
        self._output, self._key, self._part_size = output, key, part_size
        self._buffer = bytearray()
        self._upload_id: str | None = None
        self._parts: list[dict[str, Any]] = []

    def write(self, data: bytes) -> None:
        self._buffer += data
        if len(self._buffer) >= self._part_size:
            self._flush_part()

    def _flush_part(self) -> None:
        s3, bucket, key = self._output.client(), self._output.bucket, self._key
        if self._upload_id is None:
            created = self._output.call(
                "upload start", lambda: s3.create_multipart_upload(Bucket=bucket, Key=key)
            )
            self._upload_id = str(created["UploadId"])
        number = len(self._parts) + 1
        # Hand the full buffer over as it is (no copy) and start a new one.
        body, self._buffer = self._buffer, bytearray()
        upload_id = self._upload_id
        answer = self._output.call(
            "part upload",
            lambda: s3.upload_part(
                Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=body
            ),
        )
        self._parts.append({"ETag": answer["ETag"], "PartNumber": number})

    def finish(self) -> None:
        """Make the object visible under its key."""
        s3, bucket, key = self._output.client(), self._output.bucket, self._key
        if self._upload_id is None:
            body, self._buffer = self._buffer, bytearray()
            self._output.call("write", lambda: s3.put_object(Bucket=bucket, Key=key, Body=body))
            return
        if self._buffer:
            self._flush_part()
        upload_id, parts = self._upload_id, self._parts
        self._output.call(
            "upload completion",
            lambda: s3.complete_multipart_upload(
                Bucket=bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts}
            ),
        )
        self._upload_id = None

    def abort(self) -> None:
        """Drop the parts uploaded so far (nothing becomes visible)."""
        self._buffer = bytearray()
        if self._upload_id is None:
            return
        s3, bucket, key, upload_id = (
            self._output.client(),
            self._output.bucket,
            self._key,
            self._upload_id,
        )
        self._upload_id = None
        self._output.call(
            "upload abort",
            lambda: s3.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id),
        )


class _S3EntityWriter(EntityWriter):
    def __init__(self, output: S3Output, dir_name: str) -> None:
        super().__init__()
        self._output, self._dir = output, dir_name
        self._objects: dict[str, _StreamedObject] = {}

    def _object(self, kind: str) -> _StreamedObject:
        if kind not in self._objects:
            key = self._output.key(f"{self._dir}/{kind}.jsonl")
            self._objects[kind] = _StreamedObject(self._output, key, self._output.part_size)
        return self._objects[kind]

    def _append(self, kind: str, line: bytes) -> None:
        self._object(kind).write(line)

    def commit(self, marker: Mapping[str, Any]) -> None:
        for kind in KINDS:
            self._object(kind).finish()
        self._objects.clear()
        self._output.write(f"{self._dir}/{DONE_MARKER}", json.dumps(dict(marker)).encode())

    def abort(self) -> None:
        objects, self._objects = list(self._objects.values()), {}
        for streamed in objects:
            streamed.abort()


class S3Output(SyncOutput):
    """``s3://bucket/prefix/<run_id>/``."""

    def __init__(
        self,
        url: str,
        run_id: str,
        *,
        region: str | None = None,
        endpoint_url: str | None = None,
        part_size: int = MIN_PART_SIZE,
    ) -> None:
        bucket, _, prefix = url.removeprefix("s3://").partition("/")
        if not bucket:
            raise InvalidRequestError(
                f"sync output {url!r} names no bucket: use s3://bucket/prefix"
            )
        if part_size < MIN_PART_SIZE:
            raise InvalidRequestError(f"part_size must be >= {MIN_PART_SIZE} bytes (S3's minimum)")
        self.bucket = bucket
        prefix = prefix.strip("/")
        self._prefix = f"{prefix}/{check_run_id(run_id)}" if prefix else check_run_id(run_id)
        self.location = f"s3://{bucket}/{self._prefix}"
        self.part_size = part_size
        self._region = region
        self._endpoint_url = endpoint_url

    def client(self) -> Any:
        """The cached boto3 S3 client."""
        from lean_connector._aws import client

        return client("s3", region=self._region, endpoint_url=self._endpoint_url)

    def key(self, relative: str) -> str:
        """The object key of a name relative to the run."""
        return f"{self._prefix}/{relative}"

    def call(self, action: str, operation: Callable[[], _T]) -> _T:
        """Run one S3 operation; AWS failures become :class:`AWSStoreError` naming ``action``."""
        try:
            return operation()
        except Exception as exc:
            if not _is_botocore(exc):
                raise
            raise self._store_error(action, exc) from exc

    def _store_error(self, action: str, exc: BaseException) -> AWSStoreError:
        from lean_connector._aws import credentials_problem, error_code

        code = error_code(exc)
        problem = credentials_problem(exc)
        return AWSStoreError(
            f"S3 {action} failed under {self.location} ({code or type(exc).__name__})"
            + (f": {problem}" if problem else ""),
            service="s3",
            code=code,
        )

    def check(self) -> None:
        try:
            # A listing of the run's own prefix, not HeadBucket: a role whose s3:ListBucket
            # is limited to its prefix (an s3:prefix condition) may not HEAD the bucket.
            self.client().list_objects_v2(Bucket=self.bucket, Prefix=f"{self._prefix}/", MaxKeys=1)
        except Exception as exc:
            if not _is_botocore(exc):
                raise
            raise self._check_error(exc) from exc

    def _check_error(self, exc: BaseException) -> AWSStoreError:
        """Why the output bucket cannot be used: credentials, existence, permission, network."""
        from lean_connector._aws import (
            ACCESS_DENIED_CODES,
            credentials_problem,
            error_code,
            is_connection_error,
        )

        code = error_code(exc)
        bucket, fix = repr(self.bucket), "or fix --output (sync.output)"
        problem = credentials_problem(exc)
        if problem is not None:
            text = f"cannot use the S3 output {self.location}: {problem}"
        elif code in {"404", "NoSuchBucket", "NotFound"}:
            text = f"S3 bucket {bucket} does not exist: create it {fix}"
        elif code == "403" or code in ACCESS_DENIED_CODES:
            text = (
                f"S3 denied access to bucket {bucket} ({code}): grant s3:ListBucket on it and "
                "s3:GetObject, s3:PutObject and s3:AbortMultipartUpload on its objects to the "
                f"role or user this runs as, {fix}"
            )
        elif is_connection_error(exc):
            endpoint = self._endpoint_url or f"the S3 endpoint of {self._region or 'the region'}"
            text = (
                f"could not reach {endpoint} for bucket {bucket} ({type(exc).__name__}): check "
                "the network path (NAT or an S3 VPC endpoint) and secrets.aws_endpoint_url"
            )
        else:
            text = f"S3 bucket {bucket} cannot be used ({code or type(exc).__name__}): {fix}"
        return AWSStoreError(text, service="s3", code=code)

    def read(self, relative: str) -> bytes | None:
        from lean_connector._aws import error_code

        try:
            body = self.client().get_object(Bucket=self.bucket, Key=self.key(relative))
            return bytes(body["Body"].read())
        except Exception as exc:
            if not _is_botocore(exc):
                raise
            if error_code(exc) in {"NoSuchKey", "404"}:
                return None
            raise self._store_error(f"read of {relative}", exc) from exc

    def write(self, relative: str, data: bytes) -> None:
        key = self.key(relative)
        self.call(
            f"write of {relative}",
            lambda: self.client().put_object(Bucket=self.bucket, Key=key, Body=data),
        )

    def delete(self, relative: str) -> None:
        key = self.key(relative)
        self.call(
            f"delete of {relative}",
            lambda: self.client().delete_object(Bucket=self.bucket, Key=key),
        )

    def list_names(self, prefix: str = "") -> Iterator[str]:
        start = len(self._prefix) + 1
        paginator = self.client().get_paginator("list_objects_v2")
        pages = paginator.paginate(Bucket=self.bucket, Prefix=self.key(prefix))
        iterator = iter(pages)
        while True:
            page = self.call("listing", lambda: next(iterator, None))
            if page is None:
                return
            for item in page.get("Contents", []):
                yield str(item["Key"])[start:]

    def _stale_uploads(self, prefix: str) -> list[tuple[str, str]]:
        """(key, upload id) of unfinished multipart uploads under ``prefix`` of the run."""
        s3 = self.client()
        found: list[tuple[str, str]] = []
        paginator = s3.get_paginator("list_multipart_uploads")
        iterator = iter(paginator.paginate(Bucket=self.bucket, Prefix=self.key(prefix)))
        while True:
            page = self.call("listing of unfinished uploads", lambda: next(iterator, None))
            if page is None:
                return found
            found += [(str(u["Key"]), str(u["UploadId"])) for u in page.get("Uploads", [])]

    def clean_up_entity(self, dir_name: str) -> None:
        s3 = self.client()
        for key, upload_id in self._stale_uploads(f"{dir_name}/"):

            def abort(key: str = key, upload_id: str = upload_id) -> Any:
                return s3.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)

            self.call(f"abort of an unfinished upload in {dir_name}", abort)

    def scan(self) -> RunState:
        state = super().scan()
        # A killed attempt may have left only unfinished uploads (no object yet).
        for key, _upload in self._stale_uploads("entity="):
            dir_name = key[len(self._prefix) + 1 :].partition("/")[0]
            if dir_name not in state.done:
                state.partial.add(dir_name)
        return state

    def entity_writer(self, dir_name: str) -> EntityWriter:
        return _S3EntityWriter(self, dir_name)
