"""Streamlit's own websocket protocol, spoken as a browser speaks it, for many visitors at once.

A :class:`Session` is one browser tab: it loads the page (which sets the proxy's
affinity cookie and Streamlit's XSRF cookie), opens ``/_stcore/stream`` with the
``streamlit`` subprotocol, and sends ``BackMsg.rerun_script`` with a
``ClientState`` (query string, widget states, page, fragment) whenever a visitor
acts. It reads the ``ForwardMsg`` stream as the frontend does: ``new_session``
starts a run, ``navigation`` lists the pages, deltas carry elements (widgets with
their ids, images, exceptions), ``page_info_changed`` carries the query string the
next rerun sends back, ``ref_hash`` points into the client's message cache, and
``script_finished`` ends a run. What a browser answers by itself it answers too:
the live component (``views/live.py``) reports the models it holds once their
weights arrive, and every ``/media/...`` file an element names is fetched over
HTTP, at most once per tab, as a browser's memory cache does.

Widgets are found at run time by their label, never by id: the views change.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.Common_pb2 import UploadedFileInfo
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.Slider_pb2 import Slider
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import ClientConnection, connect

from benchmarks.minihttp import HttpClient, HttpError

STREAM_PATH = "/_stcore/stream"
HEALTH_PATH = "/_stcore/health"
HOST_CONFIG_PATH = "/_stcore/host-config"
SUBPROTOCOL = "streamlit"
LIVE_COMPONENT = "autoencoder_live"  # views/live.py's component: it reports what it holds
XSRF_COOKIE = "_streamlit_xsrf"
FINISHED = {
    ForwardMsg.FINISHED_SUCCESSFULLY,
    ForwardMsg.FINISHED_WITH_COMPILE_ERROR,
    ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY,
}
SELECT_SLIDER = Slider.SELECT_SLIDER
MAX_ANSWERS = 4  # reruns a browser sends by itself after one action, at most
WIDGET_KINDS = (
    "button",
    "button_group",
    "slider",
    "number_input",
    "selectbox",
    "file_uploader",
    "bidi_component",
    "checkbox",
    "radio",
    "multiselect",
    "text_input",
)


# --- What a rerun sends (pure: unit-tested without a server) ---------------------------------


def rerun_message(
    states: Iterable[WidgetState],
    *,
    query_string: str = "",
    page_script_hash: str = "",
    page_name: str = "",
    fragment_id: str = "",
    cached_hashes: Iterable[str] = (),
) -> BackMsg:
    """``BackMsg.rerun_script``: what the frontend sends when a widget changes or a page opens."""
    message = BackMsg()
    client = message.rerun_script
    client.query_string = query_string
    client.page_script_hash = page_script_hash
    client.page_name = page_name
    client.fragment_id = fragment_id
    client.widget_states.widgets.extend(states)
    client.cached_message_hashes.extend(sorted(cached_hashes))
    return message


def slider_state(widget_id: str, *values: float) -> WidgetState:
    state = WidgetState(id=widget_id)
    state.double_array_value.data.extend(float(value) for value in values)
    return state


def number_state(widget_id: str, value: float, *, integer: bool = False) -> WidgetState:
    """A number input's value: an ``int_value`` for an integer input, as the frontend sends."""
    if integer:
        return WidgetState(id=widget_id, int_value=int(value))
    return WidgetState(id=widget_id, double_value=float(value))


def option_state(widget_id: str, *options: str) -> WidgetState:
    """A segmented control or pills (``button_group``): the chosen options' texts."""
    state = WidgetState(id=widget_id)
    state.string_array_value.data.extend(options)
    return state


def selectbox_state(widget_id: str, option: str) -> WidgetState:
    return WidgetState(id=widget_id, string_value=option)


def trigger_state(widget_id: str) -> WidgetState:
    """A button press: true for one rerun only."""
    return WidgetState(id=widget_id, trigger_value=True)


def json_state(widget_id: str, value: dict[str, Any]) -> WidgetState:
    """A v2 component's state: the whole mapping of its keys, as JSON."""
    return WidgetState(id=widget_id, json_value=json.dumps(value, separators=(",", ":")))


def file_state(widget_id: str, files: Iterable[UploadedFileInfo]) -> WidgetState:
    state = WidgetState(id=widget_id)
    state.file_uploader_state_value.uploaded_file_info.extend(files)
    return state


def file_urls_request(request_id: str, session_id: str, names: list[str]) -> BackMsg:
    """What the file uploader asks before it PUTs a file: where to send it."""
    message = BackMsg()
    message.file_urls_request.request_id = request_id
    message.file_urls_request.session_id = session_id
    message.file_urls_request.file_names.extend(names)
    return message


def shown_state(kind: str, proto: Any) -> WidgetState | None:
    """The value a widget shows, as the frontend reports it with every rerun; None if none.

    The frontend sends the state of every widget on the page, not only of those
    the visitor touched: the value the server set (``set_value``) or the default.
    """
    widget_id = proto.id
    if kind == "selectbox":
        if proto.set_value and proto.HasField("raw_value"):
            return selectbox_state(widget_id, proto.raw_value)
        if proto.HasField("default") and 0 <= proto.default < len(proto.options):
            return selectbox_state(widget_id, proto.options[proto.default])
        return None
    if kind == "radio":
        if proto.set_value and proto.HasField("raw_value"):
            return WidgetState(id=widget_id, string_value=proto.raw_value)
        if proto.HasField("default") and 0 <= proto.default < len(proto.options):
            return WidgetState(id=widget_id, string_value=proto.options[proto.default])
        return None
    if kind == "button_group":
        if proto.set_value:
            return option_state(widget_id, *proto.raw_values)
        if not proto.default:  # nothing known to show: an empty list would deselect
            return None
        options = [proto.options[index].content for index in proto.default]
        return option_state(widget_id, *options)
    if kind == "slider":
        values = proto.value if proto.set_value else proto.default
        if proto.type == SELECT_SLIDER:  # sent as the chosen options' texts
            chosen = [
                proto.options[int(index)] for index in values if 0 <= index < len(proto.options)
            ]
            return option_state(widget_id, *chosen)
        return slider_state(widget_id, *values)
    if kind == "number_input":
        field = "value" if proto.set_value else "default"
        if not proto.HasField(field):
            return None
        return number_state(widget_id, getattr(proto, field), integer=proto.data_type == 0)
    if kind == "checkbox":
        return WidgetState(
            id=widget_id, bool_value=proto.value if proto.set_value else proto.default
        )
    return None


RUNS = "script-runs"  # main.js's mark from a view that needs no model (the detector's)


def held_answer(component_data: dict[str, Any], held: set[str]) -> list[str] | None:
    """What the live component reports on a render (components/live/main.js), or None.

    A payload of weights (one view's ``payload``, several views' ``payloads``) means this
    tab now holds that model, and a view of no model marks that the script runs; if what
    it holds is not what the server thinks (``data.held``), it says so.
    """
    for payload in [component_data.get("payload"), *(component_data.get("payloads") or [])]:
        if isinstance(payload, dict) and isinstance(payload.get("fingerprint"), str):
            held.add(payload["fingerprint"])
    if component_data.get("fingerprints") == []:
        held.add(RUNS)
    told = component_data.get("held")
    if sorted(held) != sorted(told if isinstance(told, list) else []):
        return sorted(held)
    return None


# --- What the server sent ---------------------------------------------------------------------


@dataclass(frozen=True)
class Widget:
    """A widget as the last run drew it."""

    id: str
    kind: str  # the Element field: slider, button, button_group, bidi_component...
    label: str
    fragment_id: str
    proto: Any  # the element's own message (options, min, max, its data...)


@dataclass(frozen=True)
class Page:
    name: str
    script_hash: str
    url_pathname: str


@dataclass
class Outcome:
    """What one action cost and showed: from its BackMsg to its last run and media file."""

    seconds: float = 0.0
    reruns: int = 0
    media: int = 0
    exceptions: list[str] = field(default_factory=list)
    http_errors: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)  # alerts and toasts, as text
    elements: Counter[str] = field(default_factory=Counter)  # kinds drawn: "metric": 1
    timed_out: bool = False
    disconnected: bool = False

    @property
    def errors(self) -> list[str]:
        found = [f"exception: {text}" for text in self.exceptions] + self.http_errors
        if self.timed_out:
            found.append("timeout")
        if self.disconnected:
            found.append("disconnected")
        return found


class ProtocolError(RuntimeError):
    """The server did not speak as Streamlit speaks."""


class Session:
    """One browser tab of the app, over the websocket protocol."""

    def __init__(self, base_url: str, *, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = HttpClient(self.base_url)
        self.timeout = timeout
        self.session_id = ""
        self.pages: list[Page] = []
        self.page_hash = ""
        self.query_string = ""
        self.widgets: dict[str, Widget] = {}  # id -> the widget as last drawn
        self._states: dict[str, WidgetState] = {}  # values this tab has set, sent every rerun
        self._component_values: dict[str, dict[str, Any]] = {}
        self._held: set[str] = set()  # fingerprints the live component holds
        self._cache: dict[str, ForwardMsg] = {}  # cacheable messages by hash
        self._fetched: set[str] = set()  # media already in this tab's memory cache
        self._ws: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._run: _Run | None = None
        self._file_urls: dict[str, asyncio.Future[Any]] = {}
        self._media_tasks: list[asyncio.Task[str]] = []
        self._closed = asyncio.Event()

    # --- lifecycle

    async def open(self, path: str = "") -> Outcome:
        """Load the page at ``path`` (which sets cookies), connect, and run the app once."""
        started = time.perf_counter()
        outcome = Outcome()
        # The page, then what the frontend asks before it connects: the health check
        # (which sets the XSRF cookie that uploads must echo) and the host's config.
        for url in (f"/{path}", HEALTH_PATH, HOST_CONFIG_PATH):
            try:
                response = await self.http.get(url)
            except (HttpError, OSError) as error:
                outcome.http_errors.append(f"GET {url}: {error}")
                return outcome
            if response.status != 200:
                outcome.http_errors.append(f"GET {url}: {response.status}")
        parts = urlsplit(self.base_url)
        ws_url = f"ws://{parts.netloc}{parts.path}{STREAM_PATH}"
        headers = {"Cookie": self.http.cookie_header()} if self.http.cookies else {}
        self._ws = await connect(
            ws_url,
            subprotocols=[SUBPROTOCOL],  # type: ignore[list-item]
            origin=self.base_url,  # type: ignore[arg-type]
            additional_headers=headers,
            max_size=None,
            compression="deflate",  # offered, as Chromium does (Streamlit 1.67 declines it)
            open_timeout=self.timeout,
        )
        self._reader = asyncio.create_task(self._read())
        result = await self.rerun(page_name=path, started=started)
        result.http_errors[:0] = outcome.http_errors
        return result

    async def close(self) -> None:
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await self._ws.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(BaseException):
                await self._reader
        await self.http.close()

    # --- finding widgets

    def find(self, kind: str, label: str | None = None, *, contains: str = "") -> Widget | None:
        """The first widget of ``kind`` with this label (or whose id contains ``contains``)."""
        for widget in self.widgets.values():
            if widget.kind != kind:
                continue
            if label is not None and widget.label != label:
                continue
            if contains and contains not in widget.id:
                continue
            return widget
        return None

    def components(self, name: str) -> list[Widget]:
        return [
            widget
            for widget in self.widgets.values()
            if widget.kind == "bidi_component" and widget.proto.component_name == name
        ]

    def page(self, title: str) -> Page | None:
        return next((page for page in self.pages if page.name == title), None)

    def component_data(self, widget: Widget) -> dict[str, Any]:
        try:
            data = json.loads(widget.proto.json) if widget.proto.json else {}
        except json.JSONDecodeError:
            return {}
        return data if isinstance(data, dict) else {}

    # --- acting

    async def set_widget(self, state: WidgetState, widget: Widget) -> Outcome:
        """A widget changed: its new value, kept for every later rerun of this page."""
        self._states[state.id] = state
        return await self.rerun(fragment_id=widget.fragment_id)

    async def press(self, widget: Widget) -> Outcome:
        return await self.rerun(triggers=[trigger_state(widget.id)], fragment_id=widget.fragment_id)

    async def set_component(self, widget: Widget, key: str, value: Any) -> Outcome:
        """``setStateValue(key, value)`` in a v2 component: its whole state goes as JSON."""
        values = self._component_values.setdefault(widget.id, {})
        values[key] = value
        self._states[widget.id] = json_state(widget.id, values)
        return await self.rerun(fragment_id=widget.fragment_id)

    async def switch_page(self, page: Page) -> Outcome:
        """A click in the sidebar's navigation: that page, without the old page's URL."""
        self.query_string = ""
        self._states.clear()  # the frontend sends no widget states with a page change
        self._component_values.clear()
        return await self.rerun(page_script_hash=page.script_hash, shown=False)

    async def rerun(
        self,
        *,
        triggers: Iterable[WidgetState] = (),
        fragment_id: str = "",
        page_script_hash: str = "",
        page_name: str = "",
        started: float | None = None,
        shown: bool = True,
    ) -> Outcome:
        """Send one rerun and wait for it, the reruns it provokes and its media files.

        ``shown``: with the values of every widget on the page (False: a page change).
        """
        started = time.perf_counter() if started is None else started
        outcome = Outcome()
        page_hash = page_script_hash or self.page_hash
        message = self._message(triggers, fragment_id, page_hash, page_name, shown=shown)
        for _ in range(MAX_ANSWERS + 1):
            run = await self._send_and_wait(message, outcome)
            if run is None:
                break
            outcome.reruns += 1
            answer = self._answers(run)
            if answer is None:
                break
            message = self._message((), answer, self.page_hash, "")
        await self._await_media(outcome)
        outcome.seconds = time.perf_counter() - started
        return outcome

    async def upload(self, widget: Widget, name: str, data: bytes) -> Outcome:
        """What ``st.file_uploader`` does with a chosen file: ask for a URL, PUT it, rerun."""
        started = time.perf_counter()
        outcome = Outcome()
        request_id = f"upload-{len(self._file_urls)}-{time.monotonic_ns()}"
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._file_urls[request_id] = future
        await self._send(file_urls_request(request_id, self.session_id, [name]))
        try:
            response = await asyncio.wait_for(future, self.timeout)
        except TimeoutError:
            outcome.timed_out = True
            return outcome
        if response.error_msg or not response.file_urls:
            outcome.http_errors.append(f"file URLs: {response.error_msg or 'none given'}")
            return outcome
        urls = response.file_urls[0]
        headers = {"X-Xsrftoken": self.http.cookies.get(XSRF_COOKIE, "")}
        try:
            put = await self.http.put_multipart(
                _path(urls.upload_url),
                field="file",
                filename=name,
                data=data,
                content_type="application/zip",
                headers=headers,
            )
        except (HttpError, OSError) as error:
            outcome.http_errors.append(f"PUT upload: {error}")
            return outcome
        if put.status not in (200, 204):
            outcome.http_errors.append(f"PUT upload: {put.status} {put.body[:120]!r}")
            return outcome
        info = UploadedFileInfo(name=name, size=len(data), file_id=urls.file_id)
        info.file_urls.CopyFrom(urls)
        self._states[widget.id] = file_state(widget.id, [info])
        result = await self.rerun(fragment_id=widget.fragment_id, started=started)
        return result

    # --- internals

    def _message(
        self,
        triggers: Iterable[WidgetState],
        fragment_id: str,
        page_hash: str,
        page_name: str,
        *,
        shown: bool = True,
    ) -> BackMsg:
        states: dict[str, WidgetState] = {}
        if shown:
            for widget in self.widgets.values():
                value = shown_state(widget.kind, widget.proto)
                if value is not None:
                    states[widget.id] = value
        states.update(self._states)
        states.update((state.id, state) for state in triggers)
        return rerun_message(
            states.values(),
            query_string=self.query_string,
            page_script_hash=page_hash,
            page_name=page_name,
            fragment_id=fragment_id,
            cached_hashes=self._cache,
        )

    async def _send(self, message: BackMsg) -> None:
        if self._ws is None:
            raise ProtocolError("not connected")
        await self._ws.send(message.SerializeToString())

    async def _send_and_wait(self, message: BackMsg, outcome: Outcome) -> _Run | None:
        late = self._run
        if late is not None:  # a run that timed out earlier: its end must not end this one
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(late.done.wait(), self.timeout)
        run = _Run(fragment=message.rerun_script.fragment_id)
        self._run = run
        timed_out = False
        try:
            await self._send(message)
            await asyncio.wait_for(run.done.wait(), self.timeout)
        except TimeoutError:
            outcome.timed_out = timed_out = True
            return None
        except Exception:  # the connection went away
            outcome.disconnected = True
            return None
        finally:
            if not timed_out:  # else it stays current, so that its late messages go to it
                self._run = None
            outcome.exceptions += run.exceptions
            outcome.notices += run.notices
            outcome.media += len(run.media)
            outcome.elements += run.elements
        if run.disconnected:
            outcome.disconnected = True
            return None
        return run

    def _answers(self, run: _Run) -> str | None:
        """After a run: what the browser says by itself. A rerun's fragment id, or None."""
        for widget in run.drawn:
            if widget.kind != "bidi_component" or widget.proto.component_name != LIVE_COMPONENT:
                continue
            held = held_answer(self.component_data(widget), self._held)
            if held is not None:
                values = self._component_values.setdefault(widget.id, {})
                values["held"] = held
                self._states[widget.id] = json_state(widget.id, values)
                return widget.fragment_id
        return None

    async def _await_media(self, outcome: Outcome) -> None:
        pending = [task for task in self._media_tasks if not task.done()]
        if pending:
            await asyncio.wait(pending, timeout=self.timeout)
        for task in self._media_tasks:
            if not task.done():
                outcome.http_errors.append("media: timeout")
                task.cancel()
            elif task.result():
                outcome.http_errors.append(task.result())
        self._media_tasks.clear()

    def _fetch(self, url: str) -> None:
        if not url or url in self._fetched or url.startswith(("data:", "blob:")):
            return
        self._fetched.add(url)
        self._media_tasks.append(asyncio.create_task(self._get(url)))

    async def _get(self, url: str) -> str:
        """'' when the file came, else the error."""
        path = _path(url)
        try:
            response = await self.http.get(path)
        except (HttpError, OSError, asyncio.IncompleteReadError) as error:
            return f"GET {path}: {error}"
        return "" if response.status == 200 else f"GET {path}: {response.status}"

    async def _read(self) -> None:
        assert self._ws is not None
        try:
            async for data in self._ws:
                if isinstance(data, bytes):
                    message = ForwardMsg()
                    message.ParseFromString(data)
                    self._handle(message)
        except Exception:
            pass
        finally:
            if self._run is not None:
                self._run.disconnected = True
                self._run.done.set()
            self._closed.set()

    def _handle(self, message: ForwardMsg) -> None:
        if message.HasField("ref_hash"):
            cached = self._cache.get(message.ref_hash)
            if cached is None:
                return
            resolved = ForwardMsg()
            resolved.CopyFrom(cached)
            resolved.metadata.CopyFrom(message.metadata)
            message = resolved
        elif message.metadata.cacheable and message.hash:
            self._cache[message.hash] = message
        kind = message.WhichOneof("type")
        run = self._run
        if kind == "new_session":
            self.session_id = message.new_session.initialize.session_id or self.session_id
            self.page_hash = message.new_session.page_script_hash or self.page_hash
            if run is None or not run.fragment:  # a fragment's run redraws the fragment only
                self.widgets = {}
        elif kind == "navigation":
            self.pages = [
                Page(page.page_name, page.page_script_hash, page.url_pathname)
                for page in message.navigation.app_pages
            ]
            self.page_hash = message.navigation.page_script_hash or self.page_hash
        elif kind == "page_info_changed":
            self.query_string = message.page_info_changed.query_string
        elif kind == "delta":
            self._delta(message, run)
        elif kind == "page_config_changed":
            favicon = message.page_config_changed.favicon
            if favicon.startswith("/media/"):
                self._fetch(favicon)
        elif kind == "file_urls_response":
            future = self._file_urls.pop(message.file_urls_response.response_id, None)
            if future is not None and not future.done():
                future.set_result(message.file_urls_response)
        elif kind == "script_finished" and run is not None:
            status = message.script_finished
            if status in FINISHED:
                if status == ForwardMsg.FINISHED_SUCCESSFULLY:
                    self._forget_inactive()
                run.done.set()

    def _delta(self, message: ForwardMsg, run: _Run | None) -> None:
        delta = message.delta
        if delta.WhichOneof("type") != "new_element":
            return
        element = delta.new_element
        kind = element.WhichOneof("type")
        if kind is None:
            return
        if run is not None:
            run.elements[kind] += 1
        if kind == "imgs":
            for image in element.imgs.imgs:
                self._fetch(image.url)
                if run is not None:
                    run.media.append(image.url)
            return
        if kind == "exception" and run is not None:
            run.exceptions.append(f"{element.exception.type}: {element.exception.message}")
            return
        if kind in ("alert", "toast") and run is not None:
            run.notices.append(getattr(element, kind).body)
            return
        if kind in WIDGET_KINDS:
            proto = getattr(element, kind)
            widget = Widget(proto.id, kind, getattr(proto, "label", ""), delta.fragment_id, proto)
            self.widgets[widget.id] = widget
            if getattr(proto, "set_value", False):  # the server set it: the frontend takes it
                self._states.pop(widget.id, None)
            if run is not None:
                run.drawn.append(widget)
            if kind == "bidi_component" and proto.js_source_path:
                name = quote(proto.component_name, safe="")
                self._fetch(f"/_stcore/bidi-components/{name}/{proto.js_source_path}")

    def _forget_inactive(self) -> None:
        """After a full run, as the frontend does: values of widgets no longer drawn go."""
        for widget_id in list(self._states):
            if widget_id not in self.widgets:
                del self._states[widget_id]
                self._component_values.pop(widget_id, None)


@dataclass
class _Run:
    """One rerun in flight."""

    fragment: str = ""
    done: asyncio.Event = field(default_factory=asyncio.Event)
    disconnected: bool = False
    drawn: list[Widget] = field(default_factory=list)
    media: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    elements: Counter[str] = field(default_factory=Counter)


def _path(url: str) -> str:
    """A URL the server named -> the path to GET (its host is the one we talk to)."""
    parts = urlsplit(url)
    path = parts.path if parts.path.startswith("/") else f"/{parts.path}"
    return path + (f"?{parts.query}" if parts.query else "")
