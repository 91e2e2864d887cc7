"""`make demo`: the whole real path on this machine, nothing to configure.

1. starts the local Lean sandbox (an mTLS listener that demands a client certificate, an
   OAuth token endpoint, the data endpoints) with seeded customers, and a moto server
   standing in for AWS;
2. stores the sandbox's certificate, key, CA chain and app token in moto's Secrets Manager;
3. writes a spec whose every secret is an ``aws-sm://`` reference (no secret in the file);
4. runs ``lean-connector sync --spec <that file>`` as a subprocess, exactly as a batch job would;
5. prints where the output landed and a summary, then stops everything it started.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for tests.support.moto_process (a dev-only helper)

from lean_connector.testing.aws import store_sandbox_secrets  # noqa: E402
from lean_connector.testing.sandbox import LeanSandbox  # noqa: E402
from tests.support.moto_process import MotoProcess  # noqa: E402

REGION = "me-central-1"
CUSTOMERS, ENTITIES, ACCOUNTS, TRANSACTIONS = 12, 2, 2, 25


def _yaml(value: object, indent: int = 0) -> list[str]:
    """Tiny YAML writer for nested dicts of scalars (JSON scalars are valid YAML)."""
    lines = []
    assert isinstance(value, dict)
    for key, item in value.items():
        if isinstance(item, dict):
            lines.append(" " * indent + f"{key}:")
            lines.extend(_yaml(item, indent + 2))
        elif item is not None:
            lines.append(" " * indent + f"{key}: {json.dumps(item)}")
    return lines


def main() -> int:
    out_dir = ROOT / ".demo"
    out_dir.mkdir(exist_ok=True)
    moto = MotoProcess().start()
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "demo",
        "AWS_SECRET_ACCESS_KEY": "demo",
        "AWS_DEFAULT_REGION": REGION,
    }
    os.environ.update({k: env[k] for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")})
    try:
        with LeanSandbox() as sandbox:
            sandbox.seed_customers(CUSTOMERS, ENTITIES, ACCOUNTS, TRANSACTIONS)
            overrides = store_sandbox_secrets(
                sandbox, mode="mtls", region=REGION, endpoint_url=moto.endpoint_url
            )
            overrides["logging"] = {"level": "WARNING", "format": "console"}
            overrides["sync"] = {"output": str(out_dir / "output"), "workers": 8}
            with tempfile.TemporaryDirectory(prefix="lean-demo-") as tmp:
                spec_path = Path(tmp, "spec.yaml")
                spec_path.write_text("\n".join(_yaml(overrides)) + "\n")
                print("== spec (every secret is a reference into Secrets Manager):")
                print(spec_path.read_text())
                moto.reset_counts()
                print("== lean-connector sync --spec spec.yaml --days 365", flush=True)
                result = subprocess.run(
                    [
                        sys.executable,
                        "-m",
                        "lean_connector",
                        "sync",
                        "--spec",
                        str(spec_path),
                        "--days",
                        "365",
                    ],
                    env=env,
                    stdout=subprocess.PIPE,
                    text=True,
                    check=False,
                )
            summary = json.loads(result.stdout) if result.stdout.strip() else {}
            print(json.dumps(summary, indent=2))
            counters = sandbox.counters
            print("== what it cost")
            print(f"  Secrets Manager calls: {moto.counts()}")
            print(f"  Lean sandbox TLS handshakes: {dict(counters.handshakes)}")
            print(f"  Lean sandbox API calls: {sum(counters.calls.values())}")
            if summary:
                print(f"== output landed in {summary.get('output')}")
                print(f"   manifest: {summary.get('manifest')}")
            return result.returncode
    finally:
        moto.stop()


if __name__ == "__main__":
    sys.exit(main())
