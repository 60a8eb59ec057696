"""Every reporting quirk of real Comtrade+ files is present in what the simulator writes."""

from __future__ import annotations

import pandas as pd


def test_two_styles_two_spellings(small_run, small_rows):
    api = [p for p in small_run.paths if p.name.endswith(".csv")]
    bulk = [p for p in small_run.paths if p.name.endswith(".txt.gz")]
    assert api and bulk
    assert all(p.read_bytes()[:2] != b"\x1f\x8b" for p in api)
    assert all(p.read_bytes()[:2] == b"\x1f\x8b" for p in bulk)
    headers = small_rows.groupby("file").header.first()
    for name, header in headers.items():
        cols = header.split("|")
        if name.endswith(".csv"):
            assert {"cifvalue", "fobvalue"} <= set(cols) and "CIFValue" not in cols
        else:
            assert {"CIFValue", "FOBValue"} <= set(cols) and "cifvalue" not in cols
        assert len(cols) == 47


def test_annual_rows_carry_ref_month_52(small_rows):
    assert set(small_rows.refMonth) == {"52"}
    assert set(small_rows.freqCode) == {"A"}
    assert (small_rows.period == small_rows.refYear).all()


def test_world_rows_beside_the_detail(small_rows):
    world = small_rows[small_rows.partnerCode == "0"]
    assert len(world) and set(world.partnerISO) == {"W00"} and set(world.partnerDesc) == {"World"}
    # A World row is the sum of the reporter's partner rows for that flow and HS6 (totals only).
    leaf = small_rows[
        (small_rows.partnerCode != "0")
        & (small_rows.aggrLevel == "6")
        & (small_rows.motCode == "0")
        & (small_rows.partner2Code == "0")
    ]
    sums = (
        leaf.assign(v=leaf.primaryValue.astype(float))
        .groupby(["refYear", "reporterCode", "flowCode", "cmdCode"])
        .v.sum()
    )
    w = (
        world[world.aggrLevel == "6"]
        .set_index(["refYear", "reporterCode", "flowCode", "cmdCode"])
        .primaryValue.astype(float)
    )
    assert (sums.reindex(w.index) == w).all()


def test_breakdowns_beside_the_totals(small_rows):
    modes = small_rows[small_rows.motCode != "0"]
    assert set(modes.motCode) <= {"1000", "2100", "3100", "3200"} and len(modes) > 0
    totals = small_rows[(small_rows.motCode == "0") & (small_rows.partner2Code == "0")]
    key = ["refYear", "reporterCode", "flowCode", "partnerCode", "cmdCode"]
    split = modes.assign(v=modes.primaryValue.astype(float)).groupby(key).v.sum()
    whole = totals.set_index(key).primaryValue.astype(float).reindex(split.index)
    assert ((split - whole).abs() <= 2).all()  # the modes add up to the total, up to rounding
    assert (small_rows.partner2Code != "0").any()  # some rows by consignment country, too


def test_commodity_aggregates(small_rows):
    total = small_rows[small_rows.cmdCode == "TOTAL"]
    chapters = small_rows[small_rows.aggrLevel == "2"]
    assert len(total) and set(total.aggrLevel) == {"0"} and set(total.isLeaf) == {"False"}
    assert len(chapters) and (chapters.cmdCode.str.len() == 2).all()
    leaves = small_rows[small_rows.aggrLevel == "6"]
    assert (leaves.cmdCode.str.len() == 6).all() and set(leaves.isLeaf) == {"True"}


def test_comtrade_own_country_codes(small_rows):
    codes = set(small_rows.reporterCode.astype(int))
    assert {842, 251, 381, 699, 579, 757, 490} <= codes
    assert not {840, 250, 380, 356, 578, 756, 158} & codes  # the ISO numerics never appear
    twn = small_rows[small_rows.reporterCode == "490"]
    assert set(twn.reporterISO) == {"S19"} and set(twn.reporterDesc) == {"Other Asia, nes"}
    assert "490" in set(small_rows.partnerCode)


def test_each_reporter_in_one_style(small_rows):
    styles = (
        small_rows.assign(style=small_rows.file.str.contains("bulk")).groupby("reporterCode").style.nunique()
    )
    assert (styles == 1).all()


def test_re_exports(small_rows, small_panel):
    rx = small_rows[small_rows.flowCode == "RX"]
    assert len(rx) and set(rx.flowDesc) == {"Re-export"}
    exp = small_panel.expected()
    assert (exp.flow == "re-export").any()
    # Where the final importer names the country of origin, its import row is under that origin.
    for r in small_panel.truth.extra["re_exports"]:
        assert (
            (exp.reporter == r["destination"])
            & (exp.partner == r["origin"])
            & (exp.hs == r["hs"])
            & (exp.year == r["year"])
            & (exp.flow == "import")
        ).any()


def test_non_reporters_declare_nothing(small_rows, small_panel):
    cs = small_panel.world.countries.set_index("iso3")
    assert small_panel.truth.non_reporters
    partners_still_do = []
    for iso3, year in small_panel.truth.non_reporters:
        code = str(cs.loc[iso3, "code"])
        mine = small_rows[(small_rows.reporterCode == code) & (small_rows.refYear == str(year))]
        assert mine.empty, (iso3, year)
        partners_still_do.append(((small_rows.partnerCode == code) & (small_rows.refYear == str(year))).any())
    assert any(partners_still_do)  # a tiny economy may have no trade at all in a small world


def test_chapter_suppression_both_ways(small_rows, small_panel):
    cs = small_panel.world.countries.set_index("iso3")
    how = small_panel.plan.suppressors
    assert set(how.values()) == {"999999", "chapter"}
    for iso3, variant in how.items():
        mine = small_rows[small_rows.reporterCode == str(cs.loc[iso3, "code"])]
        assert not mine.cmdCode.str.match(r"^93\d{4}$").any()  # no HS6 detail in chapter 93, ever
        assert (mine.cmdCode == ("999999" if variant == "999999" else "93")).any()
        # the partner still declares its side of chapter 93
        assert (
            small_rows[(small_rows.partnerCode == str(cs.loc[iso3, "code"]))]
            .cmdCode.str.startswith("93")
            .any()
        )


def test_values_are_plain_numbers(small_rows):
    for col in ("primaryValue", "netWgt"):
        assert pd.to_numeric(small_rows[col]).ge(1).all()
        assert not small_rows[col].str.contains("e", case=False).any()
    m = small_rows[small_rows.flowCode == "M"]
    x = small_rows[small_rows.flowCode.isin(["X", "RX"])]
    assert (m.cifvalue == m.primaryValue).all() and (m.fobvalue == "").all()
    assert (x.fobvalue == x.primaryValue).all() and (x.cifvalue == "").all()
