"""Model records: the remade __init__ of each frozen dataclass keeps dataclasses' signature, defaults and freezing."""

from __future__ import annotations

import dataclasses
import inspect
import pickle

import pytest

from serverless_study import model
from serverless_study.model import Fact, Location, _fast_init

RECORDS = [
    cls
    for cls in vars(model).values()
    if isinstance(cls, type) and dataclasses.is_dataclass(cls) and cls.__module__ == model.__name__
]


def test_every_record_is_remade() -> None:
    assert len(RECORDS) >= 16
    for cls in RECORDS:
        # dataclasses' frozen __init__ calls object.__setattr__ per field; the remade one fills the dict at once
        assert "__setattr__" not in cls.__init__.__code__.co_names, cls
        assert cls.__init__.__qualname__ == f"{cls.__qualname__}.__init__"


@pytest.mark.parametrize("cls", RECORDS, ids=lambda c: c.__name__)
def test_init_takes_the_fields_in_order_with_their_defaults(cls: type) -> None:
    params = list(inspect.signature(cls).parameters.values())
    fields = dataclasses.fields(cls)
    assert [p.name for p in params] == [f.name for f in fields]
    assert [p.default for p in params] == [
        inspect.Parameter.empty if f.default is dataclasses.MISSING else f.default for f in fields
    ]
    assert all(p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD for p in params)


def test_a_record_is_built_frozen_equal_and_hashable() -> None:
    fact = Fact("f", "Which port?", "2000", accept=("UDP 2000",), location=Location("a.yaml", 3))
    assert (fact.id, fact.prompt, fact.answer, fact.accept, fact.explanation, fact.ordered) == (
        "f",
        "Which port?",
        "2000",
        ("UDP 2000",),
        "",
        False,
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        fact.answer = "3000"  # type: ignore[misc]
    same = Fact(id="f", prompt="Which port?", answer="2000", accept=("UDP 2000",), location=Location("b.yaml", 9))
    assert fact == same and hash(fact) == hash(same)  # location is not compared
    assert dataclasses.replace(fact, answer="3000").answer == "3000"
    assert pickle.loads(pickle.dumps(fact)) == fact
    with pytest.raises(TypeError):
        Fact("f", "p")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Fact("f", "p", "a", colour="red")  # type: ignore[call-arg]


def test_fast_init_refuses_what_it_cannot_copy() -> None:
    @dataclasses.dataclass(frozen=True)
    class Listed:
        items: list[str] = dataclasses.field(default_factory=list)

    with pytest.raises(TypeError, match="plain fields only"):
        _fast_init(Listed)
