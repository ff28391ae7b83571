"""The recordings in progress: start, report started or failed, stop, report stopped, upload."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from datetime import datetime

from reference_recording_server import recording_files, talk_client, talk_reports
from reference_recording_server.config import Settings
from reference_recording_server.protocol import Actor, StartRequest, StopRequest

logger = logging.getLogger("reference_recording_server.recordings")


class RecordingFailed(Exception):
    """The recording could not be made (here: only ever a configured fault)."""


@dataclass
class Recording:
    """One room being recorded for one backend."""

    start: StartRequest
    secret: str = field(repr=False)
    started_at: datetime = field(default_factory=datetime.now)
    capturing: bool = False  # the recording runs, so there is a file to upload at the end
    stopping: bool = False
    task: asyncio.Task | None = None

    @property
    def key(self) -> str:
        """Upstream's key: the raw backend header and the token (`https://x` and `https://x/` differ)."""
        return recording_key(self.start.backend, self.start.token)


def recording_key(backend: str, token: str) -> str:
    """How a recording is found again by a later stop."""
    return f"{backend}-{token}"


class Recordings:
    """Every recording this process knows, keyed by backend and room."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._recordings: dict[str, Recording] = {}
        self._tasks: set[asyncio.Task] = set()
        self.talk = talk_client.TalkClient(settings.request_timeout)

    # --- start ----------------------------------------------------------------------------------

    def start(self, request: StartRequest, secret: str) -> None:
        """Begin recording in the background; a second start for the same room changes nothing."""
        key = recording_key(request.backend, request.token)
        if key in self._recordings:
            logger.warning("recording %s is already running; start ignored", key)
            return
        recording = Recording(request, secret)
        self._recordings[key] = recording
        recording.task = self._spawn(self._record(recording))

    async def _record(self, recording: Recording) -> None:
        faults = self.settings.faults
        try:
            if faults.never_start:
                await asyncio.Event().wait()  # until a stop cancels it
            if faults.fail_after is not None:
                await asyncio.sleep(faults.fail_after)
                raise RecordingFailed(f"configured fault: failing {faults.fail_after:g}s after the start")
            await asyncio.sleep(self.settings.start_delay)
            recording.capturing = True  # from here on, a stop has a file to upload
            if faults.lose_recording:
                self._forget(recording)  # configured fault: the next stop finds nothing (404)
            await self.report_started(recording)
        except (RecordingFailed, talk_client.ReportRefused) as exc:
            logger.warning("recording %s failed: %s", recording.key, exc)
            if self._recordings.get(recording.key) is recording and not recording.stopping:
                self._forget(recording)
                await self.report_failed(recording)

    async def report_started(self, recording: Recording) -> None:
        """Tell Talk the recording runs, with the status it asked for and who asked."""
        start = recording.start
        message = talk_reports.started_message(start.token, start.status, start.actor)
        await self._report(recording, message)

    async def report_failed(self, recording: Recording) -> None:
        """Tell Talk the recording cannot be made; a refused `failed` is only logged, as upstream."""
        try:
            await self._report(recording, talk_reports.failed_message(recording.start.token))
        except talk_client.ReportRefused as exc:
            logger.warning("the failed report for %s was refused: %s", recording.key, exc)

    # --- stop -----------------------------------------------------------------------------------

    def stop(self, request: StopRequest) -> bool:
        """Stop the room's recording in the background; False when there is none (Talk: failed)."""
        recording = self._recordings.get(recording_key(request.backend, request.token))
        if recording is None:
            return False
        if recording.stopping:
            return True  # a stop while stopping is fine and changes nothing
        recording.stopping = True
        self._spawn(self._finish(recording, request.actor))
        return True

    async def _finish(self, recording: Recording, actor: Actor | None) -> None:
        if recording.task is not None and not recording.task.done():
            recording.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await recording.task
        try:
            try:
                await self.report_stopped(recording, actor)
            except talk_client.ReportRefused as exc:
                logger.warning(
                    "the stopped report for %s was refused, so nothing is uploaded: %s", recording.key, exc
                )
                return
            if recording.capturing:
                await self.upload(recording)
        finally:
            self._forget(recording)

    async def report_stopped(self, recording: Recording, actor: Actor | None) -> None:
        """Tell Talk the recording ended, and who ended it."""
        await self._report(recording, talk_reports.stopped_message(recording.start.token, actor))

    async def upload(self, recording: Recording) -> None:
        """Send the recording to the room's store endpoint; a refused upload is only logged."""
        start = recording.start
        name = recording_files.file_name(recording.started_at, start.status)
        content = recording_files.file_content(start.status, refused=self.settings.faults.upload_refused)
        content_type, signed = talk_reports.signed_upload(
            recording.secret, start.token, start.owner, name, content
        )
        url = talk_reports.store_url(start.backend, start.token)
        try:
            await self.talk.post(url, content_type, signed)
        except talk_client.ReportRefused as exc:
            logger.warning("the upload of %s was refused: %s", recording.key, exc)

    # --- plumbing -------------------------------------------------------------------------------

    async def _report(self, recording: Recording, message: dict) -> None:
        signed = talk_reports.signed_report(recording.secret, message)
        url = talk_reports.backend_url(recording.start.backend)
        await self.talk.post(url, "application/json", signed)

    def _forget(self, recording: Recording) -> None:
        if self._recordings.get(recording.key) is recording:
            del self._recordings[recording.key]

    def _spawn(self, work) -> asyncio.Task:
        # Keep a reference: the event loop holds tasks only weakly.
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def close(self) -> None:
        """Cancel whatever is still running (server shutdown)."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.talk.close()
