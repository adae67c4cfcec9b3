"""`schema_example`: a deterministic value each schema accepts.

Pydantic is the validator: a model's own JSON schema goes in, and the value that
comes out must validate against the model.
"""

from __future__ import annotations

import datetime
import enum
import uuid
from typing import Annotated, Any, Literal

import pytest
from pydantic import BaseModel, Field, TypeAdapter
from typing_extensions import TypedDict

from langchain_qwen.testing.schema_example import schema_example


class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Address(BaseModel):
    street: str
    city: str = Field(min_length=3, max_length=5)
    zip_code: str | None = None


class Person(BaseModel):
    """Record attributes of a person."""

    name: str = Field(description="The name of the person.")
    age: int = Field(ge=18, le=130)
    height: float = Field(gt=0, lt=3)
    score: int = Field(gt=-1000, lt=1000)
    even: int = Field(ge=3, multiple_of=2)
    negative: int = Field(lt=-5)
    tags: list[str] = Field(min_length=2)
    colour: Colour
    kind: Literal["a", "b"]
    born: datetime.date
    seen: datetime.datetime
    id: uuid.UUID
    home: Address
    others: list[Address] = []
    nickname: str | None = None
    active: bool = False


class Node(BaseModel):
    value: int
    children: list[Node] = []


class JokeDict(TypedDict):
    """Joke to tell user."""

    setup: Annotated[str, ..., "question to set up a joke"]
    punchline: Annotated[str | None, None, "answer to resolve the joke"]


@pytest.mark.parametrize("model", [Person, Address, Node])
def test_example_validates_against_the_model(model: type[BaseModel]) -> None:
    value = schema_example(model.model_json_schema(), text="Tell me about 42")
    model.model_validate(value)


def test_typeddict_example_validates() -> None:
    adapter = TypeAdapter(JokeDict)
    value = schema_example(adapter.json_schema(), text="cats")
    assert adapter.validate_python(value) == {"setup": "cats", "punchline": "cats"}


def test_same_input_same_output() -> None:
    schema = Person.model_json_schema()
    assert schema_example(schema, text="x") == schema_example(schema, text="x")


def test_strings_come_from_text_fitted_to_length() -> None:
    value = schema_example(Address.model_json_schema(), text="Hangzhou")
    assert value == {"street": "Hangzhou", "city": "Hangz", "zip_code": "Hangzhou"}
    assert schema_example({"type": "string", "minLength": 4}, text="ab") == "abxx"
    assert schema_example({"type": "string"}) == "example"


def test_numbers_come_from_text_in_order_when_they_fit() -> None:
    adder = {
        "type": "object",
        "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
        "required": ["a", "b"],
    }
    assert schema_example(adder, text="What is 3 + 4") == {"a": 3, "b": 4}
    # 2.5 is not whole and 5000 is out of bounds: both fall back.
    bounded = {"type": "integer", "maximum": 100}
    assert schema_example(bounded, text="5000") == 0
    assert schema_example({"type": "integer"}, text="2.5") == 0
    assert schema_example({"type": "number"}, text="pi is 3.14") == 3.14
    # Digits inside words are not numbers.
    assert schema_example({"type": "integer"}, text="qwen3 v2") == 0


def test_unicode_text_is_kept() -> None:
    schema = {"type": "object", "properties": {"customer_name": {"type": "string"}}}
    value = schema_example(schema, text="Create a customer named '你好啊集团'")
    assert "你好啊集团" in value["customer_name"]


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        ({"type": "integer", "exclusiveMinimum": -1000, "exclusiveMaximum": 1000}, 0),
        ({"type": "integer", "minimum": 5}, 5),
        ({"type": "integer", "exclusiveMinimum": 5}, 6),
        ({"type": "integer", "minimum": 3, "exclusiveMinimum": True}, 4),  # draft 4
        ({"type": "integer", "maximum": -3, "multipleOf": 2}, -4),
        ({"type": "number", "exclusiveMinimum": 0, "maximum": 1}, 0.5),
        ({"type": "number", "exclusiveMaximum": 0}, -1.0),
        ({"type": "boolean"}, True),
        ({"type": "null"}, None),
        ({"type": ["null", "string"]}, "example"),
        ({"enum": [7, 8]}, 7),
        ({"const": "fixed"}, "fixed"),
        ({"anyOf": [{"type": "null"}, {"type": "integer"}]}, 0),
        ({"type": "string", "format": "date"}, "2025-01-01"),
        ({"type": "array", "items": {"type": "integer"}, "maxItems": 0}, []),
        (
            {"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}]},
            ["example", 0],
        ),
        ({"default": 3}, 3),
        ({}, "example"),
        (True, "example"),
    ],
)
def test_single_keywords(schema: Any, expected: Any) -> None:
    assert schema_example(schema) == expected


def test_all_of_merges_properties() -> None:
    schema = {
        "allOf": [
            {"type": "object", "properties": {"a": {"type": "integer"}}},
            {"properties": {"b": {"type": "boolean"}}, "required": ["b"]},
        ]
    }
    assert schema_example(schema) == {"a": 0, "b": True}


def test_required_but_undescribed_property_is_filled() -> None:
    assert schema_example({"type": "object", "required": ["x"]}) == {"x": "example"}


def test_recursive_schema_terminates() -> None:
    value = schema_example(Node.model_json_schema())
    depth = 0
    while value.get("children"):
        value = value["children"][0]
        depth += 1
    assert 0 < depth < 20


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        ({"$ref": "#/$defs/Missing"}, "does not resolve"),
        ({"$ref": "https://example.com/schema.json"}, "only local"),
        ({"$ref": "#/a", "a": {"$ref": "#/a"}}, "circular"),
    ],
)
def test_bad_refs_fail_clearly(schema: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        schema_example(schema)
