"""Build dist/lambda.zip: lean_connector and its runtime dependencies, for AWS Lambda.

Run by `make package`. The archive provider is not available to Terraform here, so the zip is
built in Python and Terraform only uploads it (variable ``package_path``).

- boto3, botocore, s3transfer and jmespath are left out: the Lambda Python runtime ships them,
  and they are most of the size.
- Dependencies are downloaded as manylinux wheels for the Lambda runtime's Python (not this
  machine's), pinned to the versions installed in the running environment, so the zip holds
  what the test suite ran against. ``--native`` builds for this machine instead (offline use).
- The zip is deterministic: sorted entries, a fixed timestamp and fixed permissions, no
  ``__pycache__``, no install paths; the same inputs give the same bytes (and the same
  ``source_code_hash`` in Terraform, so an unchanged build deploys nothing).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
# Provided by the Lambda Python runtime; shipping them only adds size and version skew.
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer", "jmespath")
FIXED_TIMESTAMP = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can carry


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_name(requirement: str) -> str:
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    if match is None:
        raise SystemExit(f"package_lambda: cannot read requirement {requirement!r}")
    return _canonical(match.group(1))


def runtime_requirements() -> list[str]:
    """The project's dependencies from pyproject.toml, minus what Lambda provides."""
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    skip = {_canonical(n) for n in RUNTIME_PROVIDED}
    return [r for r in project["dependencies"] if _requirement_name(r) not in skip]


def installed_constraints() -> str:
    """name==version for every distribution in this environment (the tested versions)."""
    pins = {}
    for dist in importlib.metadata.distributions():
        name = dist.metadata["Name"]
        if name and _canonical(name) != "lean-connector":
            pins[_canonical(name)] = f"{name}=={dist.version}"
    return "\n".join(pins[k] for k in sorted(pins)) + "\n"


def _pip(*args: str) -> None:
    cmd = [sys.executable, "-m", "pip", "--disable-pip-version-check", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"package_lambda: pip {' '.join(args[:2])} failed:\n{proc.stderr[-4000:]}")


def install(target: Path, work: Path, *, python_version: str, platform: str | None) -> None:
    """pip-install the project wheel (no deps) and its runtime dependencies into target."""
    wheel_dir = work / "wheel"
    _pip("wheel", "--quiet", "--no-deps", "--wheel-dir", str(wheel_dir), str(REPO_ROOT))
    wheels = sorted(wheel_dir.glob("lean_connector-*.whl"))
    if len(wheels) != 1:
        raise SystemExit(f"package_lambda: expected one lean_connector wheel, got {wheels}")
    constraints = work / "constraints.txt"
    constraints.write_text(installed_constraints())
    platform_args = (
        [
            "--platform",
            platform,
            "--implementation",
            "cp",
            "--python-version",
            python_version,
            "--only-binary=:all:",
        ]
        if platform
        else []
    )
    common = ["install", "--quiet", "--no-compile", "--target", str(target), *platform_args]
    _pip(*common, "--constraint", str(constraints), *runtime_requirements())
    _pip(*common, "--no-deps", str(wheels[0]))


def prune(target: Path) -> None:
    """Drop runtime-provided packages, console scripts, caches and machine-specific files."""
    provided = {_canonical(n) for n in RUNTIME_PROVIDED}
    for path in sorted(target.iterdir()):
        stem = path.name.split("-")[0] if path.name.endswith(".dist-info") else path.name
        if _canonical(stem.removesuffix(".py")) in provided or path.name == "bin":
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    for cache in sorted(target.rglob("__pycache__"), reverse=True):
        shutil.rmtree(cache)
    # direct_url.json records the temp dir the wheel was built in: not reproducible.
    for direct_url in target.glob("*.dist-info/direct_url.json"):
        direct_url.unlink()
        record = direct_url.with_name("RECORD")
        if record.exists():
            lines = record.read_text().splitlines(keepends=True)
            record.write_text("".join(x for x in lines if "/direct_url.json," not in x))


def write_zip(source: Path, output: Path) -> None:
    """Zip source deterministically: sorted paths, fixed time, 0644/0755 modes."""
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_suffix(".zip.partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        files = [p for p in source.rglob("*") if p.is_file()]
        for path in sorted(files, key=lambda p: p.relative_to(source).as_posix()):
            info = zipfile.ZipInfo(path.relative_to(source).as_posix(), FIXED_TIMESTAMP)
            executable = path.stat().st_mode & 0o111
            info.external_attr = (0o100755 if executable else 0o100644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, path.read_bytes())
    partial.replace(output)


def build(
    output: Path, *, python_version: str = "3.11", platform: str | None = "manylinux2014_x86_64"
) -> Path:
    """Build the Lambda zip at output and return its path."""
    with tempfile.TemporaryDirectory(prefix="lean-lambda-") as tmp:
        work = Path(tmp)
        target = work / "package"
        install(target, work, python_version=python_version, platform=platform)
        prune(target)
        if not (target / "lean_connector" / "__init__.py").is_file():
            raise SystemExit("package_lambda: lean_connector is missing from the package")
        write_zip(target, output)
    return output


def main(argv: list[str] | None = None) -> int:
    """Command line: build the zip and print its path, size and SHA-256."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=REPO_ROOT / "dist" / "lambda.zip")
    parser.add_argument("--python-version", default="3.11", help="Lambda runtime's Python")
    parser.add_argument("--platform", default="manylinux2014_x86_64", help="wheel platform tag")
    parser.add_argument(
        "--native", action="store_true", help="build for this machine (no platform download)"
    )
    args = parser.parse_args(argv)
    platform = None if args.native else args.platform
    zip_path = build(args.output, python_version=args.python_version, platform=platform)
    digest = hashlib.sha256(zip_path.read_bytes()).hexdigest()
    size_mb = zip_path.stat().st_size / 1e6
    print(f"{zip_path}  {size_mb:.1f} MB  sha256={digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
