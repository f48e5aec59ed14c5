"""The identity memo behind the routing engine's per-object memos."""

from __future__ import annotations

from omskit.routing._memo import IdentityMemo


def test_a_value_is_made_once_per_key_object_and_found_by_identity_only() -> None:
    made: list[tuple[str, ...]] = []

    def make(key: tuple[str, ...]) -> int:
        made.append(key)
        return len(key)

    memo: IdentityMemo[tuple[str, ...], int] = IdentityMemo(limit=8)
    key = tuple("ab")
    assert memo.get(key, make) == 2
    assert memo.get(key, make) == 2
    assert made == [key]
    equal = tuple("ab")  # equal, but another object: made afresh
    assert equal is not key
    assert memo.get(equal, make) == 2
    assert len(made) == 2


def test_the_memo_is_cleared_when_it_holds_its_limit() -> None:
    made: list[str] = []

    def make(key: str) -> str:
        made.append(key)
        return key.upper()

    memo: IdentityMemo[str, str] = IdentityMemo(limit=2)
    keys = ["".join(["k", str(n)]) for n in range(3)]
    for key in keys:
        assert memo.get(key, make) == key.upper()
    # The third key cleared the first two: asking for the first makes it again.
    assert memo.get(keys[2], make) == "K2"
    assert made == keys
    assert memo.get(keys[0], make) == "K0"
    assert made == [*keys, keys[0]]
