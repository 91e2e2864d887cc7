"""Run terraform offline in tests: find the binary and the provider mirror, write a CLI config.

Providers cannot be downloaded here; hashicorp/aws sits in a filesystem mirror somewhere on
the machine. The mirror is discovered (not hard-coded) and a CLI config that allows only that
mirror is written per test session, so `terraform init` never reaches for the registry.
Stages are applied from a copy of terraform/ in a temp dir so no .terraform/ or state lands
in the repo.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
TERRAFORM_DIR = REPO_ROOT / "terraform"

# Where mirrors are usually laid out; searched before falling back to a walk of /.
_MIRROR_CANDIDATES = (
    "/opt/tf-plugins",
    "/usr/share/terraform/plugins",
    "/usr/local/share/terraform/plugins",
    "~/.terraform.d/plugins",
    "~/.local/share/terraform/plugins",
)
_AWS_PROVIDER_DIR = Path("registry.terraform.io/hashicorp/aws")
_SKIP_WALK = ("/proc", "/sys", "/dev", "/run", "/tmp", "/var/lib/docker")


def find_terraform() -> str | None:
    """The terraform binary on PATH (or $TERRAFORM), or None."""
    explicit = os.environ.get("TERRAFORM")
    if explicit and Path(explicit).is_file():
        return explicit
    return shutil.which("terraform")


def _is_mirror_root(path: Path) -> bool:
    provider = path / _AWS_PROVIDER_DIR
    return provider.is_dir() and any(provider.glob("*/*/terraform-provider-aws*"))


def find_provider_mirror() -> Path | None:
    """The filesystem mirror root holding hashicorp/aws (the folder above registry.terraform.io).

    $TF_PROVIDER_MIRROR wins; then the usual locations; then a walk of the filesystem for a
    terraform-provider-aws binary.
    """
    explicit = os.environ.get("TF_PROVIDER_MIRROR")
    if explicit:
        return Path(explicit) if _is_mirror_root(Path(explicit)) else None
    for candidate in _MIRROR_CANDIDATES:
        path = Path(candidate).expanduser()
        if _is_mirror_root(path):
            return path
    for dirpath, dirnames, filenames in os.walk("/"):
        dirnames[:] = [d for d in dirnames if os.path.join(dirpath, d) not in _SKIP_WALK]
        if any(name.startswith("terraform-provider-aws") for name in filenames):
            # <root>/registry.terraform.io/hashicorp/aws/<version>/<os_arch>/<binary>
            root = Path(dirpath).parents[4]
            if _is_mirror_root(root):
                return root
    return None


def write_cli_config(path: Path, mirror_root: Path) -> Path:
    """A CLI config that installs providers from the mirror only (never the registry)."""
    path.write_text(
        "provider_installation {\n"
        f"  filesystem_mirror {{\n    path = {json.dumps(str(mirror_root))}\n  }}\n"
        '  direct {\n    exclude = ["registry.terraform.io/*/*"]\n  }\n'
        "}\n"
    )
    return path


@dataclass
class Terraform:
    """terraform run in one working directory, with an offline CLI config."""

    binary: str
    cli_config: Path
    workdir: Path
    plugin_cache: Path | None = None
    extra_env: dict[str, str] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            TF_CLI_CONFIG_FILE=str(self.cli_config),
            TF_IN_AUTOMATION="1",
            TF_INPUT="0",
            CHECKPOINT_DISABLE="1",
        )
        env.update(self.extra_env)
        return env

    def run(
        self, *args: str, check: bool = True, timeout_s: float = 600
    ) -> subprocess.CompletedProcess[str]:
        """Run `terraform <args>`; on failure raise with its stderr so the test says why."""
        proc = subprocess.run(
            [self.binary, *args],
            cwd=self.workdir,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout_s,
        )
        if check and proc.returncode != 0:
            raise AssertionError(
                f"terraform {' '.join(args)} failed ({proc.returncode}) in {self.workdir}:\n"
                f"{proc.stderr[-6000:]}\n{proc.stdout[-3000:]}"
            )
        return proc

    def init(self) -> None:
        self.run("init", "-backend=false", "-input=false", "-no-color")

    def var_args(self, variables: Mapping[str, Any]) -> list[str]:
        """-var arguments; non-strings are passed as HCL (JSON is valid HCL for values)."""
        out: list[str] = []
        for name, value in variables.items():
            text = value if isinstance(value, str) else json.dumps(value)
            out += ["-var", f"{name}={text}"]
        return out

    def apply(self, variables: Mapping[str, Any], extra: Sequence[str] = ()) -> None:
        self.run(
            "apply", "-auto-approve", "-input=false", "-no-color", *self.var_args(variables), *extra
        )

    def destroy(self, variables: Mapping[str, Any]) -> None:
        self.run("destroy", "-auto-approve", "-input=false", "-no-color", *self.var_args(variables))

    def output(self) -> dict[str, Any]:
        """`terraform output -json`, flattened to name -> value."""
        raw = json.loads(self.run("output", "-json", "-no-color").stdout)
        return {name: entry["value"] for name, entry in raw.items()}

    def state_resources(self) -> list[str]:
        proc = self.run("state", "list", "-no-color", check=False)
        return [line for line in proc.stdout.splitlines() if line.strip()]


def copy_terraform_tree(dest: Path) -> Path:
    """Copy terraform/ (modules + stages, no .terraform/ or state) to dest; returns the copy."""
    target = dest / "terraform"
    shutil.copytree(
        TERRAFORM_DIR,
        target,
        ignore=shutil.ignore_patterns(".terraform", "*.tfstate*", ".terraform.lock.hcl"),
    )
    return target
