from __future__ import annotations

import guard


def test_public_api_is_explicit_and_sorted() -> None:
    assert guard.__all__ == sorted(guard.__all__)
    for name in guard.__all__:
        assert getattr(guard, name) is not None
