"""The live model list, the CLI and the catalogue diff, against a loopback `/models`."""

from __future__ import annotations

import importlib.util
import io
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import httpx
import pytest

from langchain_qwen import ChatQwen
from langchain_qwen.__main__ import main
from langchain_qwen._dashscope import model_list
from langchain_qwen.catalogue import catalog, lifecycle, saved_listings
from langchain_qwen.errors import QwenAuthenticationError
from langchain_qwen.testing import DashScopeServer, error_reply, models_routes
from langchain_qwen.testing.models import catalogue_ids

ROOT = Path(__file__).resolve().parents[2]
KEY = "sk-loop"


@pytest.fixture(autouse=True)
def _cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("DASHSCOPE_MODEL_CACHE", raising=False)
    monkeypatch.setattr(lifecycle, "_WARNED", set())
    return tmp_path


def _diff_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "catalog_diff", ROOT / "scripts" / "catalog_diff.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_route_lists_the_catalogue_by_default() -> None:
    with DashScopeServer() as server:
        body = httpx.get(f"{server.base_url}/models").json()
        one = httpx.get(f"{server.base_url}/models/qwen-plus").json()
        missing = httpx.get(f"{server.base_url}/models/nope")
        posted = httpx.post(f"{server.base_url}/models", json={})
    assert body["object"] == "list"
    ids = [m["id"] for m in body["data"]]
    assert ids == catalogue_ids("singapore")
    assert "qwen-plus" in ids
    assert "qwq-plus" not in ids  # retired ones left out
    assert set(body["data"][0]) == {"id", "object", "created", "owned_by"}
    assert one == {
        "id": "qwen-plus",
        "object": "model",
        "created": one["created"],
        "owned_by": "system",
    }
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "model_not_found"
    assert posted.status_code == 405


def test_route_ids_are_configurable_per_server() -> None:
    with DashScopeServer() as server:
        server.model_ids = ["qwen-plus", "glm-9"]  # type: ignore[attr-defined]
        ids = [m["id"] for m in httpx.get(f"{server.base_url}/models").json()["data"]]
    assert ids == ["qwen-plus", "glm-9"]
    with DashScopeServer(routes=models_routes(["a"])) as server:
        assert httpx.get(f"{server.url}/v1/models").json()["data"][0]["id"] == "a"


def test_live_models_sends_the_key_and_compares() -> None:
    with DashScopeServer() as server:
        server.model_ids = ["qwen-plus-0728", "qwen5-max", "qwq-plus"]  # type: ignore[attr-defined]
        listing = model_list.live_models(
            base_url=server.base_url, region="singapore", api_key=KEY
        )
        request = server.requests[0]
    assert request.method == "GET"
    assert request.path == "/compatible-mode/v1/models"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert listing.region == "singapore"
    by_id = {m.id: m for m in listing.models}
    assert by_id["qwen-plus-0728"].info.name == "qwen-plus"  # type: ignore[union-attr]
    assert by_id["qwen5-max"].known is False
    assert by_id["qwq-plus"].status == "retired"
    assert "qwen3.8-max" in listing.missing()


def test_live_models_translates_errors() -> None:
    reply = error_reply(401, "invalid_api_key", "Incorrect API key provided.")
    with DashScopeServer(
        routes=dict.fromkeys(("/compatible-mode/v1/models",), lambda request: reply)
    ) as server:
        with pytest.raises(QwenAuthenticationError) as err:
            model_list.live_models(base_url=server.base_url, api_key="sk-secret-1")
    assert "sk-secret-1" not in str(err.value)


def test_cli_prints_the_live_table_and_saves(tmp_path: Path) -> None:
    out = io.StringIO()
    with DashScopeServer() as server:
        server.model_ids = ["qwen-plus", "qwen5-max"]  # type: ignore[attr-defined]
        code = main(
            [
                "models",
                "--live",
                "--save",
                "--region",
                "singapore",
                "--base-url",
                server.base_url,
            ],
            out=out,
        )
    text = out.getvalue()
    assert code == 0
    assert "2 ids, 1 known to the catalogue" in text
    rows = {line.split()[0]: line for line in text.splitlines() if line.strip()}
    assert "active" in rows["qwen-plus"]
    assert "unknown" in rows["qwen5-max"]
    assert "In the catalogue for singapore but not listed:" in text
    saved = tmp_path / "langchain-qwen" / "models-singapore.json"
    assert json.loads(saved.read_text(encoding="utf-8"))["ids"] == [
        "qwen-plus",
        "qwen5-max",
    ]
    assert "DASHSCOPE_MODEL_CACHE=1" in text


def test_saved_listing_lets_a_listed_odd_name_through(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    odd = "qwen-omni-realtime-beta"  # refused by the grammar ('realtime')
    with DashScopeServer() as server:
        server.model_ids = [odd]  # type: ignore[attr-defined]
        saved_listings.save_listing(
            model_list.live_models(base_url=server.base_url, region="sg", api_key=KEY)
        )
    with pytest.raises(ValueError, match="Unknown Qwen model"):
        ChatQwen(model=odd, api_key=KEY)
    monkeypatch.setenv("DASHSCOPE_MODEL_CACHE", "1")
    with pytest.warns(catalog.UnknownModelWarning, match="saved singapore model"):
        ChatQwen(model=odd, api_key=KEY)


def test_cli_catalogue_table_needs_no_network() -> None:
    out = io.StringIO()
    assert main(["models", "--region", "cn"], out=out) == 0
    text = out.getvalue()
    assert text.startswith(f"Catalogue (data of {catalog.data_date()}), region beijing")
    assert "qwen-long" in text
    assert "retired 2026-10-10, use qwen3.7-plus" in text


def test_cli_runs_as_a_module() -> None:
    with DashScopeServer() as server:
        server.model_ids = ["qwen-plus"]  # type: ignore[attr-defined]
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "langchain_qwen",
                "models",
                "--live",
                "--base-url",
                server.base_url,
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            env={"PATH": "", "DASHSCOPE_API_KEY": KEY},
        )
    assert done.returncode == 0, done.stderr
    assert "1 ids, 1 known" in done.stdout


def test_cli_bad_region_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "--region", "singapur"], out=io.StringIO()) == 2
    assert "Did you mean 'singapore'" in capsys.readouterr().err


def test_catalog_diff_reports_both_sides(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with DashScopeServer() as server:
        server.model_ids = ["qwen-plus", "qwen5-max", "qwen-plsu", "qwq-plus"]  # type: ignore[attr-defined]
        listing = model_list.live_models(
            base_url=server.base_url, region="singapore", api_key=KEY
        )
    path = saved_listings.save_listing(listing, tmp_path / "listing.json")
    script = _diff_script()
    assert script.main([str(path)]) == 1
    text = capsys.readouterr().out
    assert "- qwen5-max  (accepted with a warning)" in text
    assert "- qwen-plsu  (refused: 'plsu' is not a word DashScope ids use)" in text
    assert "## Listed, but retired in the catalogue (1)\n- qwq-plus" in text
    missing = text.split("## In the catalogue for this region, not listed")[1]
    assert "- qwen3.8-max" in missing
    report = script.diff(catalogue_ids("singapore"), "singapore")
    assert report == {"unknown": [], "missing": [], "retired": []}
    raw = tmp_path / "raw.json"
    raw.write_text(json.dumps({"object": "list", "data": []}), encoding="utf-8")
    assert script.main([str(raw)]) == 2  # a raw answer needs --region
