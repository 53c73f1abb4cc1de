import pytest

from gitops_vela.settings import parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30s", 30.0), ("5m", 300.0), ("1h", 3600.0), ("90", 90.0), ("250ms", 0.25), (12, 12.0)],
)
def test_durations_read_like_the_design_says(text: str | int, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("1h30m", 5400.0),
        ("2m30s", 150.0),
        ("90s", 90.0),
        ("1.5h", 5400.0),
        ("1m0.5s", 60.5),
        ("500us", 0.0005),
        ("0", 0.0),
        (" 10m ", 600.0),
    ],
)
def test_durations_read_as_go_and_kubectl_write_them(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "5 minutes", "-1s", "1d", "1h 30m", "m", "1m5", "1.2.3s"])
def test_bad_durations_name_the_value(text: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)
