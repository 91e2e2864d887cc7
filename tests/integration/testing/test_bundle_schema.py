"""The specs the sandbox writes name a JSON Schema that exists, beside them, and fits them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from lean_connector.spec import load_spec, spec_json_schema
from lean_connector.testing.sandbox import AUTH_MODES, LeanSandbox

pytestmark = pytest.mark.integration

SCHEMA_LINE = re.compile(r"^# yaml-language-server: \$schema=(\S+)$")


@pytest.mark.parametrize("mode", AUTH_MODES)
def test_each_written_spec_names_a_schema_file_that_validates_it(
    lean_sandbox: LeanSandbox, tmp_path: Path, mode: str
) -> None:
    written = lean_sandbox.write_bundle(tmp_path / "bundle")
    spec_file = written[f"spec-{mode.replace('_', '-')}"]
    first_line = spec_file.read_text().splitlines()[0]
    match = SCHEMA_LINE.match(first_line)
    assert match, first_line
    target = match.group(1)
    assert "://" not in target  # a path, resolved next to the spec, not a made-up URL
    schema_file = (spec_file.parent / target).resolve()
    assert schema_file == written["schema"].resolve()
    schema = json.loads(schema_file.read_text())
    assert schema == spec_json_schema()  # this version's schema
    jsonschema.validate(yaml.safe_load(spec_file.read_text()), schema)
    assert load_spec(spec_file).auth.mode.value == mode
    assert oct(schema_file.stat().st_mode & 0o777) == "0o600"
