"""Names the catalogue does not list, lifecycle (retired/deprecated) and status.

Every accepted name below is deliberately absent from the data (checked first),
so these tests exercise the policy rather than the current entries.
"""

from __future__ import annotations

import copy
import json
import warnings
from importlib import resources
from typing import Any

import pytest

from langchain_qwen import ChatQwen
from langchain_qwen.catalogue import catalog, lifecycle
from langchain_qwen.catalogue.catalog import (
    DeprecatedModelWarning,
    UnknownModelWarning,
    check_model,
    lookup,
    parse_catalog,
)

KEY = "sk-test"


@pytest.fixture(autouse=True)
def _fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    # Each test sees its own "once per process" and no saved listing.
    monkeypatch.setattr(lifecycle, "_WARNED", set())
    monkeypatch.delenv("DASHSCOPE_MODEL_CACHE", raising=False)


# Newer than the data, spelled as DashScope spells ids: accepted with a warning.
NEWER = [
    "qwen5-max",
    "qwen3.9-flash",
    "qwen4-plus",
    "qwen3.8-35b-a3b",
    "qwen3.8-2.4t-a95b",
    "qwen3.8-flash-2026-12-01",  # a dated snapshot the data does not allow
    "qwen4-max-1120",  # legacy MMDD form
    "qwen3-235b-a22b-thinking-2607",  # YYMM form
    "qwen3.9-omni-flash",
    "qwen3-plus",  # differs from qwen-plus only in a number
    "deepseek-v5",
    "deepseek-r2",
    "glm-6",
    "glm-5.1",
    "kimi-k4",
    "kimi-k2.5-thinking",
]

# Typos: refused, with the name to use where one is close.
TYPOS = [
    ("qwen-plsu", "qwen-plus"),
    ("qwen3-maxx", "qwen3-max"),
    ("qwen3.9-flsh", "qwen3.8-flash"),
    ("qwen-plus-2025-13-45", "qwen-plus"),
    ("qwen-plus-2025-02-30", "qwen-plus"),
    ("qwen5-max-0231", "qwen4-max"),
    ("qwen3.8-max-1345", "qwen3.8-max"),
    ("Qwen-Plus", "qwen-plus"),
    ("qwen-max-max", "qwen-max"),
    ("deepsek-v5", "deepseek-v4"),
    ("kimi-k4-thinkng", "kimi-k"),
    ("qwen--plus", "qwen-plus"),
]


@pytest.mark.parametrize("name", NEWER)
def test_a_newer_name_is_accepted_with_one_warning(name: str) -> None:
    assert lookup(name) is None, "the test needs a name the data does not list"
    with pytest.warns(UnknownModelWarning, match="capability checks") as record:
        model = ChatQwen(model=name, api_key=KEY)
    assert len([w for w in record if w.category is UnknownModelWarning]) == 1
    assert model.model_name == name
    assert model.profile == {"status": "unknown"}
    # Once per name per process: a second model, and a per-call check, are quiet.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ChatQwen(model=name, api_key=KEY)
        assert check_model(name, "singapore") is None


def test_unknown_names_skip_the_region_check() -> None:
    with pytest.warns(UnknownModelWarning):
        model = ChatQwen(model="qwen5-max", region="us", api_key=KEY)
    assert model.region == "us"


@pytest.mark.parametrize(("name", "suggestion"), TYPOS)
def test_a_typo_is_refused_with_suggestions(name: str, suggestion: str) -> None:
    assert lookup(name) is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning on the way to the error
        with pytest.raises(ValueError, match="Unknown Qwen model") as err:
            ChatQwen(model=name, api_key=KEY)
    message = str(err.value)
    assert f"'{suggestion}" in message
    assert "validate_model=False" in message


def test_the_reason_for_refusing_is_given() -> None:
    with pytest.raises(ValueError, match="2025-02-30 is not a real date"):
        check_model("qwen-plus-2025-02-30", "singapore")
    with pytest.raises(ValueError, match="'plsu' is not a word"):
        check_model("qwen-plsu", "singapore")
    with pytest.raises(ValueError, match="lower case"):
        check_model("Qwen-Plus", "singapore")
    with pytest.raises(ValueError, match="'gpt' does not start"):
        check_model("gpt-4o", "singapore")


@pytest.mark.parametrize(
    ("name", "close"),
    [
        # Every part is a word ids use, yet two letters from a known name
        # with the same numbers: a typo.
        ("qwen-us", "qwen-plus"),
        ("qwen-vl-doc", "qwen-vl-ocr"),
    ],
)
def test_a_near_miss_is_refused_even_when_it_fits_the_grammar(
    name: str, close: str
) -> None:
    assert lookup(name) is None
    with pytest.raises(ValueError, match=f"two letters away from '{close}'"):
        check_model(name, "singapore")


def test_numbers_alone_never_make_a_near_miss() -> None:
    # One character from qwen3.8-flash / qwen3-max / deepseek-v4 / kimi-k3, but
    # in a version number: a newer model, not a typo.
    for name in ("qwen3.9-flash", "qwen5-max", "deepseek-v5", "kimi-k4"):
        with pytest.warns(UnknownModelWarning):
            assert check_model(name, "singapore") is None


def test_retired_model_fails_at_construction_with_date_and_successor() -> None:
    for name, successor in (
        ("qwq-plus", "qwen3.7-plus"),
        ("qwen-turbo", "qwen3.7-flash"),
        ("qwen-vl-max", "qwen3.7-plus"),
        ("qwen-vl-plus", "qwen3.7-plus"),
        ("qvq-max", "qwen3.7-plus"),
    ):
        with pytest.raises(ValueError, match="retired by DashScope on 2026-10-10") as e:
            ChatQwen(model=name, api_key=KEY)
        assert f"Use {successor!r} instead" in str(e.value)
        assert "notice 731" in str(e.value)


def test_a_retired_alias_takes_its_snapshots_with_it() -> None:
    with pytest.raises(ValueError, match="retired"):
        ChatQwen(model="qwq-plus-2025-03-05", region="beijing", api_key=KEY)


def test_retired_model_stays_usable_with_the_escape_hatches() -> None:
    model = ChatQwen(model="qwq-plus", api_key=KEY, validate_model=False)
    assert model.model_name == "qwq-plus"
    other = ChatQwen(model="qwq-plus", base_url="http://127.0.0.1:9/v1", api_key=KEY)
    assert other.profile["status"] == "retired"  # type: ignore[index]
    # Its rules still apply where the name is not checked.
    assert other.profile["reasoning_output"] is True  # type: ignore[index]


@pytest.mark.parametrize(
    "name", ["qwen2-7b-instruct", "qwen1.5-72b-chat", "qwen-audio-turbo"]
)
def test_retired_families_fail_with_their_date(name: str) -> None:
    # Not catalogue entries, but whole families retired on 2026-03-30: refused
    # with the date instead of passing as "newer than the catalogue".
    with pytest.raises(ValueError, match="family DashScope retired on 2026-03-30"):
        ChatQwen(model=name, api_key=KEY)
    assert ChatQwen(model=name, api_key=KEY, validate_model=False).model_name == name


def test_newer_families_are_not_caught_by_retired_prefixes() -> None:
    # qwen2.5 is not qwen2; an unknown qwen2.5 size is a newer model.
    with pytest.warns(UserWarning, match="not in langchain-qwen's catalogue"):
        ChatQwen(model="qwen2.5-9b-instruct", api_key=KEY)


def test_third_party_reported_retirements_stay_usable() -> None:
    # On a reseller's list only (docs.apiyi.com/live/2026-10/bailian-models-offline.md,
    # 3P, no Alibaba notice): active.
    for name in ("qwen3-max", "qwen3-32b", "qvq-plus", "deepseek-v3.2"):
        info = lookup(name)
        assert info is not None, name
        assert info.status() == "active", name
        assert "reseller" in info.source
    ChatQwen(model="qwen3-max", api_key=KEY)


def test_known_models_keep_the_region_check() -> None:
    with pytest.raises(ValueError, match="not offered in region 'us'"):
        ChatQwen(model="qwen3.8-max", region="us", api_key=KEY)


def _with_deprecated(monkeypatch: pytest.MonkeyPatch) -> None:
    text = (
        resources.files("langchain_qwen.data")
        .joinpath("models.json")
        .read_text(encoding="utf-8")
    )
    doc: dict[str, Any] = json.loads(text)
    entry = next(m for m in doc["models"] if m["name"] == "qwen-max")
    entry["lifecycle"] = {
        "status": "deprecated",
        "announced": "2026-11-01",
        "retires": "2027-02-01",
        "successor": "qwen4-max",
        "source": "a test notice",
    }
    parsed = parse_catalog(doc)
    monkeypatch.setattr(catalog, "_catalog", lambda: parsed)


def test_deprecated_model_warns_once_per_name(monkeypatch: pytest.MonkeyPatch) -> None:
    _with_deprecated(monkeypatch)
    with pytest.warns(DeprecatedModelWarning, match="2026-11-01") as record:
        model = ChatQwen(model="qwen-max", api_key=KEY)
    record = [w for w in record if w.category is DeprecatedModelWarning]  # type: ignore[assignment]
    assert len(record) == 1
    assert "retiring on 2027-02-01" in str(record[0].message)
    assert "'qwen4-max'" in str(record[0].message)
    assert model.profile["status"] == "deprecated"  # type: ignore[index]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ChatQwen(model="qwen-max", api_key=KEY)
        ChatQwen(model="qwen-max-latest", api_key=KEY)


def test_profile_status_and_new_keys() -> None:
    profile = ChatQwen(model="qwen4-max", api_key=KEY).profile
    assert profile is not None
    assert profile["status"] == "active"
    assert profile["release_date"] == "2026-11-16"
    assert profile["reasoning_effort_levels"] == ["low", "medium", "high", "xhigh"]
    assert profile["reasoning_effort_default"] == "xhigh"
    assert profile["structured_output"] is True
    assert profile["open_weights"] is False
    assert (
        "reasoning_effort_levels"
        not in ChatQwen(model="qwen-plus", api_key=KEY).profile
    )  # type: ignore[operator]
    assert ChatQwen(model="qwen3-32b", api_key=KEY).profile["open_weights"] is True  # type: ignore[index]


def test_the_issue_examples() -> None:
    assert ChatQwen(model="qwen4-max", api_key=KEY).profile["status"] == "active"  # type: ignore[index]
    omni = ChatQwen(
        model="qwen3.8-omni-flash", region="tokyo", workspace_id="ws-1", api_key=KEY
    )
    assert omni.profile["audio_inputs"] is True  # type: ignore[index]
    assert lookup("qwen3.8-max-0902").name == "qwen3.8-max"  # type: ignore[union-attr]
    ChatQwen(model="qwen3.8-max-0902", region="beijing", api_key=KEY)
    ChatQwen(model="qwen3.7-max", region="hongkong", api_key=KEY)


# --- the data's lifecycle and grammar are parsed strictly ---------------------


def _doc() -> dict[str, Any]:
    text = (
        resources.files("langchain_qwen.data")
        .joinpath("models.json")
        .read_text(encoding="utf-8")
    )
    doc: dict[str, Any] = json.loads(text)
    return copy.deepcopy(doc)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.update(surprise=1), "unknown keys"),
        (lambda d: d["name_grammar"].update(extra=[]), "name_grammar"),
        (lambda d: d.update(date="Dec 2026"), "date"),
        (
            lambda d: d["models"][0].update(lifecycle={"status": "gone"}),
            "lifecycle",
        ),
        (
            lambda d: d["models"][0].update(
                lifecycle={
                    "status": "retired",
                    "date": "2026-10-10",
                    "regions": ["mars"],
                    "successor": None,
                    "source": "x",
                }
            ),
            "lifecycle",
        ),
        (
            lambda d: d["models"][0].update(
                lifecycle={
                    "status": "retired",
                    "date": "2026-10-10",
                    "regions": ["beijing"],
                    "successor": "qwen-nonexistent",
                    "source": "x",
                }
            ),
            "successor",
        ),
        (lambda d: d["models"][0].update(release_date="soon"), "release_date"),
    ],
)
def test_bad_lifecycle_and_grammar_data_is_rejected(mutate: Any, message: str) -> None:
    doc = _doc()
    mutate(doc)
    with pytest.raises(ValueError, match="Invalid model catalogue") as err:
        parse_catalog(doc)
    assert message in str(err.value)


def test_every_retired_entry_names_a_live_successor() -> None:
    for name in catalog.list_models():
        info = lookup(name)
        assert info is not None
        if info.lifecycle is not None and info.lifecycle.successor:
            successor = lookup(info.lifecycle.successor)
            assert successor is not None, name
            assert successor.status() == "active", name


def test_words_of_listed_names_belong_to_the_grammar() -> None:
    grammar = catalog._grammar()
    assert {"max", "plus", "flash", "instruct", "thinking"} <= grammar.words


# --- Virginia's 600 s timeout -------------------------------------------------


def test_us_gets_a_600_second_default_timeout() -> None:
    model = ChatQwen(region="us", api_key=KEY)
    assert model.request_timeout == 600.0
    assert model.root_client.timeout == 600.0  # type: ignore[union-attr]


def test_a_timeout_the_user_gave_is_kept() -> None:
    assert ChatQwen(region="us", api_key=KEY, timeout=30).request_timeout == 30
    assert ChatQwen(region="us", api_key=KEY, request_timeout=45).request_timeout == 45
    assert ChatQwen(api_key=KEY).request_timeout is None
