"""Keep credentials out of every message the provider raises, logs or stores.

Server messages are copied into errors verbatim, and errors end up in task logs, XCom and the
rejected-rows table (``str(error)``). A server that echoes the request's ``Authorization`` header, or
a proxy that prints ``token=...``, must not put the token in any of them.
"""

from __future__ import annotations

import re
import threading

MASK = "***"
MINIMUM_SECRET_LENGTH = 4  # shorter "secrets" would mask ordinary words
# "Authorization: Bearer x", "authorization=x": everything up to the end of the value.
_AUTHORIZATION = re.compile(r"""(?i)(\b(?:proxy-)?authorization["']?\s*[:=]\s*["']?)[^"'\r\n,;)}\]]+""")
# "Bearer x" anywhere, e.g. in a quoted header dump.
_BEARER = re.compile(r"(?i)(\bbearer\s+)[\w\-.~+/]+=*")
# "token=x", "access_token: x", "api_key=x", '"password": "x"', "client_secret=x".
_NAMED = re.compile(
    r"""(?i)(\b[\w-]*(?:token|api[_-]?key|secret|password)["']?\s*[:=]\s*["']?)[^\s"'&,;)}\]]+"""
)

_secrets: set[str] = set()
_secrets_lock = threading.Lock()


def register_secret(secret: str) -> None:
    """Mask this exact value (a connection's token) in every later ``redact`` of this process."""
    if secret and len(secret) >= MINIMUM_SECRET_LENGTH:
        with _secrets_lock:
            _secrets.add(secret)


def redact(text: str) -> str:
    """``text`` with registered secrets and anything shaped like a credential replaced by ``***``."""
    with _secrets_lock:
        secrets = sorted(_secrets, key=len, reverse=True)  # a longer secret may contain a shorter one
    for secret in secrets:
        text = text.replace(secret, MASK)
    for pattern in (_AUTHORIZATION, _BEARER, _NAMED):
        text = pattern.sub(lambda match: match.group(1) + MASK, text)
    return text
