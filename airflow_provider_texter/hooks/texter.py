"""TexterHook: a ``texter`` connection, its settings, and one named method per API call. The request
path (pacing, retries, typed errors) is ``transport.py``; what each call sends is its ``actions/`` module."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from functools import cached_property
from typing import Any

import requests

from airflow_provider_texter.actions.action import Action, Request
from airflow_provider_texter.actions.assign_chat import ASSIGN_CHAT, assign_chat_request
from airflow_provider_texter.actions.get_messages import messages_request
from airflow_provider_texter.actions.list_labels import LABEL_PAGE_SIZE
from airflow_provider_texter.actions.list_templates import templates_request
from airflow_provider_texter.actions.resolve_chat import RESOLVE_CHAT
from airflow_provider_texter.actions.resubscribe import RESUBSCRIBE
from airflow_provider_texter.actions.search_chats import SEARCH_CHATS, search_query
from airflow_provider_texter.actions.send_template_message import SEND_TEMPLATE_MESSAGE, TemplateMessage
from airflow_provider_texter.actions.unsubscribe import UNSUBSCRIBE
from airflow_provider_texter.actions.update_chat_properties import (
    UPDATE_CHAT_PROPERTIES,
    chat_properties_request,
)
from airflow_provider_texter.actions.update_crm_data import UPDATE_CRM_DATA, MergingMode, crm_data_request
from airflow_provider_texter.chat_lookup import ChatsByPhone, MultipleChats
from airflow_provider_texter.compat import BaseHook, mask_secret
from airflow_provider_texter.connection_check import check_connection
from airflow_provider_texter.connection_fields import form_widgets, ui_field_behaviour
from airflow_provider_texter.connection_settings import TexterSettings, settings_from_connection
from airflow_provider_texter.labels import LabelDirectory
from airflow_provider_texter.opt_out_list import read_unsubscribed
from airflow_provider_texter.phones import default_region_of
from airflow_provider_texter.redaction import register_secret
from airflow_provider_texter.retry_policy import RetryPolicy
from airflow_provider_texter.shared_rate_limit import Pacing
from airflow_provider_texter.suspicious_phones import PhoneReader
from airflow_provider_texter.transport import Transport
from airflow_provider_texter.validation import DataSchema, boolean_argument


class TexterHook(BaseHook):
    """Talk to the Texter API v2 through an Airflow connection of type ``texter``; safe to share between
    threads, which then share one session, pace and back-off (see ``Transport``).

    :param texter_conn_id: connection whose host is a project id or base URL and whose password is the
        API token; extras as ``connection_fields.CONNECTION_EXTRAS`` describes them.
    """

    conn_name_attr = "texter_conn_id"
    default_conn_name = "texter_default"
    conn_type = "texter"
    hook_name = "Texter"

    def __init__(self, texter_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.texter_conn_id = texter_conn_id

    def __repr__(self) -> str:
        return f"TexterHook(texter_conn_id={self.texter_conn_id!r})"

    @classmethod
    def get_connection_form_widgets(cls) -> dict[str, Any]:
        """Extra fields of the connection form for Airflow < 3.2 (newer ones read ``conn-fields``)."""
        return form_widgets()

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        """Labels, hints and hidden fields of the connection form for Airflow < 3.2."""
        return ui_field_behaviour()

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
    def transport(self) -> Transport:  # the request path of every call, built on first use (no I/O before)
        return Transport.from_settings(self.settings, log=self.log)

    @cached_property
    def labels(self) -> LabelDirectory:
        return LabelDirectory(self.send, self.log)

    @cached_property
    def chats_by_phone(self) -> ChatsByPhone:
        return ChatsByPhone(self.search_chats)

    @cached_property
    def phones(self) -> PhoneReader:
        return PhoneReader(self.log)

    @property
    def session(self) -> requests.Session:  # requests' own, pooled and authenticated
        return self.transport.session

    @property
    def throttle(self) -> Pacing:
        return self.transport.throttle

    @property
    def retry_count(self) -> int:
        return self.transport.stats.retries

    @property
    def retried_outcomes(self) -> Counter[str]:  # {"503": 12, "ReadTimeout": 3}, a copy
        return self.transport.stats.retried_so_far()

    def get_conn(self) -> requests.Session:
        return self.session

    def send(
        self, request: Request, *, timeout: float | None = None, retry_policy: RetryPolicy | None = None
    ) -> Any:
        """Send a checked request (``Action.request``): its answer, in a shape the call promises."""
        return self.transport.send(request, timeout=timeout, retry_policy=retry_policy)

    def call(self, action: Action, *, chat_id: str | None = None, body: Any = None, **options: Any) -> Any:
        """Send one described API call (``actions/``), its ids and body checked first. ``options``:
        ``label_id``, ``account_id``, ``query``, and ``timeout`` / ``retry_policy`` for this call only."""
        ids = {key: options.pop(key) for key in ("label_id", "account_id", "query") if key in options}
        return self.send(action.request(chat_id=chat_id, body=body, **ids), **options)

    def run(self, method: str, path: str, *, json: Any = None, params: Any = None, **options: Any) -> Any:
        """One raw request through the same retries, pacing and errors as every call: the decoded body."""
        return self.transport.exchange(method, path, body=json, query=params, **options)

    def update_crm_data(self, chat_id: str, data: Mapping[str, Any], merging_mode: MergingMode = "merge", *,
                        data_schema: DataSchema = None) -> dict:  # fmt: skip
        """Merge ``data`` into the chat's crmData as ``merging_mode`` says (checked first); the chat."""
        body = crm_data_request(data, merging_mode, data_schema=data_schema)
        return self.send(UPDATE_CRM_DATA.addressed(chat_id=chat_id, body=body))

    def update_chat(self, chat_id: str, properties: Mapping[str, Any]) -> dict:
        """Set chat properties; each overrides the stored value (``crm_data`` REPLACES the crmData)."""
        body = chat_properties_request(properties)
        return self.send(UPDATE_CHAT_PROPERTIES.addressed(chat_id=chat_id, body=body))

    def search_chats(
        self, search: str | None = None, *, channel_name: str | None = None, account_id: str | None = None,
        labels: Iterable[str] | None = None, statuses: Iterable[str] | None = None, limit: int = 30,
        offset: int = 0,
    ) -> dict:  # fmt: skip
        """Find chats, newest first: ``{"data": [chat, ...], "total": n}``; search by phone or name."""
        query = search_query(
            search, channel_name=channel_name, account_id=account_id, labels=labels, statuses=statuses,
            limit=limit, offset=offset,
        )  # fmt: skip
        return self.send(SEARCH_CHATS.request(query=query))

    def update_labels(
        self,
        chat_id: str,
        *,
        add: Iterable[str] | str | None = None,
        remove: Iterable[str] | str | None = None,
        set: Iterable[str] | str | None = None,  # the API's name for the operation
        create_missing_labels: bool = False,
    ) -> dict[str, list[str]]:
        """Add labels, remove some, or ``set`` exactly these (``[]`` clears), by id or name; give one.
        Returns the body sent, with ids: ``{"add": ["vip"]}``."""
        request = self.labels.change(
            chat_id, add=add, remove=remove, set=set, create_missing=create_missing_labels
        )
        self.send(request)
        return request.body

    def list_labels(self, *, page_size: int = LABEL_PAGE_SIZE) -> list[dict]:
        """Every label of the project (``id``, ``name``, ``color``, ``system``); refreshes name look-ups."""
        return self.labels.read_all(page_size=page_size)

    def create_label(self, id: str, name: str, color: str | None = None) -> dict:
        """Create a label: ``id`` is what chats store, ``name`` what agents see, ``color`` ``#RRGGBB``."""
        return self.labels.create(id, name, color)

    def label_ids(
        self, names: Iterable[str] | str, *, create_missing: bool = False, preview: bool = False
    ) -> list[str]:
        """Label ids for labels given by id or name, each once, in order (see ``LabelDirectory.ids``)."""
        return self.labels.ids(names, create_missing=create_missing, preview=preview)

    def assign_chat(
        self, *, chat_id: str | None = None, phone: str | None = None, agent_email: str | None = None,
        agent_uid: str | None = None, agent_crm_id: str | None = None, department_id: str | None = None,
    ) -> dict[str, str]:  # fmt: skip
        """Make a chat (by ``chat_id`` or ``phone``) PENDING for an agent (by email, uid or CRM id), a
        department, or both. Returns the body sent (API names): ``{"chatId": ..., "agentEmail": ...}``."""
        body = assign_chat_request(
            chat_id=chat_id, phone=phone, agent_email=agent_email, agent_uid=agent_uid,
            agent_crm_id=agent_crm_id, department_id=department_id,
        )  # fmt: skip
        self.send(ASSIGN_CHAT.addressed(body=body))
        return body

    def resolve_chat(self, chat_id: str, notify_client: bool | str = False) -> dict:
        """Resolve a chat; ``notify_client`` first messages the contact, so that form is never resent."""
        body = {"notifyClient": boolean_argument(notify_client, "notify_client")}
        return self.send(RESOLVE_CHAT.request(chat_id=chat_id, body=body))

    def unsubscribe(self, phone: Any, account_id: str | None = None) -> dict:
        """Stop template messages to ``phone`` (international) from ``account_id``, or from every number."""
        return self.send(UNSUBSCRIBE.for_phone(self.phones.parse(phone), account_id))

    def resubscribe(self, phone: Any, account_id: str | None = None) -> dict:
        """Let template messages reach ``phone`` again: a consent decision, the contact's or yours."""
        return self.send(RESUBSCRIBE.for_phone(self.phones.parse(phone), account_id))

    def send_template(self, phone: Any, template_name: str, values: Sequence[str] = (), *,
                      language: str | None = None, account_id: str | None = None) -> dict:  # fmt: skip
        """Send an approved template to ``phone`` (international); never resent after an ambiguous failure."""
        message = TemplateMessage(template_name, language, account_id)
        return self.send(SEND_TEMPLATE_MESSAGE.to(self.phones.parse(phone), message, values))

    def list_templates(self, *, account_id: str | None = None, include_all: bool = False) -> list[dict]:
        """The WhatsApp templates (of one number of ours), APPROVED only unless ``include_all``."""
        return self.send(templates_request(account_id, include_all))

    def chat_messages(self, chat_id: str, *, before_time: int | None = None, before_id: str | None = None,
                      limit: int = 50) -> dict:  # fmt: skip
        """``{"messages": [oldest first], "minTime", "maxTime"}``: the newest, or those before a message."""
        return self.send(messages_request(chat_id, before_time, before_id, limit))

    def list_unsubscribed(self, *, account_id: str | None = None) -> list[dict]:
        """Who opted out of templates (from ``account_id``, or from any number of ours), oldest first."""
        return read_unsubscribed(self.send, account_id)

    def find_chat_ids(
        self, phone: Any, *, default_region: str | None = None, default_country_code: str | None = None,
        channel_name: str | None = None, account_id: str | None = None,
        on_multiple_chats: MultipleChats = "most_recent",
    ) -> list[str]:  # fmt: skip
        """The chats whose contact is exactly ``phone`` (any written form), newest first (once per number)."""
        region = default_region_of(default_region, default_country_code)
        digits = self.phones.parse(phone, default_region=region).digits
        return self.chats_by_phone.find(digits, channel_name, account_id, on_multiple_chats)

    def test_connection(self) -> tuple[bool, str]:
        """The UI's Test button: one cheap authenticated search, one attempt, answered within 10 s."""
        return check_connection(self)
