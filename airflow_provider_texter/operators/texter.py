"""The single-chat operators: template the arguments, make one hook call, return what was written.

Validation lives in the hook (``validation.py``), so a bad payload fails before any request and, like
401/403/404, without Airflow retries; 429 and 5xx left after the hook's own retries use the task's.
Arguments without a JSON form (NaN, bytes, ...) fail earlier still: when the operator is built and
right after rendering, before Airflow tries to store the rendered fields as JSON and fails unhelpfully.

XCom gets ``{"chat_id", "written", "updated_at"}`` (plus ``merging_mode`` for CRM data, the label ids
for labels, the assignee for an assignment, ``notify_client`` for resolving): what a downstream task
needs to know happened, not the contact's names, phones or CRM data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow_provider_texter.actions.action import Action, Request
from airflow_provider_texter.actions.assign_chat import ASSIGN_CHAT, ASSIGNEE_FIELDS, assign_chat_request
from airflow_provider_texter.actions.manage_chat_labels import MANAGE_CHAT_LABELS
from airflow_provider_texter.actions.resolve_chat import RESOLVE_CHAT
from airflow_provider_texter.actions.update_chat_properties import (
    CHAT_PROPERTIES,
    UPDATE_CHAT_PROPERTIES,
    chat_properties_request,
)
from airflow_provider_texter.actions.update_crm_data import UPDATE_CRM_DATA, MergingMode, crm_data_request
from airflow_provider_texter.chat_lookup import MultipleChats, check_multiple_chat_policy
from airflow_provider_texter.compat import BaseOperator, ResolveMixin
from airflow_provider_texter.exceptions import (
    TexterError,
    TexterNoChatError,
    TexterPartialSendError,
    TexterPermanentError,
    TexterValidationError,
)
from airflow_provider_texter.hooks.texter import TexterHook
from airflow_provider_texter.phones import default_region_of
from airflow_provider_texter.validation import DataSchema, boolean_argument, to_json_value

if TYPE_CHECKING:
    from airflow.providers.openlineage.extractors import OperatorLineage
    from airflow.sdk import Context


class BaseTexterChatOperator(BaseOperator):
    """What every single-chat operator shares: the chat, the connection, the hook and the result.

    :param chat_id: the chat's id (24 hex characters), e.g. from Search Chats. (templated)
    :param phone: instead of ``chat_id``: the contact's phone in any written form; the chat is found
        with Search Chats and must match the number exactly. (templated)
    :param default_region: region of a local ``phone`` (``"IL"``) ...
    :param default_country_code: ... or its calling code (``"972"``).
    :param on_multiple_chats: when the phone has several chats: ``most_recent``, ``all`` or ``error``.
    :param channel_name: with ``account_id``, only chats of that channel account match the phone.
    :param texter_conn_id: the ``texter`` connection to use. (templated)
    """

    template_fields: Sequence[str] = ("chat_id", "phone", "texter_conn_id")
    # Templated values are payloads: one ending in ".json" must never be read as a template file.
    template_ext: Sequence[str] = ()
    # The API call this operator makes (its body, XCom summary and lineage come from it).
    action: Action

    def __init__(
        self,
        *,
        chat_id: str | None = None,
        phone: str | None = None,
        default_region: str | None = None,
        default_country_code: str | None = None,
        on_multiple_chats: MultipleChats = "most_recent",
        channel_name: str | None = None,
        account_id: str | None = None,
        texter_conn_id: str = TexterHook.default_conn_name,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        if (chat_id is None) == (phone is None):
            raise TexterValidationError(["chat_id and phone: give exactly one of them"], context="arguments")
        check_multiple_chat_policy(on_multiple_chats)
        default_region_of(default_region, default_country_code)
        self.chat_id = chat_id
        self.phone = phone
        self.default_region = default_region
        self.default_country_code = default_country_code
        self.on_multiple_chats = on_multiple_chats
        self.channel_name = channel_name
        self.account_id = account_id
        self.texter_conn_id = texter_conn_id

    @cached_property
    def hook(self) -> TexterHook:
        """Built on first use, so parsing a DAG never looks up the connection."""
        return TexterHook(texter_conn_id=self.texter_conn_id)

    def render_template_fields(self, context: Context, jinja_env: Any = None) -> None:
        """Render as Airflow does, then check the result before Airflow stores it as JSON."""
        super().render_template_fields(context, jinja_env)
        self.check_json_arguments()

    def check_json_arguments(self) -> None:
        """Fail, without retries, on a templated argument that has no JSON form: ``data.score: NaN is
        not a JSON value``. Values Airflow resolves later (XComArg) are checked once rendered."""
        problems: list[str] = []
        for name in self.template_fields:
            try:
                to_json_value(getattr(self, name), field=name, unresolved=_resolved_at_run_time)
            except TexterValidationError as error:
                problems += error.problems
        if problems:
            raise TexterValidationError(problems, context=f"arguments of task {self.task_id!r}")

    def execute(self, context: Context) -> dict[str, Any]:
        """Send the update to the chat (each chat of the phone, with ``on_multiple_chats="all"``); XCom
        gets the chat ids and what was written, not the chat's personal data."""
        chat_ids = self.chat_ids()
        updated_at = None
        for done, chat_id in enumerate(chat_ids):
            request = self.request(chat_id)
            try:
                chat = self.hook.send(request)
            except TexterError as error:
                if done and not request.may_resend and not isinstance(error, TexterPermanentError):
                    # An Airflow retry would message the contacts of the chats before this one again.
                    raise TexterPartialSendError(
                        f"{self.action.name} reached chats {', '.join(chat_ids[:done])}, then chat {chat_id} "
                        f"failed: {error}. Not retried, so they are not messaged twice: run it again for "
                        f"chat {chat_id} only (chat_id={chat_id!r})"
                    ) from error
                raise
            written = self.action.written_fields(request.body)
            self.log.info("Updated Texter chat %s: %s", chat_id, ", ".join(written))
            updated_at = chat.get("updatedAt") if isinstance(chat, Mapping) else None
        result = {"chat_id": chat_ids[0], **self.action.summary(request.body), "written": written}
        result["updated_at"] = updated_at
        if self.phone is not None:  # a phone may have several chats (on_multiple_chats="all")
            result["chat_ids"] = chat_ids
        return result

    def chat_ids(self) -> list[str]:
        """``[chat_id]``, or the chats of ``phone``; a phone without a chat fails the task."""
        if self.chat_id is not None:
            return [self.chat_id]
        chat_ids = self.hook.find_chat_ids(
            self.phone,
            default_region=self.default_region,
            default_country_code=self.default_country_code,
            channel_name=self.channel_name,
            account_id=self.account_id,
            on_multiple_chats=self.on_multiple_chats,
        )
        if not chat_ids:
            raise TexterNoChatError(f"no Texter chat has the contact phone {self.phone!r}")
        return chat_ids

    def request(self, chat_id: str) -> Request:
        """The checked request of this operator's call for one chat, built from its arguments."""
        raise NotImplementedError

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> OperatorLineage:
        """OpenLineage: the chats of this Texter project whose CRM data or properties the task wrote."""
        from airflow_provider_texter.lineage import chat_update_lineage

        return chat_update_lineage(self.hook, self.action)


def _resolved_at_run_time(value: Any) -> bool:
    return isinstance(value, ResolveMixin)


class TexterUpdateCrmDataOperator(BaseTexterChatOperator):
    """Write CRM data into a Texter chat, merged with what the chat holds as ``merging_mode`` says.

    The body is checked before the request: ``data`` against the API's contract and, when given,
    against ``data_schema``; every violation is reported at once and the task fails without retries.
    SQL values follow one JSON rule (see ``validation.to_json_value``): Decimal -> number,
    datetime/date -> ISO 8601 string; NaN is rejected.

    :param chat_id: the chat's id, or ``phone`` and its options (see ``BaseTexterChatOperator``). (templated)
    :param data: the CRM data to write, a dict. (templated)
    :param merging_mode: ``replace``, ``assign`` (shallow), ``merge`` (deep, the default), ``defaults``
        (only missing keys, shallow) or ``defaultsDeep``. (templated)
    :param data_schema: your own JSON Schema for ``data`` (e.g. ``plan`` one of free/pro/premium): a
        dict, or the path of a .json file (absolute, e.g. ``Path(__file__).parent / "crm.json"``).
        Not templated: a contract is code, and Jinja would mangle regex patterns in it.
    :param texter_conn_id: the ``texter`` connection to use. (templated)
    """

    template_fields: Sequence[str] = (*BaseTexterChatOperator.template_fields, "data", "merging_mode")
    template_fields_renderers = {"data": "json"}
    action = UPDATE_CRM_DATA

    def __init__(
        self,
        *,
        data: Mapping[str, Any],
        merging_mode: MergingMode = "merge",
        data_schema: DataSchema = None,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self.data = data
        self.merging_mode = merging_mode
        self.data_schema = data_schema
        self.check_json_arguments()

    def request(self, chat_id: str) -> Request:
        body = crm_data_request(self.data, self.merging_mode, data_schema=self.data_schema)
        return self.action.addressed(chat_id=chat_id, body=body)


class TexterUpdateChatOperator(BaseTexterChatOperator):
    """Set properties of a Texter chat: only the ones given (at least one) are sent, each overriding.

    ``crm_data`` here REPLACES the chat's whole CRM data (keys it lacks are deleted); to merge into
    existing CRM data use ``TexterUpdateCrmDataOperator``.

    :param chat_id: the chat's id, or ``phone`` and its options (see ``BaseTexterChatOperator``). (templated)
    :param display_name: the name agents see, at most 255 characters; "" clears it. (templated)
    :param external_bot: switch an external bot on or off; ``True``/``False`` or the text "true"/"false"
        as a template renders it. (templated)
    :param crm_data: the chat's new CRM data, replacing the old entirely. (templated)
    :param crm_deep_link: http(s) URL of the contact's record in your CRM. (templated)
    :param language: the chat's language, at most 255 characters. (templated)
    :param texter_conn_id: the ``texter`` connection to use. (templated)
    """

    template_fields: Sequence[str] = (*BaseTexterChatOperator.template_fields, *CHAT_PROPERTIES)
    template_fields_renderers = {"crm_data": "json"}
    action = UPDATE_CHAT_PROPERTIES

    def __init__(
        self,
        *,
        display_name: str | None = None,
        external_bot: bool | str | None = None,
        crm_data: Mapping[str, Any] | None = None,
        crm_deep_link: str | None = None,
        language: str | None = None,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self.display_name = display_name
        self.external_bot = external_bot
        self.crm_data = crm_data
        self.crm_deep_link = crm_deep_link
        self.language = language
        self.check_json_arguments()

    def request(self, chat_id: str) -> Request:
        if self.crm_data is not None:
            self.log.warning(
                "crm_data REPLACES the whole CRM data of chat %s: keys missing from it are deleted. "
                "To merge into the existing CRM data use TexterUpdateCrmDataOperator with "
                "merging_mode='merge' (or assign, defaults, defaultsDeep).",
                chat_id,
            )
        return self.action.addressed(chat_id=chat_id, body=chat_properties_request(self.properties()))

    def properties(self) -> dict[str, Any]:
        """The properties given (not None), by their Python names."""
        values = {name: getattr(self, name) for name in CHAT_PROPERTIES}
        return {name: value for name, value in values.items() if value is not None}


class TexterUpdateLabelsOperator(BaseTexterChatOperator):
    """Add labels to a Texter chat, remove some, or set exactly these; give one of the three.

    Labels by id or by name (as agents see it); a name no label has fails the task before any write,
    listing the known names, unless ``create_missing_labels`` (then it is created: id = the name in
    lowercase with spaces as ``-``, default colour). XCom: ``{"chat_id", "add"|"remove"|"set": [ids]}``.

    :param chat_id: the chat's id, or ``phone`` and its options (see ``BaseTexterChatOperator``). (templated)
    :param add: labels to give the chat; those it has stay. (templated)
    :param remove: labels to take from it; one it does not have is no error. (templated)
    :param set: the chat's labels from now on; ``[]`` clears them. (templated)
    :param create_missing_labels: create the labels ``add``/``set`` name that do not exist yet.
    :param texter_conn_id: the ``texter`` connection to use. (templated)
    """

    template_fields: Sequence[str] = (*BaseTexterChatOperator.template_fields, "add", "remove", "set")
    action = MANAGE_CHAT_LABELS

    def __init__(
        self,
        *,
        add: Sequence[str] | str | None = None,
        remove: Sequence[str] | str | None = None,
        set: Sequence[str] | str | None = None,  # the API's name for the operation
        create_missing_labels: bool = False,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        given = [value for value in (add, remove, set) if value is not None]
        if len(given) != 1:
            problem = "add, remove and set: give exactly one of them"
            raise TexterValidationError([problem], context="arguments")
        self.add = add
        self.remove = remove
        self.set = set
        self.create_missing_labels = create_missing_labels
        self.check_json_arguments()

    def request(self, chat_id: str) -> Request:
        """Label names resolved to ids (read once per hook; unknown ones created when asked)."""
        return self.hook.labels.change(
            chat_id, add=self.add, remove=self.remove, set=self.set, create_missing=self.create_missing_labels
        )


class TexterAssignChatOperator(BaseTexterChatOperator):
    """Assign a Texter chat: it becomes PENDING for an agent, a department, or an agent of a department.

    :param chat_id: the chat's id, or ``phone`` and its options (see ``BaseTexterChatOperator``). (templated)
    :param agent_email: the agent by email ... (templated)
    :param agent_uid: ... or by Texter user id ... (templated)
    :param agent_crm_id: ... or by id in your CRM; at most one of the three. (templated)
    :param department_id: the department; with no agent, the chat waits for any agent of it. (templated)
    :param texter_conn_id: the ``texter`` connection to use. (templated)
    """

    template_fields: Sequence[str] = (*BaseTexterChatOperator.template_fields, *ASSIGNEE_FIELDS)
    action = ASSIGN_CHAT

    def __init__(
        self,
        *,
        agent_email: str | None = None,
        agent_uid: str | None = None,
        agent_crm_id: str | None = None,
        department_id: str | None = None,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self.agent_email = agent_email
        self.agent_uid = agent_uid
        self.agent_crm_id = agent_crm_id
        self.department_id = department_id
        # The chat is known at run time only (and an XComArg's value too): placeholders stand in for them,
        # so the assignee's shape is checked now, before a request.
        assignee = {
            name: "resolved at run time" if _resolved_at_run_time(value) else value
            for name, value in self.assignee().items()
        }
        assign_chat_request(chat_id="any chat", phone=None, **assignee)
        self.check_json_arguments()

    def request(self, chat_id: str) -> Request:
        # A phone is resolved to its chats by the base class, so the API never has to pick one.
        return self.action.addressed(body=assign_chat_request(chat_id=chat_id, phone=None, **self.assignee()))

    def assignee(self) -> dict[str, str | None]:
        return {name: getattr(self, name) for name in ASSIGNEE_FIELDS}


class TexterResolveChatOperator(BaseTexterChatOperator):
    """Resolve a Texter chat (from any status); its next incoming message goes back to the bot.

    :param chat_id: the chat's id, or ``phone`` and its options (see ``BaseTexterChatOperator``). (templated)
    :param notify_client: first send the client the default resolution message; ``True``/``False`` or
        the text "true"/"false" as a template renders it. (templated)
    :param texter_conn_id: the ``texter`` connection to use. (templated)
    """

    template_fields: Sequence[str] = (*BaseTexterChatOperator.template_fields, "notify_client")
    action = RESOLVE_CHAT

    def __init__(self, *, notify_client: bool | str = False, **kwargs: Any):
        super().__init__(**kwargs)
        self.notify_client = notify_client
        self.check_json_arguments()

    def request(self, chat_id: str) -> Request:
        body = {"notifyClient": boolean_argument(self.notify_client, "notify_client")}
        return self.action.request(chat_id=chat_id, body=body)
