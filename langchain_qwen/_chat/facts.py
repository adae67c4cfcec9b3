"""Request facts from `data/request_rules.json`: value ranges, frame limits, names.

Each part of the file carries its public source and date; the request rules of
`_chat.payload`, `_chat.media`, `_chat.tools` and `_chat.structured` read them
from here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from importlib import resources
from typing import Any

_RULES: Mapping[str, Any] = json.loads(
    resources.files("langchain_qwen.data")
    .joinpath("request_rules.json")
    .read_text(encoding="utf-8")
)

Range = tuple[float | None, bool, float | None, bool, bool]
"""(low, low included, high, high included, integer only); `None`: unbounded."""

RANGES: dict[str, Range] = {
    name: (f["min"], f["min_included"], f["max"], f["max_included"], f["integer"])
    for name, f in _RULES["ranges"]["fields"].items()
}
"""Value ranges DashScope enforces, per request field."""

_FRAMES = _RULES["video_frames"]
MANY_FRAMES_PREFIXES: tuple[str, ...] = tuple(_FRAMES["many_frames_prefixes"])
"""Model-name prefixes of the families that take the larger frame count."""
MANY_FRAMES: int = _FRAMES["many"]
FEW_FRAMES: int = _FRAMES["otherwise"]

VALID_NAME = re.compile(_RULES["name_pattern"]["pattern"])
"""What DashScope accepts as a tool name and as a `json_schema` name."""
