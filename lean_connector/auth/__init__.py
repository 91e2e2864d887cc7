"""Auth: the credential that signs each request (app token or OAuth bearer), token store.

Auth never imports the HTTP library: the OAuth credential is given a callable that posts
a form. ``_credentials`` holds the credentials, ``_token_store`` the shared token store.
"""

from __future__ import annotations

from lean_connector.auth._credentials import (
    AppTokenCredential,
    Credential,
    OAuthCredential,
    PostForm,
)
from lean_connector.auth._token_store import AccessToken, SecretTokenStore, TokenStore

__all__ = [
    "AccessToken",
    "AppTokenCredential",
    "Credential",
    "OAuthCredential",
    "PostForm",
    "SecretTokenStore",
    "TokenStore",
]
