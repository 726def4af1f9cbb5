"""The single-chat operators: template the arguments, make one hook call, return what was written.

Validation lives in the hook (``validation.py``), so a bad payload fails before any request and, like
401/403/404, without Airflow retries; 429 and 5xx left after the hook's own retries use the task's.
Arguments without a JSON form (NaN, bytes, ...) fail earlier still: when the operator is built and
right after rendering, before Airflow tries to store the rendered fields as JSON and fails unhelpfully.

XCom gets ``{"chat_id", "written", "updated_at"}`` (plus ``merging_mode`` for CRM data): what a
downstream task needs to know happened, not the contact's names, phones or CRM data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow_provider_texter.compat import BaseOperator, ResolveMixin
from airflow_provider_texter.exceptions import TexterValidationError
from airflow_provider_texter.hooks.texter import TexterHook
from airflow_provider_texter.validation import CHAT_PROPERTIES, DataSchema, to_json_value

if TYPE_CHECKING:
    from airflow.sdk import Context


class BaseTexterChatOperator(BaseOperator):
    """What every single-chat operator shares: the chat, the connection, the hook and the result.

    :param chat_id: the chat's id (24 hex characters), e.g. from Search Chats. (templated)
    :param texter_conn_id: the ``texter`` connection to use.
    """

    template_fields: Sequence[str] = ("chat_id",)
    # Templated values are payloads: one ending in ".json" must never be read as a template file.
    template_ext: Sequence[str] = ()

    def __init__(self, *, chat_id: str, texter_conn_id: str = TexterHook.default_conn_name, **kwargs: Any):
        super().__init__(**kwargs)
        self.chat_id = chat_id
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
        """Send the update; XCom gets the chat id and what was written, not the chat's personal data."""
        chat = self.send()
        self.log.info("Updated Texter chat %s: %s", self.chat_id, ", ".join(self.written()))
        result = {"chat_id": self.chat_id, **self.summary(), "written": self.written()}
        result["updated_at"] = chat.get("updatedAt") if isinstance(chat, Mapping) else None
        return result

    def send(self) -> Any:
        """The one hook call of this operator."""
        raise NotImplementedError

    def written(self) -> list[str]:
        """The keys this update wrote, as the API names them."""
        raise NotImplementedError

    def summary(self) -> dict[str, Any]:
        """Settings of this update a downstream task may need, besides the chat and the keys."""
        return {}


def _resolved_at_run_time(value: Any) -> bool:
    return isinstance(value, ResolveMixin)


class TexterUpdateCrmDataOperator(BaseTexterChatOperator):
    """Write CRM data into a Texter chat, merged with what the chat holds as ``merging_mode`` says.

    The body is checked before the request: ``data`` against the API's contract and, when given,
    against ``data_schema``; every violation is reported at once and the task fails without retries.
    SQL values follow one JSON rule (see ``validation.to_json_value``): Decimal -> number,
    datetime/date -> ISO 8601 string; NaN is rejected.

    :param chat_id: the chat's id. (templated)
    :param data: the CRM data to write, a dict. (templated)
    :param merging_mode: ``replace``, ``assign`` (shallow), ``merge`` (deep, the default), ``defaults``
        (only missing keys, shallow) or ``defaultsDeep``. (templated)
    :param data_schema: your own JSON Schema for ``data`` (e.g. ``plan`` one of free/pro/premium): a
        dict, or the path of a .json file (absolute, e.g. ``Path(__file__).parent / "crm.json"``).
        Not templated: a contract is code, and Jinja would mangle regex patterns in it.
    :param texter_conn_id: the ``texter`` connection to use.
    """

    template_fields: Sequence[str] = ("chat_id", "data", "merging_mode")
    template_fields_renderers = {"data": "json"}

    def __init__(
        self,
        *,
        chat_id: str,
        data: Mapping[str, Any],
        merging_mode: str = "merge",
        data_schema: DataSchema = None,
        **kwargs: Any,
    ):
        super().__init__(chat_id=chat_id, **kwargs)
        self.data = data
        self.merging_mode = merging_mode
        self.data_schema = data_schema
        self.check_json_arguments()

    def send(self) -> Any:
        return self.hook.update_crm_data(
            self.chat_id, self.data, self.merging_mode, data_schema=self.data_schema
        )

    def written(self) -> list[str]:
        return list(self.data)

    def summary(self) -> dict[str, Any]:
        return {"merging_mode": self.merging_mode}


class TexterUpdateChatOperator(BaseTexterChatOperator):
    """Set properties of a Texter chat: only the ones given (at least one) are sent, each overriding.

    ``crm_data`` here REPLACES the chat's whole CRM data (keys it lacks are deleted); to merge into
    existing CRM data use ``TexterUpdateCrmDataOperator``.

    :param chat_id: the chat's id. (templated)
    :param display_name: the name agents see, at most 255 characters; "" clears it. (templated)
    :param external_bot: switch an external bot on or off; ``True``/``False`` or the text "true"/"false"
        as a template renders it. (templated)
    :param crm_data: the chat's new CRM data, replacing the old entirely. (templated)
    :param crm_deep_link: http(s) URL of the contact's record in your CRM. (templated)
    :param language: the chat's language, at most 255 characters. (templated)
    :param texter_conn_id: the ``texter`` connection to use.
    """

    template_fields: Sequence[str] = ("chat_id", *CHAT_PROPERTIES)
    template_fields_renderers = {"crm_data": "json"}

    def __init__(
        self,
        *,
        chat_id: str,
        display_name: str | None = None,
        external_bot: bool | str | None = None,
        crm_data: Mapping[str, Any] | None = None,
        crm_deep_link: str | None = None,
        language: str | None = None,
        **kwargs: Any,
    ):
        super().__init__(chat_id=chat_id, **kwargs)
        self.display_name = display_name
        self.external_bot = external_bot
        self.crm_data = crm_data
        self.crm_deep_link = crm_deep_link
        self.language = language
        self.check_json_arguments()

    def send(self) -> Any:
        if self.crm_data is not None:
            self.log.warning(
                "crm_data REPLACES the whole CRM data of chat %s: keys missing from it are deleted. "
                "To merge into the existing CRM data use TexterUpdateCrmDataOperator with "
                "merging_mode='merge' (or assign, defaults, defaultsDeep).",
                self.chat_id,
            )
        return self.hook.update_chat(self.chat_id, self.properties())

    def written(self) -> list[str]:
        return [CHAT_PROPERTIES[name] for name in self.properties()]

    def properties(self) -> dict[str, Any]:
        """The properties given (not None), by their Python names."""
        values = {name: getattr(self, name) for name in CHAT_PROPERTIES}
        return {name: value for name, value in values.items() if value is not None}
