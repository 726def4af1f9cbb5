"""TexterHook: one connection, one pooled session, one request path with retries, pacing and typed errors."""

from __future__ import annotations

import http.client
import os
import threading
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from functools import cached_property
from typing import Any
from urllib.parse import quote, urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter

from airflow_provider_texter import __version__
from airflow_provider_texter.chat_lookup import ChatsByPhone, check_multiple_chat_policy, choose_chats
from airflow_provider_texter.compat import BaseHook, mask_secret
from airflow_provider_texter.connection_fields import (
    CONNECTION_EXTRAS,
    HIDDEN_FIELDS,
    PLACEHOLDERS,
    RELABELED_FIELDS,
)
from airflow_provider_texter.connection_settings import TexterSettings, settings_from_connection
from airflow_provider_texter.endpoints import (
    ASSIGN_CHAT,
    CREATE_LABEL,
    LIST_LABELS,
    MANAGE_CHAT_LABELS,
    MANAGE_CHATS,
    RESOLVE_CHAT,
    SEARCH_CHATS,
    UPDATE_CHAT_PROPERTIES,
    UPDATE_CRM_DATA,
    Endpoint,
    is_good_answer,
)
from airflow_provider_texter.exceptions import (
    TexterClientError,
    TexterConfigError,
    TexterError,
    TexterValidationError,
)
from airflow_provider_texter.phones import ParsedPhone, default_region_of, parse_phone
from airflow_provider_texter.redaction import redact, register_secret
from airflow_provider_texter.responses import decode_response, exhausted_error, retry_history
from airflow_provider_texter.retry_policy import RETRYABLE_STATUSES, RetryPolicy, parse_retry_after
from airflow_provider_texter.shared_rate_limit import SharedRateLimit, throttle_for
from airflow_provider_texter.throttle import RequestThrottle
from airflow_provider_texter.validation import (
    boolean_argument,
    chat_properties_request,
    check_request,
    crm_data_request,
    to_json_value,
)

SUSPICIOUS_PHONES_LOGGED = 20
LABEL_PAGE_SIZE = 1000
ANSWER_SHOWN = 200  # characters of an unexpected answer quoted in the error
POOL_SIZE = 64
TEST_CONNECTION_TIMEOUT = 10.0  # seconds: the UI's request waits on the Test button
CHANNEL_NAMES = ("whatsapp", "messenger", "instagram", "website_chat", "email")
CHAT_STATUSES = ("BOT", "PENDING", "ASSIGNED", "RESOLVED", "BULK")
# The stored API reference does not show every query parameter name: they live here and nowhere else.
# Whatever breaks while a request is sent or its answer read: requests wraps most of it, but urllib3
# and http.client errors can escape it raw (e.g. a malformed header) and socket errors are OSErrors.
# The writes are idempotent, so each is retried like a reset, then reported as TexterTransportError.
WIRE_ERRORS = (requests.RequestException, urllib3.exceptions.HTTPError, http.client.HTTPException, OSError)
SEARCH_QUERY_NAMES = {
    "search": "search",
    "channel_name": "channel[name]",
    "account_id": "channel[accountId]",
    "labels": "labels[]",
    "statuses": "statuses[]",
    "limit": "limit",
    "offset": "offset",
}


class _BearerAuth(requests.auth.AuthBase):
    """Adds the token to each request; its repr never shows it."""

    def __init__(self, token: str) -> None:
        self._token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._token}"
        return request

    def __repr__(self) -> str:
        return "<BearerAuth ***>"


class TexterHook(BaseHook):
    """Talk to the Texter API v2 through an Airflow connection of type ``texter``.

    Safe to share between threads: one pooled session, one throttle and one retry policy serve
    every call, so concurrent workers together respect ``max_requests_per_second`` and back off
    together when the API answers 429.

    :param texter_conn_id: connection whose host is a project id or base URL and whose password is
        the API token. Extras: ``timeout``, ``max_retries``, ``backoff_factor``, ``max_retry_wait``,
        ``max_requests_per_second``, ``rate_limit_conn_id`` (one limit for every worker).
    """

    conn_name_attr = "texter_conn_id"
    default_conn_name = "texter_default"
    conn_type = "texter"
    hook_name = "Texter"

    def __init__(self, texter_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.texter_conn_id = texter_conn_id
        self._stats_lock = threading.Lock()
        self.request_count = 0
        self.retry_count = 0
        self.retried_outcomes: Counter[str] = Counter()
        # One INFO line per request that needed retries; a transfer of a million rows turns this off
        # and logs how many retries each progress interval had instead.
        self.log_each_retried_request = True
        self.suspicious_phones: set[str] = set()
        # label id -> label, read once from GET /labels on the first name to resolve (see label_ids)
        self._labels: dict[str, dict] | None = None
        self._labels_lock = threading.RLock()

    def __repr__(self) -> str:
        return f"TexterHook(texter_conn_id={self.texter_conn_id!r})"

    @classmethod
    def get_connection_form_widgets(cls) -> dict[str, Any]:
        """Extra fields of the connection form for Airflow < 3.2 (newer ones read ``conn-fields``).

        Airflow accepts only String/Integer/Password/Boolean fields here: decimals are strings that
        the connection settings parse. Airflow 3 turns these fields into its form's JSON Schema and
        never renders them with Flask, so only wtforms is needed (the webserver of 3.0/3.1 ships it
        with the FAB provider; without it Airflow shows no extra fields, for every provider).
        """
        from wtforms import IntegerField, StringField
        from wtforms.validators import NumberRange, Optional

        widgets: dict[str, Any] = {}
        for extra in CONNECTION_EXTRAS:
            if extra.kind == "integer":
                validators = [Optional(), NumberRange(min=extra.minimum)]
                widgets[extra.name] = IntegerField(
                    extra.label, validators, description=extra.help, default=extra.default
                )
            else:
                default = None if extra.default is None else str(extra.default)
                widgets[extra.name] = StringField(extra.label, description=extra.help, default=default)
        return widgets

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        """Labels, hints and hidden fields of the connection form for Airflow < 3.2."""
        return {"hidden_fields": HIDDEN_FIELDS, "relabeling": RELABELED_FIELDS, "placeholders": PLACEHOLDERS}

    @cached_property
    def settings(self) -> TexterSettings:
        """The connection, read once and validated; the token is masked in every Airflow log and error."""
        conn = self.get_connection(self.texter_conn_id)
        settings = settings_from_connection(self.texter_conn_id, conn.host, conn.password, conn.extra_dejson)
        mask_secret(settings.token)
        register_secret(settings.token)
        if settings.unknown_extras:
            self.log.warning(
                "Connection %r: ignoring unknown extra keys %s", self.texter_conn_id, settings.unknown_extras
            )
        return settings

    @cached_property
    def session(self) -> requests.Session:
        """One pooled session for every thread using this hook; retries are ours, not urllib3's."""
        session = requests.Session()
        # With trust_env, requests re-reads proxy settings from the environment on every request
        # (a quarter of the client's CPU per row); read them once here instead.
        session.trust_env = False
        session.proxies.update(requests.utils.get_environ_proxies(self.settings.base_url))
        session.verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=POOL_SIZE, max_retries=0)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        session.auth = _BearerAuth(self.settings.token)
        session.headers.update(
            {"Accept": "application/json", "User-Agent": f"airflow-provider-texter/{__version__}"}
        )
        return session

    @cached_property
    def host(self) -> str:
        """Where requests go (``acme.texterchat.com``), for messages about the network."""
        return urlsplit(self.settings.base_url).netloc

    @cached_property
    def throttle(self) -> RequestThrottle | SharedRateLimit:
        return throttle_for(self.settings)

    @cached_property
    def retry_policy(self) -> RetryPolicy:
        settings = self.settings
        return RetryPolicy(settings.max_retries, settings.backoff_factor, settings.max_retry_wait)

    def get_conn(self) -> requests.Session:
        return self.session

    def call(
        self,
        endpoint: Endpoint,
        *,
        chat_id: str | None = None,
        label_id: str | None = None,
        body: Any = None,
        query: Mapping[str, Any] | None = None,
        timeout: float | None = None,
        retry_policy: RetryPolicy | None = None,
    ) -> Any:
        """Send one described API call (see ``endpoints.py``) and return its answer.

        The body is checked against the endpoint's request schema and the ids become exactly one path
        segment each, before any request; the answer must have a shape the endpoint promises (plain text
        ``OK``, ``{"success": true}`` or a JSON object), else ``TexterClientError``. Sent through ``run``.
        """
        context = f"{endpoint.name} request"
        ids = {"chat_id": chat_id, "label_id": label_id}
        problems = [f"{name}: is required" for name in endpoint.path_ids if ids[name] is None]
        problems += [
            f"{name}: {endpoint.name} takes none" for name, value in ids.items()
            if value is not None and name not in endpoint.path_ids
        ]  # fmt: skip
        if endpoint.request_schema is None and body is not None:
            problems.append(f"body: {endpoint.name} takes none")
        if problems:
            raise TexterValidationError(problems, context=context)
        segments = {name: path_segment(ids[name], field=name) for name in endpoint.path_ids}
        if endpoint.request_schema is not None:
            check_body(endpoint, body)
        path = endpoint.path.format(**segments)
        answer = self.run(
            endpoint.method,
            path,
            json=body,
            params=query,
            scope=endpoint.scope or "",
            subject=endpoint.subject.format(**ids),
            timeout=timeout,
            retry_policy=retry_policy,
        )
        if not is_good_answer(endpoint, answer):
            expected = " or ".join(endpoint.answers)
            shown = redact(repr(answer))[:ANSWER_SHOWN]
            message = f"unexpected answer {shown}: expected {expected}"
            raise TexterClientError(200, endpoint.method, path, message)
        return answer

    def update_crm_data(
        self, chat_id: str, data: Mapping[str, Any], merging_mode: str = "merge", *, data_schema: Any = None
    ) -> dict:
        """Write ``data`` into the chat's crmData with a lodash-style ``merging_mode``; returns the chat.

        The body is checked against the request schema (and ``data_schema`` when given) before sending.
        """
        body = crm_data_request(data, merging_mode, data_schema=data_schema)
        return self.call(UPDATE_CRM_DATA, chat_id=chat_id, body=body)

    def update_chat(self, chat_id: str, properties: Mapping[str, Any]) -> dict:
        """Set chat properties (displayName, externalBot, crmData, crmDeepLink, language); returns the chat.

        Every property sent overrides the stored value: ``crm_data`` REPLACES the chat's crmData.
        """
        body = chat_properties_request(properties)
        return self.call(UPDATE_CHAT_PROPERTIES, chat_id=chat_id, body=body)

    def search_chats(
        self,
        search: str | None = None,
        *,
        channel_name: str | None = None,
        account_id: str | None = None,
        labels: Iterable[str] | None = None,
        statuses: Iterable[str] | None = None,
        limit: int = 30,
        offset: int = 0,
    ) -> dict:
        """Find chats, newest first: ``{"data": [chat, ...], "total": n}``; search by phone or name."""
        params = search_query(
            search,
            channel_name=channel_name,
            account_id=account_id,
            labels=labels,
            statuses=statuses,
            limit=limit,
            offset=offset,
        )
        return self.call(SEARCH_CHATS, query=params)

    def update_labels(
        self,
        chat_id: str,
        *,
        add: Iterable[str] | str | None = None,
        remove: Iterable[str] | str | None = None,
        set: Iterable[str] | str | None = None,  # the API's name for the operation
        create_missing_labels: bool = False,
    ) -> dict[str, list[str]]:
        """Add labels to a chat, remove some, or ``set`` exactly these (``[]`` clears them); give one.

        Labels by id or by name (see ``label_ids``); ``create_missing_labels`` creates the names no label
        has (never for ``remove``). Returns the body sent, with ids: ``{"add": ["vip"]}``.
        """
        operations = {"add": add, "remove": remove, "set": set}
        body = {name: _label_list(value) for name, value in operations.items() if value is not None}
        path_segment(chat_id, field="chat_id")
        check_body(MANAGE_CHAT_LABELS, body)  # names and ids have the same form: checked before resolving
        ((operation, labels),) = body.items()
        create_missing = create_missing_labels and operation != "remove"
        body = {operation: self.label_ids(labels, create_missing=create_missing)}
        self.call(MANAGE_CHAT_LABELS, chat_id=chat_id, body=body)
        return body

    def list_labels(self, *, page_size: int = LABEL_PAGE_SIZE) -> list[dict]:
        """Every label of the project (``id``, ``name``, ``color``, ``system``), page by page.

        Also refreshes the labels ``label_ids`` resolves names with.
        """
        labels: list[dict] = []
        while True:
            page = self.call(LIST_LABELS, query={"limit": page_size, "skip": len(labels)})
            batch, total = page.get("labels"), page.get("total")
            if not isinstance(batch, list) or not isinstance(total, int):
                shown = redact(repr(page))[:ANSWER_SHOWN]
                raise TexterClientError(200, "GET", "/labels", f"expected {{total, labels}}, got {shown}")
            labels += batch
            if not batch or len(labels) >= total:
                break
        with self._labels_lock:
            self._labels = {label["id"]: label for label in labels}
        return labels

    def create_label(self, id: str, name: str, color: str | None = None) -> dict:
        """Create a label: ``id`` is what chats store, ``name`` what agents see, ``color`` ``#RRGGBB``
        (the API's default ``#555555`` when None). Returns the label."""
        body = {"id": id, "name": name} if color is None else {"id": id, "name": name, "color": color}
        answer = self.call(CREATE_LABEL, body=body)
        label: dict[str, Any] = answer if isinstance(answer, dict) else {**body, "system": False}
        with self._labels_lock:
            if self._labels is not None:
                self._labels[label["id"]] = label
        return label

    def label_ids(
        self, names: Iterable[str] | str, *, create_missing: bool = False, preview: bool = False
    ) -> list[str]:
        """The label ids for labels given by id or by name (in any case and spacing), each once, in order.

        The project's labels are read once per hook (``GET /labels``). A value that names no label is a
        ``TexterValidationError`` listing the known names, unless ``create_missing``: then a label is
        created with that name and an id derived from it (lowercase, spaces to ``-``), default colour.
        With ``preview`` nothing is created: the ids it would get are returned.
        """
        values = [names] if isinstance(names, str) else list(names)
        problems = [
            f"labels[{index}]: must be a non-empty string, got {value!r}"
            for index, value in enumerate(values)
            if not isinstance(value, str) or not value.strip()
        ]
        if problems:
            raise TexterValidationError(problems, context="labels")
        if not values:
            return []
        with self._labels_lock:
            if self._labels is None:
                self.list_labels()
            known = dict(self._labels or {})
        by_name: dict[str, str] = {}
        for label in known.values():
            by_name.setdefault(_name_key(str(label.get("name", ""))), label["id"])
        missing = [value for value in values if value not in known and _name_key(value) not in by_name]
        if missing and not create_missing:
            names_known = ", ".join(repr(label.get("name")) for label in known.values()) or "none"
            raise TexterValidationError(
                [f"{value!r}: no label has this name or id" for value in dict.fromkeys(missing)]
                + [f"known label names: {names_known} (create_missing_labels=True creates the missing ones)"],
                context="labels",
            )
        for name in missing:
            if _name_key(name) in by_name:  # "Gold members" after "gold  Members": created already
                continue
            label_id = label_id_for(name)
            if label_id in known:
                raise TexterValidationError(
                    [f"{name!r}: its id {label_id!r} belongs to the label {known[label_id].get('name')!r}"],
                    context="labels",
                )
            if preview:
                self.log.info("[preview] would create label %r with id %r", name, label_id)
                known[label_id] = {"id": label_id, "name": name}
            else:
                known[label_id] = self.create_label(label_id, name)
            by_name[_name_key(name)] = label_id
        ids = [value if value in known else by_name[_name_key(value)] for value in values]
        return list(dict.fromkeys(ids))

    def assign_chat(
        self,
        *,
        chat_id: str | None = None,
        phone: str | None = None,
        agent_email: str | None = None,
        agent_uid: str | None = None,
        agent_crm_id: str | None = None,
        department_id: str | None = None,
    ) -> dict[str, str]:
        """Make a chat PENDING for an agent (by email, uid or CRM id), a department, or both.

        The chat by ``chat_id`` or by ``phone`` (any format: the API normalises it and refuses a phone
        with several chats). Returns the body sent (API names), e.g. ``{"chatId": ..., "agentEmail": ...}``.
        """
        body = assign_chat_request(
            chat_id=chat_id,
            phone=phone,
            agent_email=agent_email,
            agent_uid=agent_uid,
            agent_crm_id=agent_crm_id,
            department_id=department_id,
        )
        self.call(ASSIGN_CHAT, body=body)
        return body

    def resolve_chat(self, chat_id: str, notify_client: bool | str = False) -> dict:
        """Resolve a chat (from any status); ``notify_client`` first sends the default resolution message."""
        body = {"notifyClient": boolean_argument(notify_client, "notify_client")}
        return self.call(RESOLVE_CHAT, chat_id=chat_id, body=body)

    @cached_property
    def chats_by_phone(self) -> ChatsByPhone:
        return ChatsByPhone(self.search_chats)

    def find_chat_ids(
        self,
        phone: Any,
        *,
        default_region: str | None = None,
        default_country_code: str | None = None,
        channel_name: str | None = None,
        account_id: str | None = None,
        on_multiple_chats: str = "most_recent",
    ) -> list[str]:
        """The chats whose contact is exactly ``phone``, newest first; empty when there is none.

        ``phone`` in any written form: ``+7 495 123-45-67``, or local (``8 (495) 123-45-67``) with
        ``default_region="RU"`` or ``default_country_code="7"``. Each number is searched once per
        hook. ``on_multiple_chats``: ``most_recent`` (one chat), ``all``, or ``error``.
        """
        check_multiple_chat_policy(on_multiple_chats)
        parsed = self.parse_phone(
            phone, default_region=default_region_of(default_region, default_country_code)
        )
        chat_ids = self.chats_by_phone.chat_ids(parsed.digits, channel_name, account_id)
        return choose_chats(parsed.digits, chat_ids, on_multiple_chats)

    def parse_phone(
        self, phone: Any, *, default_region: str | None = None, field: str = "phone"
    ) -> ParsedPhone:
        """``phones.parse_phone``, warning once per hook about each possible but unassigned number."""
        parsed = parse_phone(phone, default_region=default_region, field=field)
        if not parsed.valid and parsed.digits not in self.suspicious_phones:
            with self._stats_lock:
                first_time = parsed.digits not in self.suspicious_phones
                self.suspicious_phones.add(parsed.digits)
                count = len(self.suspicious_phones)
            if first_time and count <= SUSPICIOUS_PHONES_LOGGED:
                self.log.warning(
                    "Phone %r (%s) is possible but not an assigned number: still looked up%s",
                    phone, parsed.e164,
                    "; further ones are not logged" if count == SUSPICIOUS_PHONES_LOGGED else "",
                )  # fmt: skip
        return parsed

    def retries_so_far(self) -> Counter[str]:
        """Retries of this hook by what caused them (``{"503": 12, "ReadTimeout": 3}``), a copy."""
        with self._stats_lock:
            return self.retried_outcomes.copy()

    def test_connection(self) -> tuple[bool, str]:
        """The Airflow UI's Test button: one cheap authenticated search, answered within seconds.

        The UI waits on this call, so it makes one attempt with at most a 10 s timeout (less when the
        connection's is lower) instead of the retry policy's minutes against a host that never answers.
        """
        try:
            result = self.call(
                SEARCH_CHATS,
                query={SEARCH_QUERY_NAMES["limit"]: 1},
                timeout=min(TEST_CONNECTION_TIMEOUT, self.settings.timeout),
                retry_policy=RetryPolicy(max_retries=0),
            )
        except TexterConfigError as error:
            return False, str(error)
        except TexterError as error:
            return False, f"{self.host} did not accept the test request: {error}"
        return True, f"Connected to {self.settings.base_url}: token accepted, {result.get('total', 0)} chats"

    def run(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Any = None,
        scope: str = MANAGE_CHATS,
        subject: str = "resource",
        timeout: float | None = None,
        retry_policy: RetryPolicy | None = None,
    ) -> Any:
        """Send one API request, retrying 429/502/503/504 and network errors; return the decoded body.

        Every call of the hook goes through here, so pacing, retries, logging and errors live once.
        A 429 lowers the hook's send rate and pauses all its threads (see ``RequestThrottle``); with
        ``Retry-After`` it is retried for as long as ``max_retry_wait`` allows, whatever ``max_retries``.
        ``timeout`` and ``retry_policy`` replace the connection's for this call.
        """
        timeout = self.settings.timeout if timeout is None else timeout
        retry_policy = retry_policy or self.retry_policy
        url = self.settings.base_url + path
        retries: list[str] = []
        counted = 0  # retries that spend max_retries (a 429 with Retry-After spends only time)
        first_sent_at = None
        while True:
            self.throttle.wait()
            sent_at = self.throttle.now()
            first_sent_at = sent_at if first_sent_at is None else first_sent_at
            response, failure, detail = self._send_once(method, url, path, json, params, timeout)
            rate_limited = response is not None and response.status_code == 429
            if response is not None and not rate_limited:
                self.throttle.answered()
            if response is not None and response.status_code not in RETRYABLE_STATUSES:
                if retries:
                    (self.log.info if self.log_each_retried_request else self.log.debug)(
                        "%s %s answered %d after %s and %.1f s",
                        method, path, response.status_code, retry_history(retries),
                        self.throttle.now() - first_sent_at,
                    )  # fmt: skip
                return decode_response(response, method, path, scope=scope, subject=subject)
            outcome = failure if response is None else str(response.status_code)
            retry_after = None if response is None else parse_retry_after(response.headers.get("Retry-After"))
            by_time_only = rate_limited and retry_after is not None
            delay = retry_policy.delay(counted + 1, retry_after)
            # the budget is wall time since the first attempt: pauses, pacing and attempts all count
            spent = self.throttle.now() - first_sent_at
            allowed = retry_policy.allows(counted + 1, spent, delay, by_time_only=by_time_only)
            if rate_limited:  # the rate drops either way; every thread waits in throttle.wait() if we retry
                self.throttle.throttled(sent_at, pause=delay if allowed else 0.0)
            if not allowed:
                raise exhausted_error(
                    method, path, response, outcome, retries, subject, host=self.host, detail=detail
                )
            self._count_retry(outcome)
            if not rate_limited:
                time.sleep(delay)
            counted += not by_time_only
            retries.append(outcome)

    def _send_once(
        self, method: str, url: str, path: str, json: Any, params: Any, timeout: float
    ) -> tuple[requests.Response | None, str, str]:
        """One attempt: the response, or ``None``, the kind of wire failure and what it said."""
        started = time.monotonic()
        with self._stats_lock:
            self.request_count += 1
        try:
            response = self.session.request(method, url, json=json, params=params, timeout=timeout)
        except (requests.exceptions.InvalidJSONError, TypeError):
            if json is not None:  # a body requests cannot encode (NaN, objects): name the field, no retry
                to_json_value(json, field="body")
            raise
        except WIRE_ERRORS as error:
            detail = redact(str(error))
            self.log.debug(
                "%s %s -> %s after %.3f s: %s",
                method, path, type(error).__name__, time.monotonic() - started, detail,
            )  # fmt: skip
            return None, type(error).__name__, detail
        self.log.debug(
            "%s %s -> %s in %.3f s", method, path, response.status_code, time.monotonic() - started
        )
        return response, "", ""

    def _count_retry(self, outcome: str) -> None:
        with self._stats_lock:
            self.retry_count += 1
            self.retried_outcomes[outcome] += 1


def path_segment(value: Any, *, field: str) -> str:
    """An id (``chat_id``, ``label_id``) as exactly one URL path segment; one that could escape is refused."""
    if not isinstance(value, str) or not value.strip():
        raise TexterValidationError([f"{field}: must be a non-empty string, got {value!r}"])
    if value != value.strip() or any(char.isspace() or char in "/\\?#%" for char in value):
        raise TexterValidationError(
            [f"{field}: {value!r} may not contain whitespace, '/', '\\', '?', '#' or '%'"]
        )
    if value in (".", ".."):
        raise TexterValidationError([f"{field}: {value!r} is not an id"])
    return quote(value, safe="")


def check_body(endpoint: Endpoint, body: Any) -> None:
    """Check a body against the endpoint's request schema; every problem in one ``TexterValidationError``."""
    check_request(endpoint.request_schema or "", body, context=f"{endpoint.name} request")


ASSIGNEE_FIELDS = {
    "agent_email": "agentEmail",
    "agent_uid": "agentUid",
    "agent_crm_id": "agentCrmId",
    "department_id": "departmentId",
}


def label_id_for(name: str) -> str:
    """The id ``create_missing_labels`` gives a new label: its name in lowercase, spaces as ``-``."""
    return "-".join(name.strip().lower().split())


def assign_chat_request(
    *,
    chat_id: str | None,
    phone: str | None,
    agent_email: str | None,
    agent_uid: str | None,
    agent_crm_id: str | None,
    department_id: str | None,
) -> dict[str, str]:
    """The Assign Chat body, checked: one of chat_id/phone, at most one agent field, an agent and/or a
    department. Arguments left None are not sent."""
    assignee = {"agent_email": agent_email, "agent_uid": agent_uid, "agent_crm_id": agent_crm_id}
    assignee["department_id"] = department_id
    values = {
        "chatId": chat_id,
        "phone": str(phone) if isinstance(phone, int) else phone,
        **{ASSIGNEE_FIELDS[name]: value for name, value in assignee.items()},
    }
    body = {name: value for name, value in values.items() if value is not None}
    check_body(ASSIGN_CHAT, body)
    return body


def _name_key(name: str) -> str:
    """What label names are matched on: ``"Gold  members "`` and ``"gold members"`` name one label."""
    return " ".join(name.split()).casefold()


def _label_list(value: Any) -> Any:
    """Labels as a list: one string is one label; anything else not a list is left for the schema to name."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return list(value)
    return value


def search_query(
    search: str | None,
    *,
    channel_name: str | None,
    account_id: str | None,
    labels: Iterable[str] | None,
    statuses: Iterable[str] | None,
    limit: int,
    offset: int,
) -> dict[str, Any]:
    """Check Search Chats arguments locally (every problem at once) and name them as the API does."""
    labels = list(labels or [])
    statuses = [status.upper() for status in statuses or []]
    problems = []
    if search is not None and len(search.strip()) < 2:
        problems.append(f"search: needs at least 2 characters, got {search!r}")
    if (channel_name is None) != (account_id is None):
        problems.append("channel_name and account_id: give both or neither")
    if channel_name is not None and channel_name not in CHANNEL_NAMES:
        problems.append(f"channel_name: {channel_name!r} is not one of {', '.join(CHANNEL_NAMES)}")
    if len(labels) > 100:
        problems.append(f"labels: at most 100, got {len(labels)}")
    problems += [
        f"statuses: {status!r} is not one of {', '.join(CHAT_STATUSES)}"
        for status in statuses
        if status not in CHAT_STATUSES
    ]
    if not isinstance(limit, int) or not 1 <= limit <= 10000:
        problems.append(f"limit: must be an integer from 1 to 10000, got {limit!r}")
    if not isinstance(offset, int) or offset < 0:
        problems.append(f"offset: must be an integer >= 0, got {offset!r}")
    if problems:
        raise TexterValidationError(problems, context="search")
    values = {
        "search": search.strip() if search else None,
        "channel_name": channel_name,
        "account_id": account_id,
        "labels": labels or None,
        "statuses": statuses or None,
        "limit": limit,
        "offset": offset,
    }
    return {SEARCH_QUERY_NAMES[name]: value for name, value in values.items() if value is not None}
