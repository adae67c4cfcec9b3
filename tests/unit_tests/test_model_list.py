"""Saved model listings: where they live, what they hold, when they are trusted."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

from langchain_qwen import ChatQwen
from langchain_qwen.catalogue import lifecycle, saved_listings
from langchain_qwen.catalogue.catalog import UnknownModelWarning, check_model
from langchain_qwen.catalogue.listed import Listing, describe

KEY = "sk-test"


@pytest.fixture(autouse=True)
def _cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("DASHSCOPE_MODEL_CACHE", raising=False)
    monkeypatch.setattr(lifecycle, "_WARNED", set())
    return tmp_path


def _listing(region: str, ids: list[str]) -> Listing:
    return Listing(
        region,
        "https://x/compatible-mode/v1",
        "2026-12-01T10:00:00+00:00",
        describe(ids, region),
    )


def test_cache_path_respects_xdg_cache_home(tmp_path: Path) -> None:
    assert saved_listings.cache_path("singapore") == (
        tmp_path / "langchain-qwen" / "models-singapore.json"
    )
    home = saved_listings.cache_dir({"HOME": "/home/u"})
    assert home.parts[-2:] == (".cache", "langchain-qwen")


def test_saved_listing_holds_ids_and_date_not_the_key(tmp_path: Path) -> None:
    path = saved_listings.save_listing(_listing("beijing", ["qwen-plus", "glm-5.1"]))
    assert path == tmp_path / "langchain-qwen" / "models-beijing.json"
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved == {
        "region": "beijing",
        "base_url": "https://x/compatible-mode/v1",
        "fetched": "2026-12-01T10:00:00+00:00",
        "ids": ["glm-5.1", "qwen-plus"],
    }
    assert saved_listings.read_listing(path) == (
        "beijing",
        "2026-12-01T10:00:00+00:00",
        ["glm-5.1", "qwen-plus"],
    )


def test_a_raw_models_answer_reads_too(tmp_path: Path) -> None:
    raw = tmp_path / "raw.json"
    raw.write_text(
        json.dumps({"object": "list", "data": [{"id": "a", "object": "model"}]}),
        encoding="utf-8",
    )
    assert saved_listings.read_listing(raw) == (None, "", ["a"])
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(ValueError, match="neither a saved listing"):
        saved_listings.read_listing(bad)


def test_listing_is_trusted_only_when_opted_in(monkeypatch: pytest.MonkeyPatch) -> None:
    # A listed id that the grammar would refuse: only the listing can admit it.
    odd = "qwen-realtime-beta"
    with pytest.raises(ValueError, match="Unknown Qwen model"):
        check_model(odd, "singapore")
    saved_listings.save_listing(_listing("singapore", ["qwen-plus", odd]))
    with pytest.raises(ValueError, match="Unknown Qwen model"):
        check_model(odd, "singapore")  # saved, but not opted in
    monkeypatch.setenv("DASHSCOPE_MODEL_CACHE", "1")
    with pytest.warns(
        UnknownModelWarning, match="saved singapore model listing of 2026-12-01"
    ):
        model = ChatQwen(model=odd, api_key=KEY)
    assert model.profile == {"status": "unknown"}
    # Another region's listing does not count.
    with pytest.raises(ValueError, match="Unknown Qwen model"):
        ChatQwen(model=odd, region="beijing", api_key=KEY)


def test_a_trusted_listing_overrides_region_and_retirement(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DASHSCOPE_MODEL_CACHE", "1")
    saved_listings.save_listing(_listing("us", ["qwen-long", "qwq-plus"]))
    assert check_model("qwen-long", "us").name == "qwen-long"  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="retired"):
        check_model("qwq-plus", "singapore")
    saved_listings.save_listing(_listing("singapore", ["qwq-plus"]))
    assert check_model("qwq-plus", "singapore").name == "qwq-plus"  # type: ignore[union-attr]


def test_a_broken_cache_file_is_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DASHSCOPE_MODEL_CACHE", "1")
    path = saved_listings.cache_path("singapore")
    path.parent.mkdir(parents=True)
    path.write_text("{not json", encoding="utf-8")
    assert saved_listings.trusted_ids("singapore") is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ChatQwen(model="qwen-plus", api_key=KEY)


def test_describe_says_what_the_catalogue_knows() -> None:
    listed = {
        m.id: m
        for m in describe(["qwen-plus-0728", "qwq-plus", "kimi-k9"], "singapore")
    }
    assert listed["qwen-plus-0728"].info.name == "qwen-plus"  # type: ignore[union-attr]
    assert listed["qwen-plus-0728"].offered is True
    assert listed["qwq-plus"].status == "retired"
    assert listed["kimi-k9"].known is False
    assert listed["kimi-k9"].status == "unknown"


def test_missing_lists_active_aliases_not_listed() -> None:
    missing = _listing("us", ["qwen-plus-us"]).missing()
    assert "qwen-plus-us" not in missing
    assert "qwen-flash-us" in missing
    assert _listing(None, []).missing() == []  # type: ignore[arg-type]


def test_save_needs_a_region_or_a_path(tmp_path: Path) -> None:
    listing = _listing(None, ["x"])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not a DashScope host"):
        saved_listings.save_listing(listing)
    assert saved_listings.save_listing(listing, tmp_path / "l.json").exists()
