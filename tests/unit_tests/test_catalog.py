"""The model catalogue: data integrity, lookup, validation, listing, profiles."""

from __future__ import annotations

import copy
import json
import re
from importlib import resources
from typing import Any

import pytest
from langchain_core.language_models.model_profile import ModelProfile

from langchain_qwen.catalogue import catalog
from langchain_qwen.catalogue.catalog import (
    REGIONS,
    ModelInfo,
    check_model,
    list_models,
    lookup,
    parse_catalog,
)
from langchain_qwen.catalogue.profiles import model_profile

GLOBAL_REGIONS = ("us", "frankfurt", "hongkong", "tokyo")

# The models the seed page ("OpenAI compatible - Chat", ja, last updated
# 2026-02-17) lists per deployment scope, copied here so that the repository
# stands alone. "and later" snapshots are represented by the first one named.
SEED_MODELS: dict[str, str] = {
    "global": """
        qwen3-max qwen3-max-preview qwen3-max-2025-09-23
        qwen-plus qwen-plus-latest qwen-plus-2025-01-25
        qwen-flash qwen-flash-2025-07-28
        qwen3-next-80b-a3b-thinking qwen3-next-80b-a3b-instruct
        qwen3-235b-a22b-thinking-2507 qwen3-235b-a22b-instruct-2507
        qwen3-30b-a3b-thinking-2507 qwen3-30b-a3b-instruct-2507
        qwen3-235b-a22b qwen3-32b qwen3-30b-a3b qwen3-14b qwen3-8b
    """,
    "international": """
        qwen3-max qwen3-max-preview qwen3-max-2025-09-23
        qwen-max qwen-max-latest qwen-max-2025-01-25
        qwen3.5-plus qwen3.5-plus-2026-02-15
        qwen-plus qwen-plus-latest qwen-plus-2025-01-25
        qwen-flash qwen-flash-2025-07-28
        qwen-turbo qwen-turbo-latest qwen-turbo-2024-11-01
        qwen3-coder-plus qwen3-coder-plus-2025-07-22
        qwen3-coder-flash qwen3-coder-flash-2025-07-28
        qwq-plus
        qwen3.5-397b-a17b
        qwen3-next-80b-a3b-thinking qwen3-next-80b-a3b-instruct
        qwen3-235b-a22b-thinking-2507 qwen3-235b-a22b-instruct-2507
        qwen3-30b-a3b-thinking-2507 qwen3-30b-a3b-instruct-2507
        qwen3-235b-a22b qwen3-32b qwen3-30b-a3b qwen3-14b qwen3-8b
        qwen3-4b qwen3-1.7b qwen3-0.6b
        qwen2.5-14b-instruct-1m qwen2.5-7b-instruct-1m
        qwen2.5-72b-instruct qwen2.5-32b-instruct qwen2.5-14b-instruct
        qwen2.5-7b-instruct
    """,
    "us": """
        qwen-plus-us qwen-plus-2025-12-01-us
        qwen-flash-us qwen-flash-2025-07-28-us
    """,
    "mainland": """
        qwen3-max qwen3-max-preview qwen3-max-2025-09-23
        qwen-max qwen-max-latest qwen-max-2024-09-19
        qwen3.5-plus qwen3.5-plus-2026-02-15
        qwen-plus qwen-plus-latest qwen-plus-2024-12-20
        qwen-flash qwen-flash-2025-07-28
        qwen-turbo qwen-turbo-latest qwen-turbo-2025-04-28
        qwen3-coder-plus qwen3-coder-plus-2025-07-22
        qwen3-coder-flash qwen3-coder-flash-2025-07-28
        qwen-coder-plus qwen-coder-plus-latest qwen-coder-plus-2024-11-06
        qwen-coder-turbo qwen-coder-turbo-latest qwen-coder-turbo-2024-09-19
        qwq-plus qwq-plus-latest qwq-plus-2025-03-05
        qwen-math-plus qwen-math-plus-latest qwen-math-plus-2024-08-16
        qwen-math-turbo qwen-math-turbo-latest qwen-math-turbo-2024-09-19
        qwen3.5-397b-a17b
        qwen3-next-80b-a3b-thinking qwen3-next-80b-a3b-instruct
        qwen3-235b-a22b-thinking-2507 qwen3-235b-a22b-instruct-2507
        qwen3-30b-a3b-thinking-2507 qwen3-30b-a3b-instruct-2507
        qwen3-235b-a22b qwen3-32b qwen3-30b-a3b qwen3-14b qwen3-8b
        qwen3-4b qwen3-1.7b qwen3-0.6b
        qwen2.5-14b-instruct-1m qwen2.5-7b-instruct-1m
        qwen2.5-72b-instruct qwen2.5-32b-instruct qwen2.5-14b-instruct
        qwen2.5-7b-instruct qwen2.5-3b-instruct qwen2.5-1.5b-instruct
        qwen2.5-0.5b-instruct
    """,
}

# Deployment scope -> the regions that serve it. Singapore serves International,
# which is Global plus more, so Global models must be there too.
SCOPE_REGIONS: dict[str, tuple[str, ...]] = {
    "global": (*GLOBAL_REGIONS, "singapore"),
    "international": ("singapore",),
    "us": ("us",),
    "mainland": ("beijing",),
}


def _raw_document() -> dict[str, Any]:
    text = (
        resources.files("langchain_qwen.data")
        .joinpath("models.json")
        .read_text(encoding="utf-8")
    )
    data: dict[str, Any] = json.loads(text)
    return data


def _info(name: str) -> ModelInfo:
    info = lookup(name)
    assert info is not None, name
    return info


# --- data integrity -------------------------------------------------------


def test_document_loads_and_every_entry_is_cited() -> None:
    doc = _raw_document()
    assert doc["schema_version"] == 2
    assert tuple(doc["regions"]) == REGIONS
    assert "tokyo" in doc["notes"].lower()
    for entry in doc["models"]:
        assert entry["source"].strip(), entry["name"]
        assert re.fullmatch(r"20\d\d-\d\d-\d\d", entry["date"]), entry["name"]


def test_regions_are_the_six_canonical_names() -> None:
    assert REGIONS == ("singapore", "us", "beijing", "hongkong", "frankfurt", "tokyo")


def test_aliases_are_lowercase_and_not_snapshots_of_each_other() -> None:
    names = list_models()
    assert names == sorted(set(names))
    for name in names:
        assert name == name.lower()
        # An alias must resolve to itself, never to another entry's snapshot.
        assert _info(name).name == name


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["models"][0]["regions"].append("mars"), "unknown regions"),
        (lambda d: d["models"][0].pop("source"), "missing fields"),
        (lambda d: d["models"][0].update(thinking="sometimes"), "thinking"),
        (lambda d: d["models"][0].update(tools="yes"), "'tools'"),
        (lambda d: d["models"][0].update(context_window=True), "context_window"),
        (lambda d: d["models"][0].update(date="July 2026"), "date"),
        (lambda d: d["models"][0].update(extra=1), "unknown fields"),
        (lambda d: d["models"].append(copy.deepcopy(d["models"][0])), "duplicate"),
        (lambda d: d.update(schema_version=1), "schema_version"),
        (lambda d: d["regions"].pop(), "regions"),
    ],
)
def test_invalid_documents_are_rejected_clearly(mutate: Any, message: str) -> None:
    doc = _raw_document()
    mutate(doc)
    with pytest.raises(ValueError, match="Invalid model catalogue") as excinfo:
        parse_catalog(doc)
    assert message in str(excinfo.value)


def test_catalogue_is_parsed_once() -> None:
    catalog._catalog.cache_clear()
    lookup("qwen-plus")
    lookup("qwen-max")
    assert catalog._catalog.cache_info().misses == 1


def test_catalogue_keeps_no_decoded_entries() -> None:
    # The entries are most of the file; once they are ModelInfo objects, the
    # cached document holds only the top-level facts.
    assert lookup("qwen-plus") is not None
    assert "models" not in catalog._document()
    assert catalog.data_date() == _raw_document()["date"]


def test_entries_share_equal_values() -> None:
    # One object per distinct region set, family, kind, thinking mode and date.
    seen: dict[Any, Any] = {}
    for name in list_models():
        info = lookup(name)
        assert info is not None
        for value in (info.regions, info.family, info.kind, info.thinking, info.date):
            assert seen.setdefault(value, value) is value, (name, value)
    assert len(seen) < len(list_models())


# --- regions --------------------------------------------------------------


@pytest.mark.parametrize("region", REGIONS)
def test_every_region_lists_models(region: str) -> None:
    assert list_models(region)


@pytest.mark.parametrize(
    "region", ["singapore", "beijing", "hongkong", "frankfurt", "tokyo"]
)
def test_qwen_plus_is_offered_outside_us_only_scope(region: str) -> None:
    assert "qwen-plus" in list_models(region)


def test_us_ids_only_in_us() -> None:
    for region in REGIONS:
        names = list_models(region)
        assert ("qwen-plus-us" in names) == (region == "us")
        if region != "us":
            assert not [n for n in names if n.endswith("-us")], region


def test_list_models_unknown_region_lists_valid_ones() -> None:
    with pytest.raises(ValueError, match="Valid regions: singapore") as excinfo:
        list_models("mars")
    assert "'mars'" in str(excinfo.value)
    for region in REGIONS:
        assert region in str(excinfo.value)


def test_list_models_takes_region_aliases() -> None:
    assert list_models("cn") == list_models("beijing")
    assert list_models("Intl") == list_models("singapore")
    assert list_models("us-east-1") == list_models("us")


def test_list_models_without_region_is_every_alias() -> None:
    everything = set(list_models())
    assert everything == set().union(*(list_models(r) for r in REGIONS))


@pytest.mark.parametrize("scope", sorted(SEED_MODELS))
def test_seed_page_models_are_offered_in_their_scope(scope: str) -> None:
    for name in SEED_MODELS[scope].split():
        for region in SCOPE_REGIONS[scope]:
            if _info(name).status(region) == "retired":
                # Retired since the seed page (notice 731): refused, with the date.
                with pytest.raises(ValueError, match="retired by DashScope on"):
                    check_model(name, region)
                continue
            assert check_model(name, region) is not None, (name, region)


def test_qwen_long_is_beijing_only() -> None:
    assert _info("qwen-long").regions == {"beijing"}


# --- snapshot grammar -----------------------------------------------------


@pytest.mark.parametrize(
    ("name", "alias"),
    [
        ("qwen-plus", "qwen-plus"),
        ("qwen-plus-2025-07-28", "qwen-plus"),
        ("qwen-plus-0728", "qwen-plus"),
        ("qwen-plus-latest", "qwen-plus"),
        ("qwen-max-0125", "qwen-max"),
        ("qwen-turbo-1101", "qwen-turbo"),
        ("qwen-plus-2025-12-01-us", "qwen-plus-us"),
        ("qwen-flash-2025-07-28-us", "qwen-flash-us"),
        ("qwen3-vl-flash-2026-01-22-us", "qwen3-vl-flash-us"),
        ("qwen3-max-2026-01-23", "qwen3-max"),
        ("qwen3.7-max-2026-06-08", "qwen3.7-max"),
        ("qwq-plus-2025-03-05", "qwq-plus"),
        # The -2507 suffix is part of the alias, not a legacy snapshot.
        ("qwen3-235b-a22b-thinking-2507", "qwen3-235b-a22b-thinking-2507"),
    ],
)
def test_snapshots_resolve_to_their_alias(name: str, alias: str) -> None:
    assert _info(name).name == alias


@pytest.mark.parametrize(
    "name",
    [
        "qwen3-32b-latest",  # open-source models have no snapshots
        "qwen3-32b-2025-04-28",
        "qwen-plus-2025-13-99",  # not a calendar date
        "qwen-plus-2025-02-30",
        "qwen-plus-1301",
        "qwen-flash-0728",  # qwen-flash has no short aliases
        "qwen-flash-latest",  # nor a -latest alias
        "qwen-plus-us-2025-12-01",  # US dates go before the -us suffix
        "qwen-plus-us-latest",
        "qwen-plus-2025-12-01-us-us",
        "Qwen-Plus",  # DashScope ids are lower case
        "qwen-plus ",
        "",
    ],
)
def test_malformed_or_unknown_snapshots_do_not_resolve(name: str) -> None:
    assert lookup(name) is None


# --- check_model ----------------------------------------------------------


def test_check_model_returns_the_entry() -> None:
    assert check_model("qwen-plus-0728", "singapore").name == "qwen-plus"
    assert check_model("qwen-plus-2025-12-01-us", "us").name == "qwen-plus-us"


def test_typo_suggests_close_names() -> None:
    with pytest.raises(ValueError, match="'qwen-plsu'") as excinfo:
        check_model("qwen-plsu", "singapore")
    message = str(excinfo.value)
    assert "'qwen-plus'" in message
    assert "validate_model=False" in message


def test_typo_in_a_snapshot_keeps_the_suffix() -> None:
    with pytest.raises(ValueError, match="'qwen-plus-2025-07-28'"):
        check_model("qwen-plsu-2025-07-28", "singapore")


def test_wrong_case_suggests_the_lowercase_id() -> None:
    with pytest.raises(ValueError, match="Did you mean 'qwen-plus-latest'"):
        check_model("Qwen-Plus-Latest", "singapore")


def test_unknown_name_without_close_match_still_explains_the_escape() -> None:
    with pytest.raises(ValueError, match="validate_model=False") as excinfo:
        check_model("gpt-4o", "us")
    assert "Did you mean" not in str(excinfo.value)


def test_region_mismatch_names_where_it_is_offered() -> None:
    with pytest.raises(ValueError, match="offered in: beijing") as excinfo:
        check_model("qwen-long", "singapore")
    message = str(excinfo.value)
    assert "'singapore'" in message
    # Alternatives are text models of the same kind that singapore offers.
    assert "'qwen-plus'" in message
    assert "qwen-vl" not in message


def test_us_only_model_outside_us_suggests_its_twin() -> None:
    with pytest.raises(ValueError, match="offered in: us") as excinfo:
        check_model("qwen-plus-us", "beijing")
    assert "'qwen-plus'" in str(excinfo.value)
    with pytest.raises(ValueError, match="snapshot of 'qwen-plus-us'"):
        check_model("qwen-plus-2025-12-01-us", "singapore")


def test_model_missing_in_us_suggests_the_us_twin_first() -> None:
    with pytest.raises(ValueError, match=re.escape("offered in us: 'qwen3.7-plus-us'")):
        check_model("qwen3.7-plus", "us")


def test_check_model_rejects_unknown_region() -> None:
    with pytest.raises(ValueError, match="Valid regions"):
        check_model("qwen-plus", "virginia")


# --- capabilities ---------------------------------------------------------


def test_thinking_classes() -> None:
    assert _info("qwq-plus").thinking == "always"
    qwen3_32b = _info("qwen3-32b")
    assert qwen3_32b.thinking == "optional_on"
    assert qwen3_32b.thinking_requires_stream
    assert _info("qwen-plus").thinking == "optional_off"
    assert _info("qwen3-max").thinking == "optional_off"
    assert _info("qwen3.5-plus").thinking == "optional_on"
    assert _info("qwen-max").thinking == "none"
    assert _info("qwen3-235b-a22b-thinking-2507").thinking == "always"
    assert _info("qwen3-235b-a22b-instruct-2507").thinking == "none"
    assert _info("qvq-max").thinking == "always"


@pytest.mark.parametrize(
    "name",
    ["qwen3-235b-a22b", "qwen3-32b", "qwen3-30b-a3b", "qwen3-14b", "qwen3-8b",
     "qwen3-4b", "qwen3-1.7b", "qwen3-0.6b"],
)  # fmt: skip
def test_open_source_qwen3_hybrids_need_streaming_to_think(name: str) -> None:
    info = _info(name)
    assert info.kind == "open_source"
    assert (info.thinking, info.thinking_requires_stream) == ("optional_on", True)


def test_thinking_requires_stream_only_where_documented() -> None:
    flagged = {n for n in list_models() if _info(n).thinking_requires_stream}
    assert flagged == {
        "qwen3-235b-a22b", "qwen3-32b", "qwen3-30b-a3b", "qwen3-14b", "qwen3-8b",
        "qwen3-4b", "qwen3-1.7b", "qwen3-0.6b",
    }  # fmt: skip


def test_streaming_only_models() -> None:
    for name in ("qvq-max", "qwen3-omni-flash", "qwq-plus", "qwen-omni-turbo"):
        assert _info(name).stream_only, name
    for name in ("qwen-plus", "qwen3-32b", "qwen3.5-plus"):
        assert not _info(name).stream_only, name


def test_thinking_properties() -> None:
    assert _info("qwq-plus").thinking_default
    assert _info("qwen3.5-plus").thinking_default
    assert not _info("qwen-plus").thinking_default
    assert _info("qwen-plus").can_think
    assert not _info("qwen-max").can_think
    assert not _info("qwen-max").thinking_default


def test_only_thinking_models_take_thinking_switches() -> None:
    for name in list_models():
        info = _info(name)
        if not info.can_think:
            assert not info.thinking_budget, name
            assert not info.preserve_thinking, name
            assert not info.thinking_requires_stream, name
        if info.thinking == "always":
            # Structured output is refused in thinking mode.
            assert not info.json_object, name
            assert not info.json_schema, name


def test_documented_capabilities() -> None:
    assert _info("qwen-plus").n_gt_1
    assert not _info("qwen-max").n_gt_1
    assert _info("qwen-plus").json_schema
    assert _info("qwen3.7-plus").preserve_thinking
    assert not _info("qwen-plus").preserve_thinking
    assert _info("qwen3.7-plus").tool_choice_required
    assert not _info("qwen-plus").tool_choice_required
    assert _info("qwen3-vl-plus").image_inputs
    assert _info("qwen3-omni-flash").audio_inputs
    assert not _info("qwen-mt-plus").tools
    assert _info("qwen-long").context_window == 10_000_000


# --- profiles -------------------------------------------------------------


def test_profile_keys_exist_in_model_profile() -> None:
    allowed = set(ModelProfile.__annotations__)
    for name in list_models():
        profile = model_profile(_info(name))
        assert set(profile) <= allowed, name
        assert None not in profile.values(), name


def test_profile_values() -> None:
    profile = model_profile(_info("qwen-plus"))
    assert profile["max_input_tokens"] == 1_000_000
    assert profile["max_output_tokens"] == 32_768
    assert profile["tool_calling"] is True
    assert profile["tool_choice"] is True
    assert profile["structured_output"] is True
    assert profile["reasoning_output"] is True
    assert profile["text_inputs"] is True
    assert profile["pdf_inputs"] is False
    vision = model_profile(_info("qwen3-vl-plus"))
    assert vision["image_inputs"] is vision["image_url_inputs"] is True
    assert model_profile(_info("qwen-max"))["reasoning_output"] is False


def test_profile_omits_unknown_limits() -> None:
    profile = model_profile(_info("qwen3-4b"))
    assert "max_input_tokens" not in profile
    assert "max_output_tokens" not in profile
