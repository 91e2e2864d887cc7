"""The sandbox's client files and specs: PEMs and secrets written 0600, and the spec
overrides (or YAML files) that point a connector at the sandbox in each auth mode."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from lean_connector.errors import InvalidRequestError
from lean_connector.testing.certs import CertBundle

__all__ = ["AUTH_MODES", "BundleFiles", "symlink_refused"]

AUTH_MODES = ("mtls", "oauth", "app_token")
# The spec's JSON Schema is written beside the specs, and each spec names it by a path
# relative to itself: editors (yaml-language-server) find it offline, for this version.
SCHEMA_FILE = "lean-connector-spec.schema.json"
_SCHEMA_COMMENT = f"# yaml-language-server: $schema=./{SCHEMA_FILE}\n"


def symlink_refused(path: Path) -> InvalidRequestError:
    return InvalidRequestError(
        f"{path} is a symbolic link: the sandbox never writes through one (it would "
        "overwrite whatever the link points at); remove it or choose another --out"
    )


def _write_private(path: Path, content: bytes) -> Path:
    """Write a file only its owner can read (these are test credentials, but still).

    Never through a symlink planted at ``path``: the open fails instead of following it."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC | getattr(os, "O_NOFOLLOW", 0)
    try:
        descriptor = os.open(path, flags, 0o600)
    except OSError as exc:
        if path.is_symlink():
            raise symlink_refused(path) from exc
        raise
    with os.fdopen(descriptor, "wb") as handle:
        os.fchmod(handle.fileno(), 0o600)  # an existing file may have been looser
        handle.write(content)
    return path


def _private_folder(directory: Path) -> None:
    """``directory`` as a 0700 folder, created if missing; a symlink is refused."""
    if directory.is_symlink():
        raise symlink_refused(directory)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    if directory.is_symlink() or not directory.is_dir():  # replaced meanwhile
        raise symlink_refused(directory)


def _yaml_lines(mapping: dict[str, Any], indent: int = 0) -> list[str]:
    # JSON-quoted scalars are valid YAML, so the sandbox needs no YAML library.
    lines = []
    for key, value in mapping.items():
        if isinstance(value, dict):
            lines.append(f"{' ' * indent}{key}:")
            lines.extend(_yaml_lines(value, indent + 2))
        else:
            lines.append(f"{' ' * indent}{key}: {json.dumps(value)}")
    return lines


class BundleFiles:
    """``spec_overrides`` and ``write_bundle`` for :class:`LeanSandbox` (a mixin)."""

    bundle: CertBundle
    app_token: str
    client_id: str
    client_secret: str
    _workdir: Path | None

    @property
    def mtls_url(self) -> str:
        raise NotImplementedError

    @property
    def api_url(self) -> str:
        raise NotImplementedError

    @property
    def auth_url(self) -> str:
        raise NotImplementedError

    def _write_client_files(self, directory: Path) -> dict[str, Path]:
        return {
            "ca_chain": _write_private(directory / "ca_chain.pem", self.bundle.ca_chain_pem),
            # The leaf alone, as the Lean portal hands it out; clients must complete the chain.
            "certificate": _write_private(
                directory / "client_cert.pem", self.bundle.client.cert_pem
            ),
            "private_key": _write_private(directory / "client_key.pem", self.bundle.client.key_pem),
            "app_token": _write_private(directory / "app_token.txt", self.app_token.encode()),
            "client_secret": _write_private(
                directory / "client_secret.txt", self.client_secret.encode()
            ),
        }

    def _spec(self, mode: str, directory: Path) -> dict[str, Any]:
        if mode not in AUTH_MODES:
            raise ValueError(
                f"spec_overrides: mode must be one of {', '.join(AUTH_MODES)}, got {mode!r}"
            )

        def ref(name: str) -> str:
            return (directory / name).resolve().as_uri()

        spec: dict[str, Any] = {"environment": "sandbox"}
        if mode == "mtls":
            spec["auth"] = {"mode": "mtls", "app_token": ref("app_token.txt")}
            spec["mtls"] = {
                "certificate": ref("client_cert.pem"),
                "private_key": ref("client_key.pem"),
                "ca_chain": ref("ca_chain.pem"),
            }
            spec["endpoints"] = {"api": self.mtls_url, "auth": self.auth_url}
        elif mode == "oauth":
            spec["auth"] = {
                "mode": "oauth",
                "client_id": self.client_id,
                "client_secret": ref("client_secret.txt"),
            }
            spec["mtls"] = {"ca_chain": ref("ca_chain.pem")}
            spec["endpoints"] = {"api": self.api_url, "auth": self.auth_url}
        else:
            spec["auth"] = {"mode": "app_token", "app_token": ref("app_token.txt")}
            spec["mtls"] = {"ca_chain": ref("ca_chain.pem")}
            spec["endpoints"] = {"api": self.api_url, "auth": self.auth_url}
        return spec

    def spec_overrides(self, mode: str) -> dict[str, Any]:
        """Nested overrides for ``load_spec(**overrides)``: this sandbox in ``mode``
        (mtls, oauth or app_token), secrets as ``file://`` references into the work directory."""
        if self._workdir is None:
            raise RuntimeError("LeanSandbox is not started: call start() before spec_overrides()")
        return self._spec(mode, self._workdir)

    def write_bundle(self, out_dir: str | os.PathLike[str]) -> dict[str, Path]:
        """Write the PEMs, the secrets, spec-mtls/oauth/app-token.yaml and the spec's JSON
        Schema (``schema``, which the specs' ``$schema`` comment names) into ``out_dir``.

        Returns the paths written, by name. The caller removes them (``serve_forever_cli`` does).
        """
        from lean_connector.spec import spec_json_schema

        directory = Path(out_dir)
        _private_folder(directory)
        written = self._write_client_files(directory)
        schema = json.dumps(spec_json_schema(), indent=2) + "\n"
        written["schema"] = _write_private(directory / SCHEMA_FILE, schema.encode())
        for mode in AUTH_MODES:
            text = _SCHEMA_COMMENT + "\n".join(_yaml_lines(self._spec(mode, directory))) + "\n"
            name = f"spec-{mode.replace('_', '-')}"
            written[name] = _write_private(directory / f"{name}.yaml", text.encode())
        return written
