"""The capacity benchmark's pure parts: messages, answers, HTTP parsing, figures. No server."""

from __future__ import annotations

import asyncio
import collections
import json
import math
import random

import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ButtonGroup_pb2 import ButtonGroup
from streamlit.proto.NumberInput_pb2 import NumberInput
from streamlit.proto.Selectbox_pb2 import Selectbox
from streamlit.proto.Slider_pb2 import Slider

from benchmarks import machine, minihttp, protocol, report, strokes
from benchmarks.visitor import Timing, moved_code
from tests.conftest import run_coroutine


def test_rerun_message_carries_the_client_state() -> None:
    states = [protocol.slider_state("s", 0.25), protocol.trigger_state("b")]
    message = protocol.rerun_message(
        states,
        query_string="level=0.25",
        page_script_hash="abc",
        fragment_id="frag",
        cached_hashes={"h2", "h1"},
    )
    wire = BackMsg.FromString(message.SerializeToString()).rerun_script
    assert wire.query_string == "level=0.25"
    assert wire.page_script_hash == "abc"
    assert wire.fragment_id == "frag"
    assert list(wire.cached_message_hashes) == ["h1", "h2"]
    slider, button = wire.widget_states.widgets
    assert (slider.id, list(slider.double_array_value.data)) == ("s", [0.25])
    assert (button.id, button.trigger_value) == ("b", True)


def test_widget_values_use_the_frontends_fields() -> None:
    assert protocol.number_state("n", 7, integer=True).WhichOneof("value") == "int_value"
    assert protocol.number_state("n", 0.5).double_value == 0.5
    assert list(protocol.option_state("g", "Draw").string_array_value.data) == ["Draw"]
    assert protocol.selectbox_state("m", "dense-32").string_value == "dense-32"
    state = protocol.json_state("c", {"held": ["f"], "code": [1.0]})
    assert json.loads(state.json_value) == {"held": ["f"], "code": [1.0]}


def test_file_urls_request_names_the_session() -> None:
    message = protocol.file_urls_request("r1", "session", ["model.zip"])
    assert message.file_urls_request.session_id == "session"
    assert list(message.file_urls_request.file_names) == ["model.zip"]


def test_shown_state_reports_what_a_widget_shows() -> None:
    slider = Slider(id="s", default=[0.5], value=[0.3], set_value=True)
    assert list(protocol.shown_state("slider", slider).double_array_value.data) == [0.3]
    slider = Slider(id="s", default=[0.5])
    assert list(protocol.shown_state("slider", slider).double_array_value.data) == [0.5]
    select = Slider(id="s", default=[1], options=["1,000", "5,000"], type=Slider.SELECT_SLIDER)
    assert list(protocol.shown_state("slider", select).string_array_value.data) == ["5,000"]
    number = NumberInput(id="n", default=3, data_type=NumberInput.INT)
    assert protocol.shown_state("number_input", number).int_value == 3
    select = Selectbox(id="m", options=["a", "b"], default=1)
    assert protocol.shown_state("selectbox", select).string_value == "b"
    group = ButtonGroup(id="g", options=[ButtonGroup.Option(content="Draw")], default=[0])
    assert list(protocol.shown_state("button_group", group).string_array_value.data) == ["Draw"]
    # No default and nothing set: say nothing (an empty list would deselect it).
    assert protocol.shown_state("button_group", ButtonGroup(id="g")) is None
    assert protocol.shown_state("button", ButtonGroup(id="b")) is None  # a button: a trigger only


def test_live_component_reports_what_it_holds() -> None:
    held: set[str] = set()
    first = {"payload": {"fingerprint": "f1"}, "held": []}
    assert protocol.held_answer(first, held) == ["f1"]
    assert protocol.held_answer({"payload": None, "held": ["f1"]}, held) is None
    assert protocol.held_answer({"payload": {"fingerprint": "f2"}, "held": ["f1"]}, held) == [
        "f1",
        "f2",
    ]
    # Several views' models at once (Denoise, Compare), and a view of none (the detector).
    many = {"payloads": [{"fingerprint": "f3"}], "fingerprints": ["f1", "f3"], "held": ["f1", "f2"]}
    assert protocol.held_answer(many, held) == ["f1", "f2", "f3"]
    none = {"payloads": [], "fingerprints": [], "held": ["f1", "f2", "f3"]}
    assert protocol.held_answer(none, held) == ["f1", "f2", "f3", protocol.RUNS]


def test_moved_code_moves_one_live_unit_within_its_range() -> None:
    data = {
        "start": [0.0, 1.0, 2.0],
        "sliders": [
            {"min": 0, "max": 1, "dead": True},
            {"min": 5, "max": 6, "dead": False},
            {"min": 0, "max": 4, "dead": True},
        ],
    }
    code = moved_code(data, random.Random(0))
    assert code is not None and code[0] == 0.0 and code[2] == 2.0 and 5 <= code[1] <= 6
    assert moved_code({"start": None, "sliders": []}, random.Random(0)) is None


def test_a_drawing_is_what_the_pad_sends() -> None:
    value = strokes.drawing(random.Random(1), "7")
    assert len(value["digit"]) == 28 * 28
    assert min(value["digit"]) >= 0 and max(value["digit"]) <= 1 and max(value["digit"]) > 0.5
    assert value["strokes"][0]["width"] == strokes.WIDTH
    assert all(len(point) == 2 for point in value["strokes"][0]["points"])


def test_set_cookie_is_parsed() -> None:
    assert minihttp.parse_set_cookie("st_route=abc; Path=/; HttpOnly") == ("st_route", "abc")
    assert minihttp.parse_set_cookie("garbage") is None


def _read(raw: bytes) -> tuple[minihttp.Response, bool]:
    async def go() -> tuple[minihttp.Response, bool]:
        reader = asyncio.StreamReader()
        reader.feed_data(raw)
        reader.feed_eof()
        return await minihttp.read_response(reader)

    return run_coroutine(go())


def test_http_responses_are_read_by_length_and_by_chunks() -> None:
    response, keep = _read(
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\nhello"
    )
    assert (response.status, response.body, keep) == (200, b"hello", True)
    assert response.headers["set-cookie"].split("\n") == ["a=1", "b=2"]
    response, keep = _read(
        b"HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
    )
    assert (response.status, response.body, keep) == (404, b"abcde", False)
    with pytest.raises(minihttp.HttpError):
        _read(b"SSH-2.0-OpenSSH\r\n\r\n")


def test_percentile_interpolates_as_numpy_does() -> None:
    assert report.percentile([1, 2, 3, 4], 0.5) == 2.5
    assert report.percentile([1, 2, 3, 4, 5], 0.95) == pytest.approx(4.8)
    assert report.percentile([7], 0.95) == 7
    assert math.isnan(report.percentile([], 0.5))


def _level(visitors: int, seconds: list[float], errors: int = 0) -> report.Level:
    timings = [Timing("draw", 0.0, value) for value in seconds]
    timings += [Timing("switch", 0.0, 0.1, ("timeout",)) for _ in range(errors)]
    return report.Level(visitors=visitors, timings=timings, seconds=60, client_cpu_cores=0.05)


def test_largest_passing_level_needs_p95_and_no_errors() -> None:
    levels = [
        _level(10, [0.2] * 20),
        _level(20, [0.3] * 19 + [0.9]),
        _level(40, [0.3] * 20, errors=1),  # fast, but an error
        _level(60, [2.0] * 20),  # slow
    ]
    assert [level.passes() for level in levels] == [True, True, False, False]
    assert report.largest_passing(levels) == 20
    assert report.largest_passing([_level(5, [3.0])]) is None


def test_errors_are_counted_by_kind() -> None:
    assert report.error_kind("exception: ValueError: x") == "exception"
    assert report.error_kind("GET /media/a.png: 404") == "HTTP 404"
    assert report.error_kind("missing: button 'New random set'") == "missing widget"
    assert report.error_kind("timeout") == "timeout"


def test_table_puts_levels_side_by_side() -> None:
    levels = [_level(10, [0.2, 0.4]), _level(20, [0.5, 1.5], errors=2)]
    levels[1].replicas = 2
    text = report.table(levels)
    lines = text.splitlines()
    assert lines[0].split("|")[2].strip() == "N=10"
    assert lines[0].split("|")[3].strip() == "N=20 (2 replicas)"
    assert all(line.count("|") == 4 for line in lines)
    assert any(
        line.startswith("| draw: p50 / p95 ms (n)") and "300 / 390 (2)" in line for line in lines
    )
    assert any("timeout 2" in line for line in lines)
    assert "client CPU per visitor" in text


def test_steal_is_the_host_s_share_of_the_machine_s_cpu_time() -> None:
    fields = "user nice system idle iowait irq softirq steal guest guest_nice"
    times = collections.namedtuple("scputimes", fields)
    before = times(10, 0, 2, 80, 0, 0, 0, 8, 5, 0)
    after = times(40, 0, 5, 120, 1, 0, 1, 33, 25, 0)  # guest is inside user: not counted twice
    assert machine.steal_share(before, after) == pytest.approx(25 / 100)
    no_steal = collections.namedtuple("scputimes", "user system idle")
    assert math.isnan(machine.steal_share(no_steal(1, 1, 1), no_steal(2, 2, 2)))


def test_the_table_says_how_much_cpu_the_host_took() -> None:
    levels = [_level(10, [0.2]), _level(20, [0.3])]
    levels[0].machine_steal = 0.214
    row = next(line for line in report.table(levels).splitlines() if "steal" in line)
    assert [cell.strip() for cell in row.split("|")[2:4]] == ["21 %", ""]
