"""ISO3 on the command line → the numeric code Comtrade+ queries need."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from detour.errors import ConfigError
from detour.fetch import comtrade_code, comtrade_codes
from detour.fetch.comtrade_codes import CURRENT_COMTRADE_CODES, reverse_table
from detour.model.codes import country_from_comtrade, numeric_table


@pytest.mark.parametrize(
    ("given_", "code"),
    [("USA", 842), ("FRA", 251), ("ITA", 381), ("IND", 699), ("NOR", 579), ("CHE", 757), ("TWN", 490),
     ("S19", 490), ("srb", 688), ("DEU", 276), ("RUS", 643), ("UKR", 804), ("MYS", 458), ("PAK", 586),
     ("W00", 0), ("WLD", 0), ("837", 837), (" bgr ", 100)],
)  # fmt: skip
def test_known_countries(given_: str, code: int) -> None:
    assert comtrade_code(given_) == code


def test_unknown_country_names_the_fix() -> None:
    with pytest.raises(ConfigError, match="alpha-3"):
        comtrade_code("Serbia")


def test_duplicates_collapse_in_order() -> None:
    assert comtrade_codes(["USA", "usa", "842", "SRB"]) == (842, 688)


def test_current_codes_agree_with_the_data_file() -> None:
    forward = numeric_table()
    assert all(forward[code] == iso3 for iso3, code in CURRENT_COMTRADE_CODES.items())


@given(st.sampled_from(sorted(reverse_table())))
def test_reverse_round_trips_through_the_forward_table(iso3: str) -> None:
    assert country_from_comtrade(reverse_table()[iso3]) == iso3
