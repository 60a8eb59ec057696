"""truth.json says exactly what was planted, and the planted effects are in the declarations."""

from __future__ import annotations

import json

import pytest

from detour.simulate import DECOY_KINDS, KINDS, Truth
from detour.simulate.scenarios import FAMILIES


@pytest.fixture(scope="module")
def decl(small_panel):
    return small_panel.expected()


def _sum(decl, reporter, partner, flow, hs, years):
    m = (
        (decl.reporter == reporter)
        & (decl.partner == partner)
        & (decl.flow == flow)
        & decl.hs.isin(list(hs))
        & decl.year.isin(list(years))
    )
    return float(decl.value_usd[m].sum()), int(m.sum())


def test_truth_file_layout(small_run, small_panel):
    data = json.loads(small_run.truth_path.read_text(encoding="utf-8"))
    assert data["seed"] == small_panel.truth.seed
    assert {"seed", "scenarios", "decoys", "non_reporters", "suppressed"} <= set(data)
    assert set(data["scenarios"][0]) >= {
        "id", "kind", "origin", "hub", "destination", "hs", "start", "end", "value_usd",
    }
    assert set(data["decoys"][0]) >= {"id", "kind", "countries", "hs", "start", "end"}
    assert Truth.read(small_run.truth_path).to_dict() == data


def test_every_kind_and_every_decoy_is_planted(small_panel):
    t = small_panel.truth
    assert {s.kind for s in t.scenarios} == set(KINDS)
    assert {d.kind for d in t.decoys} == set(DECOY_KINDS)
    assert len({s.id for s in t.scenarios}) == len(t.scenarios)
    assert t.suppressed and all(ch == "93" for _, ch in t.suppressed)


def test_scenarios_are_well_formed(small_panel):
    w = small_panel.world
    for s in small_panel.truth.scenarios:
        assert all(w.has(c) for c in (s.origin, s.hub, s.destination) if c)
        assert all(w.has_hs(h) for h in s.hs)
        assert w.years[0] < s.start <= s.end <= w.years[-1]
        assert s.value_usd > 0
        if s.kind in ("phantom_export", "undeclared_export", "unit_value"):
            assert s.hub is None and s.destination is not None
        else:
            assert len({s.origin, s.hub, s.destination}) == 3


def test_scenarios_and_decoys_use_goods_the_default_watch_list_covers(small_panel):
    from detour.detectors.watchlist import load_watchlist

    default = load_watchlist("default")
    t = small_panel.truth
    assert all(default.matches(h) for s in t.scenarios for h in s.hs)
    assert all(default.matches(h) for d in t.decoys for h in d.hs)


def test_the_motivating_case_is_sized_like_the_reporting(small_panel):
    [s] = [s for s in small_panel.truth.scenarios if s.note.startswith("motivating case")]
    years = s.end - s.start + 1
    assert s.value_usd / years >= 0.5 * 2e7 * 0.6  # USD 20M+ a year, ramping up, with wobble


def test_transformation_pairs_come_from_the_domain_families(small_panel):
    for s in small_panel.truth.scenarios:
        if s.kind != "transformation":
            continue
        heads = {h[:4] for h in s.hs}
        assert any(heads & set(comp) and heads & set(prod) for _, comp, prod, _ in FAMILIES), s.hs
    motivating = [s for s in small_panel.truth.scenarios if s.note.startswith("motivating case")]
    assert [(s.origin, s.hub, s.destination) for s in motivating] == [("SRB", "CZE", "UKR")]


def test_planted_effects_are_in_the_declarations(small_panel, decl):
    for s in small_panel.truth.scenarios:
        window = range(s.start, s.end + 1)
        if s.kind == "phantom_export":
            x, _ = _sum(decl, s.origin, s.destination, "export", s.hs, window)
            m, _ = _sum(decl, s.destination, s.origin, "import", s.hs, window)
            assert x - m > 0.3 * s.value_usd, s
        elif s.kind == "undeclared_export":
            assert _sum(decl, s.origin, s.destination, "export", s.hs, window)[1] == 0, s
            m, _ = _sum(decl, s.destination, s.origin, "import", s.hs, window)
            assert m > 0.5 * s.value_usd, s
        elif s.kind in ("transshipment", "transformation"):
            x, _ = _sum(decl, s.origin, s.hub, "export", s.hs, window)
            assert x >= s.value_usd - len(window) * len(s.hs), s  # planted FOB, whole dollars
            assert _sum(decl, s.hub, s.destination, "export", s.hs, window)[1] > 0, s
            if s.kind == "transshipment":
                direct = window if "sanctions" in s.note else small_panel.world.years
                assert _sum(decl, s.origin, s.destination, "export", s.hs, direct)[1] == 0, s
        elif s.kind == "unit_value":
            lane = decl[
                (decl.reporter == s.origin)
                & (decl.partner == s.destination)
                & (decl.flow == "export")
                & decl.hs.isin(s.hs)
            ]
            before = lane[lane.year < s.start]
            during = lane[lane.year.between(s.start, s.end)]
            ratio = (during.value_usd.sum() / during.net_kg.sum()) / (
                before.value_usd.sum() / before.net_kg.sum()
            )
            assert ratio > 1.8 or ratio < 0.5, (s, ratio)


def test_decoys_are_in_the_declarations(small_panel, decl):
    for d in small_panel.truth.decoys:
        window = range(d.start, d.end + 1)
        if d.kind == "decoy:cif_fob":
            x, _ = _sum(decl, d.countries[0], d.countries[1], "export", d.hs, window)
            m, _ = _sum(decl, d.countries[1], d.countries[0], "import", d.hs, window)
            assert m / x > 1.15, d
        elif d.kind in ("decoy:procurement_surge", "decoy:broad_buying"):
            bought = [_sum(decl, d.countries[0], s, "import", d.hs, window)[0] for s in d.countries[1:]]
            assert sum(v > 0 for v in bought) >= (3 if d.kind == "decoy:broad_buying" else 1), d
        elif d.kind == "decoy:chapter_suppression":
            assert not ((decl.reporter == d.countries[0]) & decl.hs.str.startswith("93")).any()
        elif d.kind == "decoy:non_reporter":
            assert not ((decl.reporter == d.countries[0]) & decl.year.between(d.start, d.end)).any()


def test_hs2022_break_and_its_diagnostic_switch(decl):
    from detour.simulate import build_panel

    from .conftest import SEED, SMALL

    new = decl.hs.str[:4].isin(["8806", "8807"])
    assert new.any() and decl.year[new].min() == 2022  # as in raw data: no drone code before HS2022
    assert decl.year[decl.hs.str.startswith("8803")].max() == 2021
    flat = build_panel(SEED, **SMALL, hs_revision=False).expected()
    assert flat.year[flat.hs.str[:4].isin(["8806", "8807"])].min() == SMALL["years"][0]


def test_retired_codes_go_on_under_their_successors(decl):
    """As in real files, a flow declared in 880390 until 2021 is declared in 880790 from 2022
    (WCO correlation, 1:1), and 360300's trade goes on, divided, in its HS2022 subheadings:
    the same pairs trade before and after, not an independent new draw."""

    def pairs(hs, year):
        m = decl.hs.isin(hs) & (decl.year == year) & (decl.flow == "export")
        return set(zip(decl.reporter[m], decl.partner[m], strict=True))

    for old, new in (("880330", "880730"), ("880390", "880790"), ("360300", "360340")):
        before, after = pairs([old], 2021), pairs([new], 2022)
        if len(before) >= 5:
            assert len(before & after) >= 0.6 * len(before), (old, new, len(before & after), len(before))


def test_drone_trade_goes_on_under_its_hs2017_correlate_before_2022(decl):
    """As in real files: pairs that trade drones (8806) in 2022 mostly declared trade in a
    correlate (8802.11/.20, 8525.80, ...) in 2021, under which their drones were declared."""
    from detour.detectors.revisions import narrowed_codes

    def pairs(mask):
        m = mask & (decl.flow == "export")
        return set(zip(decl.reporter[m], decl.partner[m], strict=True))

    drones = pairs(decl.hs.str.startswith("8806") & (decl.year == 2022))
    before = pairs(decl.hs.isin(narrowed_codes()) & (decl.year == 2021))
    assert len(drones) >= 5
    assert len(drones & before) >= 0.6 * len(drones)


def test_drone_codes_are_carried_by_a_correlate_only_across_the_revision():
    from detour.detectors.revisions import history_bound
    from detour.simulate.world import make_world

    w = make_world(40, 300, (2016, 2024))
    carried = {w.products.hs.iloc[k]: w.products.hs.iloc[v] for k, v in w.carried().items()}
    drones = [h for h in w.products.hs if h.startswith("8806")]
    assert drones and set(carried) == set(drones)
    assert all(home in history_bound(code) for code, home in carried.items())
    assert make_world(40, 300, (2016, 2024), hs_revision=False).carried() == {}
    assert make_world(40, 300, (2022, 2024)).carried() == {}  # nothing before the revision
