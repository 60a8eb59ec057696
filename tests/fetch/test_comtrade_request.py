"""What goes over the wire, and what lands on disk."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from comtrade_fake_data import generate
from comtrade_fake_server import KEY

from detour.errors import FetchError
from detour.fetch import COMTRADE_FIELDS, ComtradeClient, fetch_comtrade


def test_request_path_params_and_key_header(comtrade, make_client, tmp_path: Path) -> None:
    fetch_comtrade(
        ["USA"],
        ["SRB", "twn"],
        ["9301", "8542.31"],
        [2022],
        out_dir=tmp_path,
        client=make_client(),
        expand=False,
    )
    (seen,) = comtrade.seen
    assert seen.path == "/data/v1/get/C/A/HS"
    assert seen.headers["ocp-apim-subscription-key"] == KEY
    assert seen.params == {
        "reporterCode": "842", "partnerCode": "688,490", "period": "2022", "cmdCode": "9301,854231",
        "flowCode": "M,X,RM,RX", "partner2Code": "0", "customsCode": "C00", "motCode": "0",
        "breakdownMode": "classic", "includeDesc": "true", "maxRecords": "100000",
    }  # fmt: skip


def test_chapters_and_headings_expand_to_their_hs6_detail(comtrade, make_client, tmp_path: Path) -> None:
    fetch_comtrade(["SRB"], ["BGR"], ["93", "3602", "880730"], [2022], out_dir=tmp_path, client=make_client())
    reference, data = comtrade.seen
    assert reference.path == "/files/v1/app/reference/HS.json"
    assert "ocp-apim-subscription-key" not in reference.headers  # public file: the key stays home
    assert data.params["cmdCode"].split(",") == [
        "93", "9301", "930110", "930120", "930190", "9302", "930200", "9303", "930310", "930320", "930330",
        "930390", "9305", "930510", "930520", "930591", "930599", "9306", "930621", "930629", "930630",
        "930690", "3602", "360200", "880730",
    ]  # fmt: skip
    assert (tmp_path / "reference" / "HS.json").is_file()
    comtrade.reset()
    fetch_comtrade(["SRB"], ["BGR"], ["36"], [2022], out_dir=tmp_path, client=make_client())
    assert [s.path for s in comtrade.seen] == ["/data/v1/get/C/A/HS"]  # the list is cached


def test_monthly_plus_mode_asks_for_months_and_every_breakdown(comtrade, make_client, tmp_path: Path) -> None:
    fetch_comtrade(
        ["FRA"],
        None,
        ["TOTAL"],
        [2021],
        freq="M",
        breakdown="plus",
        flows=["X"],
        out_dir=tmp_path,
        client=make_client(),
    )
    (seen,) = comtrade.data_requests()
    assert seen.path == "/data/v1/get/C/M/HS"
    assert seen.params["period"] == ",".join(f"2021{m:02d}" for m in range(1, 13))
    assert seen.params["reporterCode"] == "251" and seen.params["breakdownMode"] == "plus"
    assert not {"partnerCode", "motCode", "customsCode", "partner2Code"} & set(seen.params)


def test_csv_has_the_api_header_and_keeps_aggregate_rows(comtrade, make_client, tmp_path: Path) -> None:
    result = fetch_comtrade(
        ["SRB"],
        None,
        ["930690"],
        [2022],
        breakdown="plus",
        flows=["X"],
        out_dir=tmp_path,
        client=make_client(),
    )
    (path,) = result.paths
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        assert tuple(reader.fieldnames or ()) == COMTRADE_FIELDS
        rows = list(reader)
    assert len(rows) == result.rows_fetched == len(generate("A", comtrade.data_requests()[0].params))
    world = [r for r in rows if r["partnerCode"] == "0"]
    assert world and all(r["partnerISO"] == "W00" for r in world)
    assert {r["motCode"] for r in rows} == {"0", "1000", "2100", "3200"}
    first = rows[0]
    assert first["fobvalue"] and first["cifvalue"] == ""  # exports: FOB only; null → empty cell
    assert first["isLeaf"] in ("True", "False")


def test_elements_list_key_is_accepted(comtrade, make_client, tmp_path: Path) -> None:
    comtrade.list_key = "elements"
    result = fetch_comtrade(
        ["USA"], ["UKR"], ["930690"], [2023], flows=["X"], out_dir=tmp_path, client=make_client()
    )
    assert result.rows_fetched == 1


def test_json_error_field_raises(comtrade, make_client, tmp_path: Path) -> None:
    comtrade.script.append((200, {}, {"count": 0, "data": [], "error": "Invalid parameter: period"}))
    with pytest.raises(FetchError, match="Invalid parameter: period"):
        fetch_comtrade(["USA"], None, ["93"], [2023], out_dir=tmp_path, client=make_client())
    assert list(tmp_path.glob("*.csv")) == []


def test_invalid_key_raises_with_the_env_var(comtrade, make_client, tmp_path: Path) -> None:
    with pytest.raises(FetchError, match="invalid") as info:
        fetch_comtrade(["USA"], None, ["93"], [2023], out_dir=tmp_path, client=make_client(api_key="wrong"))
    assert "DETOUR_COMTRADE_KEY" in str(info.value)
    assert len(comtrade.data_requests()) == 1  # a refused key is not retried


def test_missing_key_fails_before_any_request(comtrade, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DETOUR_COMTRADE_KEY")
    with pytest.raises(FetchError, match="DETOUR_COMTRADE_KEY"):
        ComtradeClient()
    assert comtrade.seen == []


def test_other_client_errors_are_not_retried(comtrade, make_client, tmp_path: Path) -> None:
    comtrade.script.append((414, {}, b"Request URL Too Long"))
    with pytest.raises(FetchError, match="414") as info:
        fetch_comtrade(["USA"], None, ["93"], [2023], out_dir=tmp_path, client=make_client())
    assert "HS codes" in str(info.value) and len(comtrade.data_requests()) == 1
