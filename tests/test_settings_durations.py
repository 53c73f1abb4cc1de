import pytest

from gitops_vela.settings import parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30s", 30.0), ("5m", 300.0), ("1h", 3600.0), ("90", 90.0), ("250ms", 0.25), (12, 12.0)],
)
def test_durations_read_like_the_design_says(text: str | int, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "5 minutes", "-1s", "1d"])
def test_bad_durations_name_the_value(text: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)
