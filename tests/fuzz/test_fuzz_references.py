"""Fuzz the secret reference grammar: any text is a SecretReference or a one-line
SecretError naming the valid form; a literal never shows its text."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from lean_connector.errors import SecretError
from lean_connector.secrets import SecretReference, describe_reference, parse_reference
from lean_connector.spec import REFERENCE_FIELDS
from tests.fuzz.strategies import PROFILE, nasty_text, references

# The field is always one of ours (the text is what a user or attacker controls).
fields = st.none() | st.sampled_from(REFERENCE_FIELDS)


@PROFILE
@given(text=references | nasty_text | st.text(max_size=300), field=fields)
@example(text="file:///tmp/a\x00b", field="auth.app_token")
@example(text="aws-sm://x?version=bad", field=None)
@example(text="aws-sm://x?" + "&".join(["stage=a"] * 50), field=None)
def test_any_text_parses_or_fails_with_one_clear_line(text: str, field: str | None) -> None:
    try:
        ref = parse_reference(text, field=field)
    except SecretError as exc:
        message = str(exc)
        assert "malformed secret reference" in message
        assert "expected " in message  # the valid form follows
        assert "\n" not in message, repr(message)
        assert "\x00" not in message, repr(message)
        return
    assert isinstance(ref, SecretReference)
    if ref.scheme == "literal":
        assert str(ref) == "<literal>"
        assert repr(ref) == "SecretReference(<literal>)"
        assert describe_reference(text, None) == "<literal>" or "://" in text
    else:
        assert ref.text == text
        assert "\n" not in describe_reference(text, None)
