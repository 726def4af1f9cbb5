"""The sandbox's merging modes against real lodash (node) on random writes aimed at the corners.

Each case is a stored crmData and a request's ``data`` whose paths overlap, so that objects meet arrays,
index-like keys meet slots, and nulls, empty containers and lodash's special keys meet values. Both
answers are compared as JSON, key order included. The seed is fixed and printed; another seed can be
tried with ``TEXTER_MERGING_SEED=<n>``.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_texter.sandbox.merging import (
    MAX_ARRAY_LENGTH,
    MERGING_MODES,
    MergeFailure,
    apply_merging_mode,
)

LODASH_VERSION = "4.17.21"
CASES = 20_000
SEED = int(os.environ.get("TEXTER_MERGING_SEED", "20261125"))
RUNNER = Path(__file__).with_name("lodash_merging.js")

# keys that are array indexes, keys that only look like numbers, keys lodash or JavaScript treat apart
INDEX_KEYS = ("0", "1", "2", "3", "5", "10")
NUMBER_LIKE_KEYS = ("01", "-1", "1.5", "-0", "1e1", " 1", "4294967294", "4294967295", "9007199254740993")
SPECIAL_KEYS = ("length", "__proto__", "constructor", "toString", "valueOf", "hasOwnProperty", "prototype")
WORD_KEYS = ("a", "b", "x", "", "é", "ключ", "😀", "\u2028")
NUMBERS = (0, 1, 2, 3, -1, 1.5, 2.0, 1_000_001, 2**32)  # lengths: valid, invalid, too long for the sandbox
TEXTS = ("", "x", "2", " 0x2 ", "1e1", "é")  # some are numbers to JavaScript
PRIMITIVES = (None, None, True, False, *NUMBERS, *TEXTS)
_ABSENT = object()


def random_key(rng: random.Random) -> str:
    group = rng.choices((INDEX_KEYS, NUMBER_LIKE_KEYS, SPECIAL_KEYS, WORD_KEYS), weights=(4, 1, 2, 3))[0]
    return rng.choice(group)


def random_value(rng: random.Random, depth: int, meets: Any = _ABSENT, *, container: bool = False) -> Any:
    """A JSON value; ``meets`` is the value at the same path in the other input, whose keys it reuses.

    Half of the containers that meet a container are of the other kind: objects meet arrays.
    """
    if not container and (depth == 0 or rng.random() < 0.25):
        return rng.choice(PRIMITIVES)
    if isinstance(meets, (dict, list)) and rng.random() < 0.5:
        as_array = isinstance(meets, dict)
    else:
        as_array = rng.random() < 0.45
    size = rng.choice((0, 1, 1, 2, 2, 3, 4))
    if as_array and not container:
        return [random_value(rng, depth - 1, _child(meets, str(index))) for index in range(size)]
    if isinstance(meets, dict):
        known = list(meets)
    elif isinstance(meets, list):
        known = [str(index) for index in range(len(meets) + 3)] + ["length"]  # slots, past the end, length
    else:
        known = []
    keys = [rng.choice(known) if known and rng.random() < 0.7 else random_key(rng) for _ in range(size)]
    return {key: random_value(rng, depth - 1, _child(meets, key)) for key in keys}


def _child(value: Any, key: str) -> Any:
    if isinstance(value, dict):
        return value.get(key, _ABSENT)
    if isinstance(value, list) and key.isdigit() and int(key) < len(value):
        return value[int(key)]
    return _ABSENT


def random_cases(seed: int, count: int) -> list[tuple[str, str, str]]:
    """``count`` cases ``(mode, current JSON, data JSON)``, the five modes in turn."""
    rng = random.Random(seed)
    cases = []
    for number in range(count):
        current = random_value(rng, rng.randint(1, 6), container=True)
        data = random_value(rng, rng.randint(1, 6), current, container=True)
        cases.append((MERGING_MODES[number % len(MERGING_MODES)], json.dumps(current), json.dumps(data)))
    return cases


def ordered(value: Any) -> Any:
    """``value`` with objects as tuples of pairs, so that key order counts; ``2.0`` written as ``2``."""
    if isinstance(value, dict):
        return tuple((key, ordered(item)) for key, item in value.items())
    if isinstance(value, list):
        return [ordered(item) for item in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def sandbox_answer(mode: str, current: str, data: str) -> Any:
    try:
        return ordered(apply_merging_mode(json.loads(current), json.loads(data), mode))
    except MergeFailure:
        return "failure"


def start_lodash(lodash_directory: Path, cases: list[tuple[str, str, str]]) -> subprocess.Popen:
    """node working through the cases, started first so that it runs while the sandbox does the same."""
    with tempfile.TemporaryFile("w+", encoding="utf-8") as batch:
        json.dump(cases, batch)
        batch.seek(0)
        command = ["node", str(RUNNER), str(lodash_directory), str(MAX_ARRAY_LENGTH)]
        return subprocess.Popen(
            command, stdin=batch, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )


def lodash_answers(node: subprocess.Popen) -> list[Any]:
    stdout, stderr = node.communicate(timeout=300)
    assert node.returncode == 0, f"node failed: {stderr}"
    return [
        "failure" if isinstance(answer, dict) else ordered(json.loads(answer))
        for answer in json.loads(stdout)
    ]


@pytest.fixture(scope="module")
def lodash_directory(request) -> Path:
    """lodash from npm, installed once into pytest's cache directory (git-ignored)."""
    if not (shutil.which("node") and shutil.which("npm")):
        pytest.skip("node and npm are needed to run real lodash; the table in test_merging.py still runs")
    cache = getattr(request.config, "cache", None)
    if cache is None:
        pytest.skip("lodash is installed into pytest's cache, and the cache plugin is off")
    directory = cache.mkdir(f"lodash-{LODASH_VERSION}")
    if not (directory / "node_modules" / "lodash" / "package.json").exists():
        install = ["npm", "install", "--prefix", str(directory), "--no-save", "--no-audit", "--no-fund"]
        try:
            completed = subprocess.run(
                [*install, f"lodash@{LODASH_VERSION}"], capture_output=True, text=True, timeout=300
            )
        except subprocess.TimeoutExpired:
            pytest.skip(f"npm did not install lodash@{LODASH_VERSION} within 5 minutes")
        if completed.returncode:
            pytest.skip(f"npm could not install lodash@{LODASH_VERSION}: {completed.stderr.strip()[-500:]}")
    return directory


def test_every_mode_agrees_with_lodash_on_random_corner_cases(lodash_directory):
    print(f"lodash differential test: {CASES} cases, seed {SEED} (TEXTER_MERGING_SEED to change)")
    started = time.perf_counter()
    cases = random_cases(SEED, CASES)
    node = start_lodash(lodash_directory, cases)
    answers = [sandbox_answer(*case) for case in cases]
    differences = [
        (case, expected, answer)
        for case, expected, answer in zip(cases, lodash_answers(node), answers, strict=True)
        if answer != expected
    ]
    print(f"{len(differences)} differences in {time.perf_counter() - started:.1f} s")
    shown = "\n".join(
        f"  {mode} current={current} data={data}\n    lodash:  {lodash}\n    sandbox: {sandbox}"
        for (mode, current, data), lodash, sandbox in differences[:5]
    )
    assert not differences, f"seed {SEED}: {len(differences)} of {CASES} cases differ from lodash:\n{shown}"


def corners_reached(current: Any, data: Any) -> set[str]:
    """The corners one case reaches: what each value of ``data`` meets at its path in ``current``."""
    reached = set()
    pending = [(current, data, 0)]
    while pending:
        existing, value, depth = pending.pop()
        if isinstance(existing, list) and isinstance(value, dict):
            reached.add("object meets array")
            if any(key.isdigit() and int(key) > len(existing) for key in value):
                reached.add("index key past the end of an array")
            if "length" in value:
                reached.add("length key meets array")
        if isinstance(existing, dict) and isinstance(value, list):
            reached.add("array meets object")
        if (existing is None and isinstance(value, (dict, list))) or (
            value is None and isinstance(existing, (dict, list))
        ):
            reached.add("null meets container")
        if value in ({}, []):
            reached.add("empty container")
        if depth >= 5:
            reached.add("5 levels deep")
        if isinstance(value, dict):
            reached.update(f"{key} key" for key in value if key in SPECIAL_KEYS + NUMBER_LIKE_KEYS)
            if not all(key.isascii() for key in value):
                reached.add("unicode key")
            children = value.items()
        else:
            children = enumerate(value) if isinstance(value, list) else ()
        pending.extend((_child(existing, str(key)), item, depth + 1) for key, item in children)
    return reached


def test_the_random_cases_reach_every_corner_often():
    """The random cases are worth their run time only if each corner shows up in many of them."""
    cases = random_cases(SEED, 2_000)
    counts = Counter(
        corner for _, current, data in cases for corner in corners_reached(*map(json.loads, (current, data)))
    )
    expected = {
        "object meets array",
        "index key past the end of an array",
        "length key meets array",
        "array meets object",
        "null meets container",
        "empty container",
        "5 levels deep",
        "unicode key",
    }
    expected |= {f"{key} key" for key in SPECIAL_KEYS + NUMBER_LIKE_KEYS}
    rare = {corner: counts[corner] for corner in expected if counts[corner] < 40}
    assert not rare, f"corners in fewer than 2 % of the cases: {rare}"
