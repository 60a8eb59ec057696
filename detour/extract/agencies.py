"""Which agency a name or acronym means, from the words around it.

An acronym can belong to several bodies (BIS: the US Bureau of Industry and Security and the
Czech Security Information Service) and a name to several countries ("Foreign Intelligence
Service": Russia's SVR, Ukraine's SZRU, Romania's SIE). In order:

1. a country written in front ("the Czech BIS", "Russia's Foreign Intelligence Service");
2. the name in a "Name (ACRONYM)" pair;
3. a candidate whose full name appears anywhere in the text;
4. for an acronym, the first body listed in ``agencies.yaml``; for a bare shared name, none.

>>> resolve_agency([], ["BIS"], "CZE", "").id, resolve_agency([], ["BIS"], None, "").id
('bis-cz', 'bis-us')
>>> resolve_agency(["Foreign Intelligence Service"], [], None, "") is None
True
"""

from __future__ import annotations

from detour.extract.gazetteer import Agency, gazetteer


def resolve_agency(names: list[str], acronyms: list[str], hint: str | None, text: str) -> Agency | None:
    """The agency meant by the ``names``/``acronyms`` written together; ``hint`` is an ISO3."""
    g = gazetteer()
    if acronyms:
        cands = [ag for ag in g.agencies.values() if acronyms[0] in ag.acronyms]
    else:
        cands = [ag for ag in g.agencies.values() if names and names[0] in ag.names]
    return _choose(cands, hint, names, text)


def _choose(cands: list[Agency], hint: str | None, names: list[str], text: str) -> Agency | None:
    if hint:
        same = [c for c in cands if c.country == hint]
        cands = same or cands
    if names:
        named = [c for c in cands if names[0] in c.names]
        cands = named or cands
    if len(cands) > 1:
        spelled = [c for c in cands if any(n in text for n in c.names)]
        cands = spelled or cands
        if not hint and not names and all(c.kind == "agency" for c in cands) and not spelled:
            return cands[0]  # the first listed body owns an ambiguous acronym by default
        if len(cands) > 1 and names and not hint:
            return None
    return cands[0] if cands else None
