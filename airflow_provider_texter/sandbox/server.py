"""``TexterSandbox``: a local Texter API v2 server that tests, benchmarks and demos run against."""

from __future__ import annotations

import copy
import hmac
import json
import math
import threading
import time
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qs

from . import api
from .admin import PREFIX as ADMIN_PREFIX
from .admin import AdminTarget, admin_answer
from .agents import Agent
from .contacts import checked_contact
from .delivery import DEFAULT_FAILURE, DeliveryDelays
from .faults import STALL_SECONDS, Fault, FaultQueue
from .labels import DEFAULT_COLOR, new_label
from .optouts import opt_out_request
from .rate_limit import TokenBucket
from .recording import RecordedRequest, RequestLog
from .state import SandboxState
from .transport import Incoming, Outgoing, SandboxHTTPServer

POLL_SECONDS = 0.01  # how soon the accept loop notices stop(): fixtures stop a sandbox per test


class TexterSandbox:
    """A real HTTP server on loopback that answers as Texter's documented API v2 does.

    Every API request goes through, in this order: it is recorded, a queued (or random) fault answers
    it, drops, stalls it without touching state, ``latency_ms`` is slept, the rate limit may answer
    429, the token is checked (401), then the route (404), the token's scopes (403) and the endpoint
    itself; the ``cut``, ``bad_gzip``, ``apply_then_stall`` and ``apply_then_status`` faults then break
    or replace the answer of a request that was applied (see ``faults.py``).

    :param token: the API token clients must send as ``Authorization: Bearer <token>``.
    :param port: 0 picks a free port; read ``port``/``base_url`` after ``start()``.
    :param latency_ms: time each answer takes; may be changed while running.
    :param rate_limit: requests per second allowed (None: unlimited); may be changed while running.
    :param burst: requests allowed at once when the bucket is full; default ``max(1, rate_limit)``.
    :param chats: chats to start with (copied; missing ``_id`` generated).
    :param scopes: the token's scopes among "Manage all chats", "List all chats", "Manage labels",
        "View all chats", "View template messages" and "Send template messages"; None: all of them.
    """

    def __init__(
        self,
        token: str = "sandbox-token",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        latency_ms: float = 0,
        rate_limit: float | None = None,
        burst: float | None = None,
        chats: Iterable[dict] | None = None,
        scopes: Iterable[str] | None = None,
    ):
        if rate_limit is not None and rate_limit <= 0:
            raise ValueError(f"rate_limit must be positive or None, got {rate_limit}")
        if burst is not None and burst < 1:
            raise ValueError(f"burst must be at least 1, got {burst}")
        unknown_scopes = set(scopes or ()) - api.SCOPES
        if unknown_scopes:
            raise ValueError(f"unknown scopes {sorted(unknown_scopes)}; known: {sorted(api.SCOPES)}")
        self.token = token
        self.host = host
        self.port = port
        self.latency_ms = latency_ms
        self.rate_limit = rate_limit
        self.burst = burst
        self.scopes = None if scopes is None else frozenset(scopes)
        self._state = SandboxState.starting_with(chats or ())
        self._log = RequestLog()
        self._faults = FaultQueue()
        self._admin_target = AdminTarget(self._state, self._faults, self._log)
        self._bucket = TokenBucket()
        self._stopping = threading.Event()  # ends stalled requests when the sandbox stops
        self._server: SandboxHTTPServer | None = None
        self._serving: threading.Thread | None = None

    def start(self) -> TexterSandbox:
        """Listen and serve in a background thread; a no-op when already running."""
        if self._server is None:
            self._stopping.clear()
            self._server = SandboxHTTPServer((self.host, self.port), self._respond)
            self.port = self._server.server_address[1]
            self._serving = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": POLL_SECONDS},
                name=f"texter-sandbox-{self.port}",
                daemon=True,
            )
            self._serving.start()
        return self

    def stop(self) -> None:
        """Close the listening socket and open connections and end their threads; safe to call twice."""
        server, self._server = self._server, None
        self._stopping.set()
        if server is not None:
            server.close()
        if self._serving is not None:
            self._serving.join()

    def __enter__(self) -> TexterSandbox:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{api.BASE_PATH}"

    def add_chat(self, chat: dict) -> dict:
        """Store a copy of ``chat`` (e.g. from ``make_chat``) and return it as stored."""
        return copy.deepcopy(self._state.chats.add(chat))

    def chat(self, chat_id: str) -> dict:
        """A copy of the stored chat; KeyError for an unknown id."""
        return copy.deepcopy(self._state.chats.get(chat_id))

    @property
    def chats(self) -> dict[str, dict]:
        """A copy of every stored chat, by ``_id``."""
        return copy.deepcopy(self._state.chats.all())

    def add_label(self, label_id: str, name: str, color: str = DEFAULT_COLOR) -> dict:
        """Create a label as ``POST /labels`` does (same checks; ValueError for a bad or taken id)."""
        return self._state.labels.create(new_label({"id": label_id, "name": name, "color": color}))

    @property
    def labels(self) -> list[dict]:
        """A copy of every label, in creation order; starts with the system label ``failed-message``."""
        return copy.deepcopy(self._state.labels.all())

    def add_agent(
        self, display_name: str, email: str, *, uid: str | None = None, crm_id: str | None = None
    ) -> Agent:
        """Add an agent that Assign Chat can name (a fresh UUID when ``uid`` is None)."""
        return self._state.agents.add(display_name, email, uid=uid, crm_id=crm_id)

    @property
    def agents(self) -> list[Agent]:
        """The agents Assign Chat knows: three seeded ones (``agents.SEEDED_AGENTS``), then those added."""
        return self._state.agents.all()

    def unsubscribe(self, phone: str, account_id: str | None = None, *, title: str | None = None) -> None:
        """Opt ``phone`` out of templates from ``account_id`` (None: every WhatsApp channel), as if the
        contact had replied "הסר"; the contact's WhatsApp chats get ``unsubscribed: true``.

        ``title`` defaults to the WhatsApp name of the contact's chat, if any. ValueError for a bad phone.
        """
        opt_out = {"phone": phone} | ({} if account_id is None else {"accountId": account_id})
        self._state.opt_outs.unsubscribe(*opt_out_request(opt_out), title=title)

    @property
    def unsubscribed(self) -> list[dict]:
        """Every opt-out, oldest first: ``{"phone": "+972...", "accountId", "title", "at"}`` (``accountId``
        None: every WhatsApp channel; ``at``: epoch ms)."""
        return [opt_out.admin_view() for opt_out in self._state.opt_outs.all()]

    def add_template(self, template: dict) -> dict:
        """Store a copy of ``template`` (e.g. from ``make_template``; ValueError naming what is wrong),
        replacing the one with its name on its number."""
        return copy.deepcopy(self._state.templates.add(template))

    @property
    def templates(self) -> list[dict]:
        """A copy of every template, ``includeAll`` style: starts with ``templates.SEEDED_TEMPLATES``."""
        return copy.deepcopy(self._state.templates.listing(None, include_all=True))

    def add_message(
        self, chat_id: str, text: str, *, direction: str = "incoming", type: str = "text"
    ) -> dict:
        """A new message in the chat, now (incoming unless told), as Get Messages shows it; the chat moves
        to the top of Search Chats. KeyError for an unknown chat."""
        message = self._state.messages.add(chat_id, text=text, direction=direction, type=type)
        return self._state.messages.view(message)

    def messages(self, chat_id: str) -> list[dict]:
        """Every message of the chat, oldest first, with the delivery status it has now."""
        return self._state.messages.of_chat(chat_id)

    def set_delivery_delays(self, delivered_after_seconds: float, seen_after_seconds: float) -> None:
        """When outgoing messages become Delivered, then Seen (or Failed): seconds after sending, applied
        to messages already sent too (default 2 and 10; 0 and 0: every message Seen at once)."""
        self._state.messages.delivery.set_delays(DeliveryDelays(delivered_after_seconds, seen_after_seconds))

    def fail_messages_to(self, phone: str, error: str = DEFAULT_FAILURE) -> None:
        """Messages sent to ``phone`` from now on go from Sent to Failed with ``error``."""
        self._state.messages.delivery.fail_messages_to(checked_contact(phone), error)

    def drift_search(self, every: int, chat_ids: Iterable[str] = ()) -> None:
        """After every ``every`` Search Chats answers, give a chat a new incoming message, so it moves to
        the top while a client pages (``every`` 0 stops): by default the chat that search would list
        last, else each of ``chat_ids`` in turn. See ``drift.py``."""
        self._state.drift.start(every, tuple(chat_ids))

    @property
    def requests(self) -> list[RecordedRequest]:
        """The answered API requests so far, in arrival order (admin requests are not recorded)."""
        return self._log.snapshot()

    def clear_requests(self) -> None:
        self._log.clear()

    def fail_next(
        self,
        count: int,
        status: int = 503,
        retry_after: int | str | None = None,
        *,
        echo_authorization: bool = False,
        path: str | None = None,
    ) -> None:
        """Answer the next ``count`` API requests (to ``path``, below the base URL, if given) with
        ``status`` (and ``Retry-After`` if given).

        ``echo_authorization``: the error message repeats the request's ``Authorization`` header.
        """
        self._faults.add(count, Fault("status", status, retry_after, echo_authorization, path))

    def reset_next(self, count: int, *, path: str | None = None) -> None:
        """Drop the connection of the next ``count`` API requests (to ``path``) without answering."""
        self._faults.add(count, Fault("reset", path=path))

    def stall_next(self, count: int, *, path: str | None = None) -> None:
        """Accept the next ``count`` API requests (to ``path``) and never answer them: clients meet their
        timeout, and nothing was applied."""
        self._faults.add(count, Fault("stall", path=path))

    def apply_then_stall_next(self, count: int, *, path: str | None = None) -> None:
        """Apply the next ``count`` API requests (to ``path``), then never answer them: clients meet their
        read timeout after Texter acted."""
        self._faults.add(count, Fault("apply_then_stall", path=path))

    def apply_then_fail_next(
        self, count: int, status: int = 502, retry_after: int | str | None = None, *, path: str | None = None
    ) -> None:
        """Apply the next ``count`` API requests (to ``path``), then answer each with ``status`` instead."""
        self._faults.add(count, Fault("apply_then_status", status, retry_after, path=path))

    def cut_next(self, count: int) -> None:
        """Apply the next ``count`` API requests, then cut each answer in the middle of its body."""
        self._faults.add(count, Fault("cut"))

    def break_gzip_next(self, count: int) -> None:
        """Apply the next ``count`` API requests, then answer each with a body that claims gzip but is not."""
        self._faults.add(count, Fault("bad_gzip"))

    def fail_randomly(self, share: float, status: int = 503, *, seed: int = 0) -> None:
        """After the queued faults, answer each API request with ``status`` with probability ``share``.

        The picks come from ``random.Random(seed)``: the same seed and request order fail the same
        requests. ``share`` 0 stops it.
        """
        self._faults.fail_randomly(share, status, seed)

    def _respond(self, incoming: Incoming) -> Outgoing | None:
        path, _, query_string = incoming.target.partition("?")
        if path.startswith(ADMIN_PREFIX):
            return self._admin(incoming.method, path, incoming.body)
        arrived = time.monotonic()
        slot = self._log.arrive()
        relative = api.relative_path(path)
        route = api.match_route(incoming.method, relative)
        query = parse_qs(query_string, keep_blank_values=True)
        body_is_json, body = _decode_body(incoming.body)
        authorized = hmac.compare_digest(incoming.authorization.encode(), f"Bearer {self.token}".encode())
        request = api.ApiRequest(route, query, body, body_is_json, authorized)
        fault = self._faults.take(relative)
        response = self._answer(request, fault, incoming.authorization)
        slot.record = RecordedRequest(
            method=incoming.method,
            path=path if relative is None else relative,
            chat_id=route.chat_id if route else None,
            query=query,
            body=body,
            status=None if response is None else response.status,
            authorization_ok=authorized,
            timestamp=arrived,
        )
        if fault is not None and fault.withholds_answer:
            self._stopping.wait(STALL_SECONDS)  # recorded first: a test may count it while it stalls
        if response is None:
            return None
        return fault.break_answer(_encode(response)) if fault else _encode(response)

    def _answer(
        self, request: api.ApiRequest, fault: Fault | None, authorization: str
    ) -> api.Response | None:
        """The answer before encoding; None means no answer (a reset, or a stall then a reset).

        A fault that refuses the request answers in its place before anything else; the others let it
        through (latency, rate limit, checks, the endpoint) and then replace or break its answer.
        """
        if fault is not None and fault.refuses_request:
            return fault.answer(None, authorization)
        if self.latency_ms:
            time.sleep(self.latency_ms / 1000)
        wait = self._bucket.take(self.rate_limit, self.burst)
        if wait:
            applied = api.message(429, "Too many requests", (("Retry-After", str(max(1, math.ceil(wait)))),))
        else:
            applied = api.respond(request, self._state, self.scopes)
        return applied if fault is None else fault.answer(applied, authorization)

    def _admin(self, method: str, path: str, raw_body: bytes) -> Outgoing:
        """Views, faults and seeding for a sandbox in another process (see ``admin.py``)."""
        body_is_json, body = _decode_body(raw_body)
        if not body_is_json:
            return _encode(api.message(400, "body is not valid JSON"))
        return _encode(admin_answer(self._admin_target, method, path, body))


def _decode_body(raw: bytes) -> tuple[bool, Any]:
    """``(is_json, value)``: an empty body is JSON ``None``; a body that is not JSON is kept as text."""
    if not raw.strip():
        return True, None
    try:
        return True, json.loads(raw)
    except (ValueError, RecursionError):  # nested past Python's recursion limit: not JSON we can read
        return False, raw.decode("utf-8", "replace")


def _encode(response: api.Response) -> Outgoing:
    if response.content_type == api.PLAIN_TEXT:
        body = response.payload.encode()
    else:
        body = json.dumps(response.payload, separators=(",", ":")).encode()
    return Outgoing(response.status, body, response.headers, response.content_type)
