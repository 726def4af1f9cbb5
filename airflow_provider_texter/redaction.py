"""Keep credentials out of every message the provider raises, logs or stores.

Server messages are copied into errors verbatim, and errors end up in task logs, XCom and the
rejected-rows table (``str(error)``). A server that echoes the request's ``Authorization`` header, or
a proxy that prints ``token=...``, must not put the token in any of them.
"""

from __future__ import annotations

import re
import threading

MASK = "***"
# As Airflow's secrets masker (``min_length_to_mask``): shorter "secrets" would mask ordinary words, and
# Airflow does not mask them in task logs either.
MINIMUM_SECRET_LENGTH = 5
# "Authorization: Bearer x", "authorization=x": everything up to the end of the value.
_AUTHORIZATION = re.compile(r"""(?i)(\b(?:proxy-)?authorization["']?\s*[:=]\s*["']?)[^"'\r\n,;)}\]]+""")
# "Bearer x" anywhere, e.g. in a quoted header dump.
_BEARER = re.compile(r"(?i)(\bbearer\s+)[\w\-.~+/]+=*")
_NAME = r"\b[\w-]*(?:token|api[_-]?key|secret|password)"
_VALUE = r"""[^\s"'&,;)}\]]+"""
# "token=x", "api_key = x", '"password": "x"', "{'token': 'x'}", 'secret: "x"', "client_secret:x": data,
# whatever the value holds.
_NAMED = re.compile(rf"""(?i)({_NAME}(?:\s*=\s*["']?|["']\s*[:=]\s*["']?|:\s*["']|:(?=[^\s"']))){_VALUE}""")
# "X-Api-Token: abc123", "access_token: x" at the end of a line: a header or YAML value. In prose the same
# words introduce words ("has no API token: put it in ..."), so only a value that holds a digit, as
# generated credentials do, or that ends its line or field is masked.
_NAMED_AFTER_SPACE = re.compile(
    rf"""(?im)({_NAME}:\s+)(?:(?=[^\s"'&,;)}}\]]*\d){_VALUE}|{_VALUE}(?=[\r\n"'&,;)}}\]]|$))"""
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
    for pattern in (_AUTHORIZATION, _BEARER, _NAMED, _NAMED_AFTER_SPACE):
        text = pattern.sub(lambda match: match.group(1) + MASK, text)
    return text
