"""Detectors registry and ``run_detectors``, the one entry point for detection.

>>> DETECTORS
('transshipment', 'transformation', 'phantom_export', 'undeclared_export', 'unit_value')
>>> get_detector("unit_value").kind
'unit_value'
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from detour.detectors.base import Detector, Scope
from detour.detectors.panel import Panel
from detour.detectors.reference import destination_prior, hub_prior
from detour.detectors.revisions import declared_codes
from detour.detectors.routes import one_explanation
from detour.detectors.scoring import LEAD_Z, Params, to_score
from detour.detectors.watchlist import Watchlist, load_watchlist, load_watchlists
from detour.engine.base import Engine
from detour.errors import ConfigError
from detour.model.alert import Alert
from detour.store.catalog import Store

DETECTORS = ("transshipment", "transformation", "phantom_export", "undeclared_export", "unit_value")
_CLASSES = {
    "transshipment": "TransshipmentDetector",
    "transformation": "TransformationDetector",
    "phantom_export": "PhantomExportDetector",
    "undeclared_export": "UndeclaredExportDetector",
    "unit_value": "UnitValueDetector",
}


def get_detector(name: str) -> Detector:
    key = name.replace("-", "_")
    if key not in _CLASSES:
        raise ConfigError(f"unknown detector {name!r}", hint=f"choose one of: {', '.join(DETECTORS)}")
    module = importlib.import_module(f"detour.detectors.{key}")
    return getattr(module, _CLASSES[key])()


def _codes(values: Iterable[str] | None) -> frozenset[str] | None:
    return None if values is None else frozenset(v.upper() for v in values)


def as_declared(alert: Alert) -> Alert:
    """The alert's HS codes as reporters declared them: a series bridged across an HS revision
    (8803 → 8807) lists the old code for the years before it and the new one after."""
    codes = tuple(sorted({c for h in alert.hs for c in declared_codes(h, alert.start, alert.end)}))
    return alert if codes == tuple(alert.hs) else replace(alert, hs=codes)


def is_lead(alert: Alert, params: Params | None = None) -> bool:
    """Whether an alert's evidence is under the threshold ``min_z`` (kept only when leads are asked
    for): its score is under what ``min_z`` scores for its kind (25 at the default)."""
    return alert.score < to_score((params or Params()).min_z, alert.kind)


def mark_lead(alert: Alert, params: Params) -> Alert:
    """A lead's explanation says so in its first words; an alert is returned as it is."""
    if not is_lead(alert, params):
        return alert
    return replace(alert, explanation=f"Lead, under the evidence threshold: {alert.explanation}")


def _with_since(params: Params, since: int | None) -> Params:
    return params if since is None else replace(params, since=int(since))


def open_panel(
    engine: Engine,
    store: Store | Path | str,
    detectors: Sequence[Detector],
    *,
    watchlist: str | Path | Watchlist | Sequence[str | Path | Watchlist] | None = None,
    since: int | None = None,
    params: Params | None = None,
) -> Panel:
    """The panel the ``detectors`` need over the watch-list (default: ``default``), with the
    priors; the caller closes it. ``run_detectors`` and ``trace.trace_route`` share it."""
    store = store if isinstance(store, Store) else Store(store)
    if watchlist is None or isinstance(watchlist, str | Path | Watchlist):
        wl = load_watchlist(watchlist or "default")
    else:
        wl = load_watchlists(list(watchlist))
    params = _with_since(params or Params(), since)
    codes: tuple[str, ...] = ()
    for d in detectors:
        codes += d.codes(wl)
    panel = Panel.build(engine, store, wl.union(codes), params, hub_prior())
    panel.watchlist = wl
    panel.destination_prior = destination_prior()
    return panel


class SharedPanel:
    """One panel over every detector and the default watch-list, built on first use and closed
    with the context: callers that run the detectors and trace routes many times over one store
    (the claims of one article, each checked against the data) build it once, not once a call.

    Each run puts its own ``Params`` on it for the run (``since``, leads); what the build itself
    depends on, the watch-list and ``min_gap`` (the confidential and chapter-total residuals), is
    the default's, so a run asking for another of either is refused.

    >>> with SharedPanel(None, "store") as shared: shared.built
    False
    """

    def __init__(self, engine: Engine, store: Store | Path | str) -> None:
        self.engine, self.store = engine, store
        self._panel: Panel | None = None

    @property
    def built(self) -> bool:
        return self._panel is not None

    def get(self) -> Panel:
        if self._panel is None:
            self._panel = open_panel(self.engine, self.store, [get_detector(k) for k in DETECTORS])
        return self._panel

    def close(self) -> None:
        if self._panel is not None:
            self._panel.close()
            self._panel = None

    def __enter__(self) -> SharedPanel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextmanager
def panel_for(
    engine: Engine,
    store: Store | Path | str,
    detectors: Sequence[Detector],
    *,
    shared: SharedPanel | None = None,
    watchlist: str | Path | Watchlist | Sequence[str | Path | Watchlist] | None = None,
    since: int | None = None,
    params: Params | None = None,
) -> Iterator[Panel]:
    """The panel for one run: a new one (``open_panel``, closed after the run), or ``shared``'s
    with this run's ``Params`` on it for the run."""
    if shared is None:
        panel = open_panel(engine, store, detectors, watchlist=watchlist, since=since, params=params)
        try:
            yield panel
        finally:
            panel.close()
        return
    params = _with_since(params or Params(), since)
    if watchlist is not None or params.min_gap != Params().min_gap:
        raise ValueError("a shared panel is built on the default watch-list and min_gap")
    panel = shared.get()
    before = panel.params
    panel.params = params
    try:
        yield panel
    finally:
        panel.params = before


def run_detectors(
    engine: Engine,
    store: Store | Path | str,
    *,
    watchlist: str | Path | Watchlist | Sequence[str | Path | Watchlist] | None = None,
    origins: Iterable[str] | None = None,
    hubs: Iterable[str] | None = None,
    destinations: Iterable[str] | None = None,
    since: int | None = None,
    kinds: Iterable[str] | None = None,
    params: Params | None = None,
    leads: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
    shared: SharedPanel | None = None,
) -> list[Alert]:
    """Run the chosen detectors over one panel built once; alerts sorted by score, best first.

    ``leads`` also keeps the findings whose evidence is under the threshold but at least
    ``scoring.LEAD_Z`` (unless ``params.lead_z`` says otherwise). They score under 25, so they
    follow every alert, and their explanation begins "Lead, under the evidence threshold".

    ``progress(step, done, total)`` is called before each step (building the panel, then one
    step per detector) so a shell can show a progress bar. ``shared`` runs on a ``SharedPanel``
    instead of building a panel of its own.
    """
    detectors = [get_detector(k) for k in (kinds or DETECTORS)]
    params = params or Params()
    if leads and params.lead_z is None:
        params = replace(params, lead_z=LEAD_Z)
    report = progress or (lambda step, done, total: None)
    report("building the panel of watched flows", 0, len(detectors) + 1)
    scope = Scope(_codes(origins), _codes(hubs), _codes(destinations))
    alerts: list[Alert] = []
    with panel_for(
        engine, store, detectors, shared=shared, watchlist=watchlist, since=since, params=params
    ) as panel:
        for i, d in enumerate(detectors):
            report(f"detector {d.name}", i + 1, len(detectors) + 1)
            if panel.years:
                alerts.extend(as_declared(a) for a in d.run(panel, scope))
    alerts = [mark_lead(a, params) for a in one_explanation(alerts)]
    report("done", len(detectors) + 1, len(detectors) + 1)
    return sorted(alerts, key=lambda a: (-a.score, a.id))


__all__ = [
    "DETECTORS",
    "Alert",
    "Detector",
    "Params",
    "Scope",
    "SharedPanel",
    "get_detector",
    "is_lead",
    "run_detectors",
]
