"""What the fuzz tests feed the connector, and the secrets they plant to catch a leak.

Inputs are drawn near the valid ones (real field names, real reference schemes, real
commands and options read from the parser) and then broken in the ways people and
attackers break them: wrong types, control characters, huge or non-finite numbers,
deep nesting, YAML tricks, case games in env names, pasted secrets.

``PROFILE`` is the settings every fuzz test uses: 40 examples for `make test`;
``HYPOTHESIS_PROFILE=fuzz`` (what `make fuzz` sets) raises it to 2,000.
"""

from __future__ import annotations

import json
import os
from typing import Any

import yaml
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

_COMMON: dict[str, Any] = {
    "deadline": None,  # a loaded 2-core machine makes per-example timing meaningless
    # Fixtures here set up what every example shares (an env, a temp dir), never state
    # one example leaves for the next.
    "suppress_health_check": [
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
    "print_blob": True,  # a failure prints the @reproduce_failure line that replays it
}
settings.register_profile("lean-quick", max_examples=40, **_COMMON)
settings.register_profile("fuzz", max_examples=2000, **_COMMON)
PROFILE = settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "lean-quick"))

# Planted where secrets live (a literal secret field, an env var a reference names, argv):
# none may ever show in a message, a dump or the CLI's output.
PLANTED_LITERAL = "fz-literal-4c1e7a9b2d"
PLANTED_ENV_VALUE = "fz-envvalue-8b3f0d6e1a"
PLANTED_ARG = "fz-pasted-5e2a9c7f3b"
PLANTED = (PLANTED_LITERAL, PLANTED_ENV_VALUE, PLANTED_ARG)
PLANTED_ENV_NAME = "FUZZ_PLANTED_SECRET"

SECTIONS: dict[str, tuple[str, ...]] = {
    "auth": ("mode", "app_token", "client_id", "client_secret", "token_store", "refresh_margin_s"),
    "mtls": ("certificate", "private_key", "private_key_password", "ca_chain"),
    "webhooks": ("secret", "dedupe_table", "queue_url", "max_age_s", "clock_skew_s"),
    "endpoints": ("api", "auth"),
    "secrets": ("cache_ttl_s", "aws_region", "aws_endpoint_url"),
    "http": ("connect_timeout_s", "read_timeout_s", "pool_size", "max_response_bytes"),
    "retry": ("max_attempts", "max_backoff_s", "max_retry_after_s"),
    "logging": ("level", "format"),
    "sync": ("output", "window_days", "workers", "queue_url"),
    "link": ("app_user_id_claim",),
}
TOP_LEVEL = ("environment", "region", *SECTIONS)
SECRET_FIELDS = (
    ("auth", "app_token"),
    ("auth", "client_secret"),
    ("mtls", "private_key"),
    ("mtls", "private_key_password"),
    ("webhooks", "secret"),
)

# Text with the characters that break parsers and terminals.
nasty_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40
) | st.sampled_from(["", " ", "\x00", "\n", "null", "~", "inf", ".nan", "1e400", "-0", "0x1f"])

references = st.one_of(
    st.builds(
        lambda scheme, tail: scheme + tail,
        st.sampled_from(["aws-sm://", "aws-ssm://", "env://", "file://", "file:///", "https://"]),
        nasty_text,
    ),
    st.sampled_from(
        [
            "aws-sm://lean/dev/app#app_token",
            "aws-sm://x?version=bad",
            "aws-sm://x?stage=AWSCURRENT&version=1",
            "aws-sm://arn:aws:secretsmanager:xx",
            "aws-ssm:///p?stage=x",
            "env://",
            "env://1BAD",
            f"env://{PLANTED_ENV_NAME}",
            "file://relative",
            "file:///tmp/a\x00b",
            "aws-sm://x#",
            "aws-sm://#k",
        ]
    ),
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    nasty_text,
    references,
    st.sampled_from(["sandbox", "production", "ae", "sa", "oauth", "mtls", "app_token", "DEBUG"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(nasty_text, inner, max_size=3),
    max_leaves=8,
)


@st.composite
def spec_documents(draw: st.DrawFn) -> dict[str, Any]:
    """A spec as data: real sections and keys with arbitrary values, plus stray keys."""
    document: dict[str, Any] = {}
    if draw(st.booleans()):
        document["environment"] = draw(st.sampled_from(["sandbox", "production"]) | scalars)
    if draw(st.booleans()):
        document["region"] = draw(scalars)
    for section in draw(st.lists(st.sampled_from(list(SECTIONS)), unique=True, max_size=6)):
        keys = draw(st.lists(st.sampled_from(SECTIONS[section]), unique=True, max_size=4))
        body: Any = {key: draw(values) for key in keys}
        document[section] = body if draw(st.integers(0, 9)) else draw(values)
    if draw(st.integers(0, 4)) == 0:
        document[draw(nasty_text)] = draw(values)
    if draw(st.booleans()):
        section, key = draw(st.sampled_from(SECRET_FIELDS))
        if isinstance(document.get(section), dict) or section not in document:
            document.setdefault(section, {})[key] = PLANTED_LITERAL
    return document


# YAML the dumper never writes: what a hand-edited or hostile spec file can hold.
_YAML_TRICKS = [
    "{a: 1}: x\n",
    "? [1, 2]\n: x\n",
    "auth: &a {mode: app_token}\nlink: *a\n",
    "auth:\n  <<: {mode: app_token, app_token: env://T}\n",
    "auth:\n  <<: *undefined\n",
    "environment: !!python/object/apply:os.system ['true']\n",
    "environment: !!binary aGVsbG8=\n",
    "environment: sandbox\nenvironment: production\n",
    "sync: " + "[" * 3000 + "]" * 3000 + "\n",
    "sync:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 400)) + "  x: 1\n",
    "http: {read_timeout_s: .inf, connect_timeout_s: .nan}\n",
    "%YAML 1.1\n---\nenvironment: sandbox\n...\n---\nenvironment: production\n",
    "\ufeffenvironment: sandbox\n",
    "environment: 'unterminated\n",
    "\t- tab indented\n",
]


@st.composite
def yaml_texts(draw: st.DrawFn) -> str:
    """YAML text: a dumped spec document, a trick, both glued, or plain noise."""
    dumped = yaml.safe_dump(draw(spec_documents()), allow_unicode=True, sort_keys=False)
    choice = draw(st.integers(0, 3))
    if choice == 0:
        return dumped
    trick = draw(st.sampled_from(_YAML_TRICKS))
    if choice == 1:
        return trick
    if choice == 2:
        return dumped + trick
    return draw(st.text(max_size=200))


def _env_name(path: list[str], casing: str) -> str:
    name = "LEAN_" + "__".join(part.upper() for part in path)
    return {"upper": name, "lower": name.lower(), "title": name.title()}[casing]


@st.composite
def lean_environments(draw: st.DrawFn) -> dict[str, str]:
    """LEAN_* variables: real and misspelt paths, any case, JSON sections, deep JSON."""
    env: dict[str, str] = {}
    for _ in range(draw(st.integers(0, 6))):
        top = draw(st.sampled_from([*TOP_LEVEL, "bogus", ""]))
        path = [top]
        if top in SECTIONS and draw(st.booleans()):
            path.append(draw(st.sampled_from([*SECTIONS[top], "bogus"])))
        casing = draw(st.sampled_from(["upper", "upper", "lower", "title"]))
        value = draw(
            st.one_of(
                nasty_text,
                references,
                st.builds(json.dumps, values),
                st.sampled_from(["[" * 5000 + "]" * 5000, '{"a":' * 3000 + "1" + "}" * 3000]),
            )
        )
        env[_env_name(path, casing)] = value.replace("\x00", "")  # the OS refuses NUL
    if draw(st.booleans()):
        env["LEAN_AUTH__CLIENT_SECRET"] = draw(
            st.sampled_from([PLANTED_LITERAL, f"env://{PLANTED_ENV_NAME}"])
        )
    return env
