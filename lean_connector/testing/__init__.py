"""Test helpers: a local Lean sandbox, test certificates and pytest fixtures.

Nothing here is imported by ``import lean_connector``; it is for tests (ours and users').
"""
