"""Country and HS code normalisation: properties, and agreement with the real code tables."""

from __future__ import annotations

import csv

from hypothesis import given
from hypothesis import strategies as st

from detour.model.codes import (
    country_from_comtrade,
    country_from_iso3,
    country_from_name,
    is_area,
    normalise_hs,
    numeric_table,
)
from tests.conftest import shared_file


@given(st.text(alphabet="0123456789. ", max_size=12))
def test_normalise_hs_keeps_digits_and_is_idempotent(code):
    n = normalise_hs(code)
    assert n.isdigit() or n == ""
    assert normalise_hs(n) == n
    assert len(n) % 2 == 0 or len(n) > 6


@given(st.integers(min_value=1, max_value=999_999))
def test_baci_codes_regain_their_leading_zero(k):
    n = normalise_hs(str(k))
    assert int(n) == k
    assert len(n) == len(str(k)) + len(str(k)) % 2


def test_comtrade_own_codes():
    expected = {842: "USA", 251: "FRA", 381: "ITA", 699: "IND", 579: "NOR", 757: "CHE", 490: "TWN", 0: "W00"}
    assert {c: country_from_comtrade(c) for c in expected} == expected
    assert country_from_comtrade(490, "S19") == "TWN" and country_from_comtrade(None, "usa") == "USA"
    assert country_from_comtrade(9998) is None and country_from_iso3("ZZZ") is None
    assert is_area("XAN") and is_area("W00") and not is_area("SRB")


def test_every_real_comtrade_code_maps_to_its_iso3():
    """The Comtrade code table in ../shared/data agrees with Detour's mapping on every row."""
    path = shared_file("reference/comtrade_country_codes_iso.csv")
    table = numeric_table()
    with open(path, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    mismatches = [(r["comtrade_code"], r["iso3"], table.get(int(r["comtrade_code"])))
                  for r in rows if r["iso3"] and table.get(int(r["comtrade_code"])) != r["iso3"]]
    assert mismatches == []
    assert len(rows) > 200


def test_every_partner_in_the_real_partner_list_is_known():
    path = shared_file("eu_sanctions_hs6/COMTRADE_partners.csv")
    with open(path, encoding="utf-8") as fh:
        codes = [int(float(r["partnercode"])) for r in csv.DictReader(fh) if r["partnercode"]]
    assert [c for c in codes if country_from_comtrade(c) is None] == []


def test_country_names_as_statistical_offices_write_them():
    assert country_from_name("Germany (incl. German Democratic Republic 'DD' from 1991)") == "DEU"
    assert country_from_name("Italy (incl. San Marino 'SM' -> 1993)") == "ITA"
    assert country_from_name("Kyrgyz Republic") == "KGZ" and country_from_name("Africa") is None
