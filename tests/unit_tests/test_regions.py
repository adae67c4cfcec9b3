"""Region table, endpoint resolution and host inference."""

from __future__ import annotations

import pytest

from langchain_qwen.regions import (
    REGIONS,
    Endpoint,
    HostInfo,
    canonical_region,
    endpoint_for,
    host_info,
    resolve_endpoint,
)

SG = "https://dashscope-intl.aliyuncs.com/compatible-mode/v1"
US = "https://dashscope-us.aliyuncs.com/compatible-mode/v1"
BJ = "https://dashscope.aliyuncs.com/compatible-mode/v1"
HK = "https://cn-hongkong.dashscope.aliyuncs.com/compatible-mode/v1"


@pytest.mark.parametrize(
    ("alias", "name"),
    [
        ("singapore", "singapore"),
        ("intl", "singapore"),
        ("International", "singapore"),
        ("sg", "singapore"),
        ("ap-southeast-1", "singapore"),
        ("us", "us"),
        ("virginia", "us"),
        ("us-east-1", "us"),
        ("beijing", "beijing"),
        ("cn", "beijing"),
        ("china", "beijing"),
        ("cn-beijing", "beijing"),
        ("hongkong", "hongkong"),
        ("hk", "hongkong"),
        ("cn-hongkong", "hongkong"),
        ("frankfurt", "frankfurt"),
        ("germany", "frankfurt"),
        ("eu", "frankfurt"),
        ("eu-central-1", "frankfurt"),
        ("tokyo", "tokyo"),
        ("japan", "tokyo"),
        (" ap-northeast-1 ", "tokyo"),
    ],
)
def test_aliases(alias: str, name: str) -> None:
    assert canonical_region(alias) == name


def test_unknown_region_lists_valid_ones() -> None:
    with pytest.raises(ValueError, match="Unknown DashScope region 'mars'") as err:
        canonical_region("mars")
    for name in REGIONS:
        assert name in str(err.value)


@pytest.mark.parametrize(
    ("region", "url"),
    [("singapore", SG), ("us", US), ("beijing", BJ), ("hongkong", HK)],
)
def test_shared_endpoints(region: str, url: str) -> None:
    assert endpoint_for(region) == url


@pytest.mark.parametrize(
    ("region", "rid"),
    [
        ("singapore", "ap-southeast-1"),
        ("beijing", "cn-beijing"),
        ("hongkong", "cn-hongkong"),
        ("frankfurt", "eu-central-1"),
        ("tokyo", "ap-northeast-1"),
    ],
)
def test_workspace_endpoints(region: str, rid: str) -> None:
    assert (
        endpoint_for(region, "ws-abc123")
        == f"https://ws-abc123.{rid}.maas.aliyuncs.com/compatible-mode/v1"
    )


@pytest.mark.parametrize("region", ["frankfurt", "tokyo"])
def test_workspace_only_regions_need_an_id(region: str) -> None:
    with pytest.raises(ValueError, match="workspace_id") as err:
        endpoint_for(region)
    assert "DASHSCOPE_WORKSPACE_ID" in str(err.value)


def test_us_has_workspace_domains() -> None:
    # Listed on the compatible-chat page of 2026-10-13
    # (alibabacloud.com/help/en/model-studio/qwen-api-via-openai-chat-completions).
    assert endpoint_for("us", "ws-abc123") == (
        "https://ws-abc123.us-east-1.maas.aliyuncs.com/compatible-mode/v1"
    )


@pytest.mark.parametrize("ws", ["WS_Bad", "ws/evil.com#", "", "-ws"])
def test_malformed_workspace_id(ws: str) -> None:
    with pytest.raises(ValueError, match="Invalid DashScope workspace id"):
        endpoint_for("singapore", ws)


@pytest.mark.parametrize(
    ("url", "region", "kind"),
    [
        (SG, "singapore", "shared"),
        (US, "us", "shared"),
        (BJ, "beijing", "shared"),
        (HK, "hongkong", "shared"),
        (
            "https://ws-1.ap-southeast-1.maas.aliyuncs.com/compatible-mode/v1",
            "singapore",
            "workspace",
        ),
        (
            "https://ws-1.eu-central-1.maas.aliyuncs.com/compatible-mode/v1",
            "frankfurt",
            "workspace",
        ),
        (
            "https://llm-x.ap-northeast-1.maas.aliyuncs.com/compatible-mode/v1",
            "tokyo",
            "workspace",
        ),
        (
            "https://ws-9.cn-beijing.maas.aliyuncs.com/compatible-mode/v1",
            "beijing",
            "workspace",
        ),
        (
            "https://ws-9.cn-hongkong.maas.aliyuncs.com/compatible-mode/v1",
            "hongkong",
            "workspace",
        ),
        (
            "https://trial.cn-beijing.maas.aliyuncs.com/compatible-mode/v1",
            "beijing",
            "trial",
        ),
        (
            "https://trial.ap-southeast-1.maas.aliyuncs.com/compatible-mode/v1",
            "singapore",
            "trial",
        ),
        (
            "https://token-plan.cn-beijing.maas.aliyuncs.com/compatible-mode/v1",
            "beijing",
            "token_plan",
        ),
        (
            "https://token-plan.ap-southeast-1.maas.aliyuncs.com/compatible-mode/v1",
            "singapore",
            "token_plan",
        ),
        ("https://coding.dashscope.aliyuncs.com/v1", "beijing", "coding"),
        ("https://coding-intl.dashscope.aliyuncs.com/v1", "singapore", "coding"),
        (
            "HTTPS://DASHSCOPE-INTL.ALIYUNCS.COM/compatible-mode/v1",
            "singapore",
            "shared",
        ),
    ],
)
def test_host_info(url: str, region: str, kind: str) -> None:
    info = host_info(url)
    assert info is not None
    assert (info.region, info.kind) == (region, kind)


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost:8000/v1",
        "http://127.0.0.1:9/compatible-mode/v1",
        "https://api.openai.com/v1",
        "https://dashscope-intl.aliyuncs.com.evil.example/v1",
        "https://ws-1.mars-1.maas.aliyuncs.com/compatible-mode/v1",
        "not a url",
    ],
)
def test_non_dashscope_hosts(url: str) -> None:
    assert host_info(url) is None


def test_resolution_order() -> None:
    env = {
        "DASHSCOPE_BASE_URL": "http://base-url/v1",
        "DASHSCOPE_API_BASE": "http://api-base/v1",
        "DASHSCOPE_REGION": "beijing",
    }
    kw = {"region": None, "workspace_id": None}
    assert (
        resolve_endpoint(base_url="http://arg/v1", env=env, **kw).base_url
        == "http://arg/v1"
    )
    assert (
        resolve_endpoint(base_url=None, env=env, **kw).base_url == "http://base-url/v1"
    )
    env.pop("DASHSCOPE_BASE_URL")
    assert (
        resolve_endpoint(base_url=None, env=env, **kw).base_url == "http://api-base/v1"
    )
    env.pop("DASHSCOPE_API_BASE")
    assert resolve_endpoint(base_url=None, env=env, **kw).base_url == BJ
    assert resolve_endpoint(base_url=None, env={}, **kw).base_url == SG
    ep = resolve_endpoint(base_url=None, env=env, region="hk", workspace_id=None)
    assert (ep.base_url, ep.region, ep.kind) == (HK, "hongkong", "shared")


def test_workspace_from_env() -> None:
    ep = resolve_endpoint(
        base_url=None,
        region="frankfurt",
        workspace_id=None,
        env={"DASHSCOPE_WORKSPACE_ID": "ws-42"},
    )
    assert (
        ep.base_url == "https://ws-42.eu-central-1.maas.aliyuncs.com/compatible-mode/v1"
    )
    assert (ep.region, ep.kind, ep.is_dashscope) == ("frankfurt", "workspace", True)


def test_base_url_implies_region() -> None:
    ep = resolve_endpoint(base_url=BJ + "/", region=None, workspace_id=None, env={})
    assert (ep.base_url, ep.region, ep.kind) == (BJ, "beijing", "shared")


def test_region_contradicting_base_url() -> None:
    with pytest.raises(ValueError, match="contradicts base_url") as err:
        resolve_endpoint(base_url=SG, region="cn", workspace_id=None, env={})
    assert "singapore host" in str(err.value)
    with pytest.raises(ValueError, match="DASHSCOPE_REGION='beijing' contradicts"):
        resolve_endpoint(
            base_url=SG,
            region=None,
            workspace_id=None,
            env={"DASHSCOPE_REGION": "beijing"},
        )


def test_region_agreeing_with_base_url() -> None:
    ep = resolve_endpoint(base_url=SG, region="intl", workspace_id=None, env={})
    assert ep.region == "singapore"


def test_non_dashscope_base_url_keeps_region_hint() -> None:
    ep = resolve_endpoint(
        base_url="http://localhost:8000/v1", region="beijing", workspace_id=None, env={}
    )
    assert (ep.region, ep.kind, ep.is_dashscope) == ("beijing", None, False)


def test_workspace_id_conflicting_with_base_url() -> None:
    with pytest.raises(ValueError, match="workspace_id='ws-1' conflicts with base_url"):
        resolve_endpoint(base_url=SG, region=None, workspace_id="ws-1", env={})
    ws_url = "https://ws-1.ap-southeast-1.maas.aliyuncs.com/compatible-mode/v1"
    ep = resolve_endpoint(base_url=ws_url, region=None, workspace_id="ws-1", env={})
    assert (ep.region, ep.kind) == ("singapore", "workspace")


def test_env_workspace_id_does_not_fight_an_explicit_base_url() -> None:
    ep = resolve_endpoint(
        base_url=BJ,
        region=None,
        workspace_id=None,
        env={"DASHSCOPE_WORKSPACE_ID": "ws-9"},
    )
    assert ep.base_url == BJ


# --- late-2026 hosts (the compatible-chat page of 2026-10-13) and region typos ---


@pytest.mark.parametrize(
    ("url", "region", "kind"),
    [
        (
            "https://ws-1a2b.us-east-1.maas.aliyuncs.com/compatible-mode/v1",
            "us",
            "workspace",
        ),
        (
            "https://ap-southeast-1.maas.qwencloudapi.com/compatible-mode/v1",
            "singapore",
            "shared",
        ),
        (
            "https://cn-beijing.maas.qwencloudapi.com/compatible-mode/v1",
            "beijing",
            "shared",
        ),
        (
            "https://ws-9.eu-central-1.maas.qwencloudapi.com/compatible-mode/v1",
            "frankfurt",
            "workspace",
        ),
        (
            "https://trial.ap-southeast-1.maas.qwencloudapi.com/compatible-mode/v1",
            "singapore",
            "trial",
        ),
        (
            "https://token-plan.cn-beijing.maas.qwencloudapi.com/compatible-mode/v1",
            "beijing",
            "token_plan",
        ),
    ],
)
def test_new_hosts_imply_their_region(url: str, region: str, kind: str) -> None:
    assert host_info(url) == HostInfo(region, kind)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "url",
    [
        "https://qwencloudapi.com/compatible-mode/v1",
        "https://mars-1.maas.qwencloudapi.com/compatible-mode/v1",
        "https://ap-southeast-1.maas.qwencloudapi.com.evil.example/v1",
    ],
)
def test_other_qwencloud_lookalikes_are_not_dashscope(url: str) -> None:
    assert host_info(url) is None


def test_a_qwencloud_host_contradicting_the_region_is_refused() -> None:
    with pytest.raises(ValueError, match="contradicts"):
        resolve_endpoint(
            base_url="https://ap-southeast-1.maas.qwencloudapi.com/compatible-mode/v1",
            region="beijing",
            workspace_id=None,
            env={},
        )


def test_us_workspace_id_builds_the_virginia_workspace_domain() -> None:
    endpoint = resolve_endpoint(base_url=None, region="us", workspace_id="ws-7", env={})
    assert endpoint == Endpoint(
        "https://ws-7.us-east-1.maas.aliyuncs.com/compatible-mode/v1", "us", "workspace"
    )


@pytest.mark.parametrize(
    ("typo", "meant"),
    [
        ("singapur", "singapore"),
        ("bejing", "beijing"),
        ("hongkog", "hongkong"),
        ("virgina", "us"),
    ],
)
def test_region_typo_gets_suggestions(typo: str, meant: str) -> None:
    with pytest.raises(ValueError, match=f"Did you mean '{meant}'") as err:
        canonical_region(typo)
    assert "Valid regions:" in str(err.value)


def test_a_far_region_name_gets_no_guess() -> None:
    with pytest.raises(ValueError, match="Unknown DashScope region") as err:
        canonical_region("mars")
    assert "Did you mean" not in str(err.value)
