"""The ``/_sandbox/`` routes: views, faults and seeding for a sandbox in another process.

No token, no rate limit, not in the request log. A body that cannot be used is a 400 naming the problem.

- ``POST /_sandbox/faults`` ``{"kind", "count", "status"?, "retry_after"?, "echo_authorization"?,
  "path"?}``: the next ``count`` API requests (to ``path``, below the base URL, if given) meet the fault
  (kinds in ``faults.py``), e.g.
  ``{"kind": "apply_then_stall", "count": 1}`` or ``{"kind": "apply_then_status", "count": 1,
  "status": 502}``.
- ``POST /_sandbox/random-failures`` ``{"share", "status"?, "seed"?}``: fail a seeded share of requests.
- ``GET /_sandbox/chats`` -> ``{"chats": [...]}``, every stored chat.
- ``GET /_sandbox/requests`` -> ``{"count", "by_status"}`` of the API requests so far.
- ``GET /_sandbox/answers`` -> ``{"answers": [[arrival time.monotonic(), chat id, status], ...]}``.
- ``POST /_sandbox/unsubscribed`` ``{"phone", "accountId"?, "title"?}`` (or a list of them): opt
  contacts out of templates as if they had replied "הסר" (their WhatsApp chats get the flag).
- ``GET /_sandbox/unsubscribed`` -> ``{"unsubscribed": [{"phone", "accountId", "title", "at"}, ...]}``,
  oldest first; ``accountId`` null means every WhatsApp channel, ``at`` is epoch ms.
- ``POST /_sandbox/templates`` a Template object as List All Templates shows it: stored (replacing the
  one with its name on its number).
- ``POST /_sandbox/messages`` ``{"chatId", "text", "direction"?: "incoming", "type"?: "text"}``: a new
  message in the chat, now, answered as Get Messages shows it; the chat moves to the top of Search Chats.
- ``POST /_sandbox/delivery`` ``{"delivered_after_seconds", "seen_after_seconds"}``: when outgoing
  messages become Delivered, then Seen (see ``delivery.py``).
- ``POST /_sandbox/failing-phones`` ``{"phone", "error"?}``: messages sent to the phone from now on fail.
- ``POST /_sandbox/search-drift`` ``{"every", "chat_ids"?}``: after every ``every`` Search Chats answers a
  chat gets a new message and moves to the top (see ``drift.py``); ``{"every": 0}`` stops it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import api
from .contacts import checked_contact
from .delivery import DeliveryDelays
from .faults import Fault, FaultQueue
from .optouts import opt_out_request
from .payloads import require_object
from .recording import RecordedRequest, RequestLog
from .state import SandboxState

PREFIX = "/_sandbox/"


@dataclass(frozen=True)
class AdminTarget:
    """What the admin routes read and change: the API's state, the fault queue and the request log."""

    state: SandboxState
    faults: FaultQueue
    log: RequestLog


def admin_answer(target: AdminTarget, method: str, path: str, body: Any) -> api.Response:
    """The answer to an admin request; ``body`` is the decoded JSON (None when empty)."""
    route = _ROUTES.get((method, path.removeprefix(PREFIX)))
    if route is None:
        return api.message(404, "Not found")
    try:
        return route(target, body)
    except (ValueError, TypeError, KeyError) as error:
        return api.message(400, f"bad {path} request: {error}")


def _queue_fault(target: AdminTarget, body: Any) -> api.Response:
    require_object(body)
    settings = dict(body)
    count = settings.pop("count")
    target.faults.add(count, Fault(**settings))
    return api.Response(200, api.SUCCESS)


def _fail_randomly(target: AdminTarget, body: Any) -> api.Response:
    require_object(body)
    target.faults.fail_randomly(**body)
    return api.Response(200, api.SUCCESS)


def _chats(target: AdminTarget, body: Any) -> api.Response:
    return api.Response(200, {"chats": list(target.state.chats.all().values())})


def _requests(target: AdminTarget, body: Any) -> api.Response:
    records = target.log.snapshot()
    return api.Response(200, {"count": len(records), "by_status": _count_by_status(records)})


def _answers(target: AdminTarget, body: Any) -> api.Response:
    # when each request arrived (time.monotonic(), comparable across processes on one machine), for
    # which chat, and the answer: how clients sharing this sandbox split its rate limit
    answers = [[record.timestamp, record.chat_id, record.status] for record in target.log.snapshot()]
    return api.Response(200, {"answers": answers})


def _unsubscribe(target: AdminTarget, body: Any) -> api.Response:
    for item in body if isinstance(body, list) else [body]:
        require_object(item)
        opt_out = {key: value for key, value in item.items() if key != "title"}
        target.state.opt_outs.unsubscribe(*opt_out_request(opt_out), title=item.get("title"))
    return api.Response(200, api.SUCCESS)


def _unsubscribed(target: AdminTarget, body: Any) -> api.Response:
    return api.Response(
        200, {"unsubscribed": [opt_out.admin_view() for opt_out in target.state.opt_outs.all()]}
    )


def _add_template(target: AdminTarget, body: Any) -> api.Response:
    return api.Response(200, target.state.templates.add(body))


def _add_message(target: AdminTarget, body: Any) -> api.Response:
    require_object(body)
    settings = {key: value for key, value in body.items() if key != "chatId"}
    messages = target.state.messages
    return api.Response(200, messages.view(messages.add(body["chatId"], **settings)))


def _set_delivery(target: AdminTarget, body: Any) -> api.Response:
    require_object(body)
    target.state.messages.delivery.set_delays(DeliveryDelays(**body))
    return api.Response(200, api.SUCCESS)


def _fail_messages_to(target: AdminTarget, body: Any) -> api.Response:
    require_object(body)
    settings = {key: value for key, value in body.items() if key != "phone"}
    target.state.messages.delivery.fail_messages_to(checked_contact(body["phone"]), **settings)
    return api.Response(200, api.SUCCESS)


def _drift_search(target: AdminTarget, body: Any) -> api.Response:
    require_object(body)
    target.state.drift.start(body["every"], tuple(body.get("chat_ids", ())))
    return api.Response(200, api.SUCCESS)


def _count_by_status(records: list[RecordedRequest]) -> dict[str, int]:
    """Requests by status code, ``reset`` for dropped connections."""
    counts: dict[str, int] = {}
    for record in records:
        key = "reset" if record.status is None else str(record.status)
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items()))


_ROUTES: dict[tuple[str, str], Callable[[AdminTarget, Any], api.Response]] = {
    ("POST", "faults"): _queue_fault,
    ("POST", "random-failures"): _fail_randomly,
    ("GET", "chats"): _chats,
    ("GET", "requests"): _requests,
    ("GET", "answers"): _answers,
    ("POST", "unsubscribed"): _unsubscribe,
    ("GET", "unsubscribed"): _unsubscribed,
    ("POST", "templates"): _add_template,
    ("POST", "messages"): _add_message,
    ("POST", "delivery"): _set_delivery,
    ("POST", "failing-phones"): _fail_messages_to,
    ("POST", "search-drift"): _drift_search,
}
