"""Check request bodies before any HTTP request, so a bad payload fails fast with every problem named.

The request contracts are JSON Schema files in ``schemas/`` (draft 2020-12, formats checked), compiled
once at import. Each problem reads ``field.path: what is wrong``, e.g.
``data.plan: 'gold' is not one of 'free', 'pro', 'premium'``.
"""

from __future__ import annotations

import json
import math
import os
import re
import reprlib
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, time
from decimal import Decimal
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any, cast
from uuid import UUID

from jsonschema import Draft202012Validator, SchemaError, ValidationError
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for

from airflow_provider_texter.exceptions import TexterValidationError

DataSchema = Mapping[str, Any] | str | os.PathLike | Validator | None
Unresolved = Callable[[Any], bool] | None  # tells values resolved only at run time, left unchecked

TYPE_NAMES = {
    "object": "an object",
    "array": "an array",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean",
    "null": "null",
}
BOUNDS = {"minimum": ">=", "maximum": "<=", "exclusiveMinimum": ">", "exclusiveMaximum": "<"}
# Deeper JSON is a bug or a cycle, not CRM data: refuse it with its field path before Python's
# recursion limit (or the API's parser) refuses it less helpfully.
MAX_JSON_DEPTH = 64

_REPR = reprlib.Repr()
_REPR.maxstring = 80
_REPR.maxother = 80


def _packaged_validator(name: str) -> Draft202012Validator:
    """A shipped schema, itself checked: a broken file fails at import, not on someone's request."""
    # One step at a time: Traversable.joinpath takes several parts only from Python 3.11.
    text = (files("airflow_provider_texter") / "schemas" / f"{name}.json").read_text(encoding="utf-8")
    schema = json.loads(text)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


# Every request contract shipped in schemas/, by file name without ".json"; compiled once, at import.
REQUEST_VALIDATORS: dict[str, Draft202012Validator] = {
    entry.name.removesuffix(".json"): _packaged_validator(entry.name.removesuffix(".json"))
    for entry in files("airflow_provider_texter").joinpath("schemas").iterdir()
    if entry.name.endswith(".json")
}


def to_json_value(value: Any, *, field: str, unresolved: Unresolved = None) -> Any:
    """Turn a Python value (e.g. a SQL row's) into its JSON form by one rule, or name what has none.

    - ``None``, ``bool``, ``int``, ``str``: as they are; ``float``: as is, but NaN and ±infinity are
      rejected.
    - ``Decimal``: an ``int`` when integral (``Decimal("42.00")`` -> ``42``), else a ``float``;
      NaN and ±infinity rejected.
    - ``datetime``: ISO 8601 ``isoformat()``, with its offset when aware (a naive one stays naive: no
      zone is guessed).
    - ``date``: ``"YYYY-MM-DD"``; ``time``: ``isoformat()``; ``UUID``: its string.
    - ``list``/``tuple``: a list; a mapping: a dict whose keys must be strings. Nested values follow
      the same rule.
    - Anything else (bytes, sets, objects) is rejected: ``data.tags[2]: bytes is not a JSON value``.
    - Lists and mappings nested more than ``MAX_JSON_DEPTH`` (64) levels deep (or containing
      themselves) are rejected at the field where the limit is crossed.

    Every problem is collected before one ``TexterValidationError`` is raised. Values for which
    ``unresolved`` is true (e.g. an XComArg when a DAG is parsed) are left as they are, unchecked.
    """
    problems: list[str] = []
    result = convert_json(value, field, problems, unresolved=unresolved)
    if problems:
        raise TexterValidationError(problems)
    return result


def convert_json(value: Any, path: str, problems: list[str], depth: int = 0, unresolved: Unresolved = None):
    if unresolved is not None and unresolved(value):
        return value
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, Decimal):
        if value.is_finite():
            integral = value == value.to_integral_value()
            return int(value) if integral else convert_json(float(value), path, problems)
        problems.append(f"{path}: {'NaN' if value.is_nan() else _infinity(value)} is not a JSON value")
        return None
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        problems.append(f"{path}: {'NaN' if math.isnan(value) else _infinity(value)} is not a JSON value")
        return None
    if isinstance(value, (datetime, time)):  # datetime before date: it is a date subclass
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, (list, tuple, Mapping)) and depth >= MAX_JSON_DEPTH:
        problems.append(f"{path}: nested deeper than {MAX_JSON_DEPTH} levels")
        return None
    if isinstance(value, (list, tuple)):
        return [
            convert_json(item, f"{path}[{index}]", problems, depth + 1, unresolved)
            for index, item in enumerate(value)
        ]
    if isinstance(value, Mapping):
        converted = {}
        for key, item in value.items():
            if isinstance(key, str):
                converted[key] = convert_json(item, f"{path}.{key}", problems, depth + 1, unresolved)
            else:
                problems.append(f"{path}: key {key!r} is not a string")
        return converted
    problems.append(f"{path}: {type(value).__name__} is not a JSON value")
    return None


def _infinity(value: float | Decimal) -> str:
    return "-inf" if value < 0 else "inf"


def load_data_schema(data_schema: DataSchema) -> Validator | None:
    """The compiled validator for a user's own CRM data contract (a dict, a .json file path, or a validator).

    Compiled validators are cached by schema text, so a mapped task or a long row loop compiles once.
    A relative path is read from the current working directory.
    """
    if data_schema is None:
        return None
    if isinstance(data_schema, Mapping):
        try:
            text = json.dumps(data_schema, sort_keys=True)
        except (TypeError, ValueError) as error:
            raise _schema_error(f"the given dict is not JSON: {error}") from error
        return _compile_data_schema(text, "the given dict")
    if isinstance(data_schema, (str, os.PathLike)):
        path = Path(data_schema)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise _schema_error(f"cannot read {path}: {error}") from error
        return _compile_data_schema(text, str(path))
    if isinstance(data_schema, Validator):  # type: ignore[misc]  # runtime_checkable in jsonschema, not its stubs
        return data_schema
    raise _schema_error(
        f"expected a dict, a path to a .json file or a jsonschema validator, got {type(data_schema).__name__}"
    )


@lru_cache(maxsize=128)
def _compile_data_schema(text: str, source: str) -> Validator:
    try:
        schema = json.loads(text)
    except ValueError as error:
        raise _schema_error(f"{source} is not valid JSON: {error}") from error
    validator_class = validator_for(schema, default=Draft202012Validator)  # honours a declared "$schema"
    try:
        validator_class.check_schema(schema)
    except SchemaError as error:
        where = _path(error.absolute_path)
        raise _schema_error(
            f"{source} is not a valid JSON Schema: {where + ': ' if where else ''}{error.message}"
        ) from error
    return validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)


def _schema_error(problem: str) -> TexterValidationError:
    return TexterValidationError([f"data_schema: {problem}"], context="CRM data contract")


def check_request(schema_name: str, body: Any, *, context: str) -> None:
    """Check a request body against its shipped schema; one ``TexterValidationError`` lists every problem."""
    problems = schema_problems(REQUEST_VALIDATORS[schema_name], body)
    if problems:
        raise TexterValidationError(list(dict.fromkeys(problems)), context=context)


def boolean_argument(value: Any, field: str) -> Any:
    """``True``/``False``, or the text ``"true"``/``"false"`` (any case) as a template renders it.

    Other values are returned as they are, for the request schema to name.
    """
    if not isinstance(value, str):
        return value
    problems: list[str] = []
    result = boolean_text(value, field, problems)
    if problems:
        raise TexterValidationError(problems, context="arguments")
    return result


def boolean_text(value: str, field: str, problems: list[str]) -> bool | None:
    text = value.strip().lower()
    if text in ("true", "false"):
        return text == "true"
    problems.append(f"{field}: must be true or false, got {_show(value)}")
    return None


def schema_problems(
    validator: Validator,
    instance: Any,
    *,
    prefix: tuple[str, ...] = (),
    rename: Mapping[str, str] | None = None,
) -> list[str]:
    """Every violation as ``field.path: what is wrong``, sorted by field; ``rename`` maps top-level keys."""
    found = []
    for error in validator.iter_errors(instance):
        for parts, text in _explain(error, [*prefix, *error.absolute_path]):
            if rename and parts and parts[0] in rename:
                parts = [rename[parts[0]], *parts[1:]]
            found.append((parts, text))
    # jsonschema's own order depends on its keyword order; sorting by field keeps messages stable
    found.sort(key=lambda item: [(isinstance(part, str), part) for part in item[0]])
    return [f"{_path(parts)}: {text}" if parts else text for parts, text in found]


def _explain(error: ValidationError, parts: list[Any]) -> Iterable[tuple[list[Any], str]]:
    """(field path, what is wrong) pairs for one jsonschema error; some keywords point at a child field."""
    # Errors from iter_errors carry these; the stubs also allow "unset", for errors built by hand.
    keyword = cast(str, error.validator)
    expected, value = cast(Any, error.validator_value), cast(Any, error.instance)
    schema: Mapping[str, Any] = error.schema if isinstance(error.schema, Mapping) else {}  # or a boolean
    custom = schema.get("errorMessage")
    if isinstance(custom, Mapping) and keyword in custom:
        yield parts, custom[keyword].replace("{value}", _show(value))
    elif keyword == "required":
        yield from (([*parts, name], "is required") for name in expected if name not in value)
    elif keyword == "additionalProperties" and expected is False:
        declared = schema.get("properties", {})
        patterns = schema.get("patternProperties", {})
        for name in value:
            if name not in declared and not any(re.search(pattern, name) for pattern in patterns):
                yield [*parts, name], "is not an allowed property"
    else:
        yield parts, _describe(keyword, expected, value, error.message)


def _describe(keyword: str, expected: Any, value: Any, fallback: str) -> str:
    if keyword == "enum":
        return f"{_show(value)} is not one of {', '.join(_show(option) for option in expected)}"
    if keyword == "const":
        return f"must be {_show(expected)}, got {_show(value)}"
    if keyword == "type":
        types = [expected] if isinstance(expected, str) else expected
        return f"must be {' or '.join(TYPE_NAMES.get(name, name) for name in types)}, got {_show(value)}"
    if keyword in ("maxLength", "minLength"):
        bound = "at most" if keyword == "maxLength" else "at least"
        return f"must be {bound} {expected} characters, got {len(value)}"
    if keyword in ("maxItems", "minItems"):
        bound = "at most" if keyword == "maxItems" else "at least"
        return f"must have {bound} {expected} items, got {len(value)}"
    if keyword in BOUNDS:
        return f"must be {BOUNDS[keyword]} {expected}, got {_show(value)}"
    if keyword == "pattern":
        return f"{_show(value)} does not match {expected!r}"
    if keyword == "format":
        return f"{_show(value)} is not a valid {expected}"
    return fallback


def _path(parts: Iterable[Any]) -> str:
    """``["data", "tags", 2]`` -> ``data.tags[2]``."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _show(value: Any) -> str:
    return _REPR.repr(value)
