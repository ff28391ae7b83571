"""Streamed multipart parsing: fields kept in memory (small), the file part spooled to disk as it arrives."""

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from python_multipart.multipart import MultipartParser, parse_options_header

from reference_server.php_values import to_int

# PHP's $_FILES error codes.
UPLOAD_ERR_OK, UPLOAD_ERR_INI_SIZE, UPLOAD_ERR_FORM_SIZE, UPLOAD_ERR_PARTIAL, UPLOAD_ERR_NO_FILE = (
    0,
    1,
    2,
    3,
    4,
)
UPLOAD_ERR_CANT_WRITE = 7
MAX_FIELD_BYTES = 64 * 1024
MAX_FIELDS = 1000
MAX_FIELDS_TOTAL_BYTES = 1024 * 1024  # all plain fields together: a body of many fields stays small in memory
MAX_PART_HEADER_BYTES = 16 * 1024


class MalformedMultipart(Exception):
    """The body is not parseable multipart/form-data."""


@dataclass
class UploadedFile:
    """The ``file`` part as PHP would describe it in $_FILES."""

    filename: bytes
    path: Path | None = None
    size: int = 0
    error: int = UPLOAD_ERR_OK
    head: bytes = b""


@dataclass
class StreamedForm:
    """Fields and the ``file`` part of one multipart body."""

    fields: dict = field(default_factory=dict)
    file: UploadedFile | None = None
    complete: bool = False

    def discard(self) -> None:
        """Remove the spooled file, if any."""
        if self.file and self.file.path:
            self.file.path.unlink(missing_ok=True)
            self.file.path = None


class _PartCollector:
    """python-multipart callbacks that build a StreamedForm."""

    def __init__(self, form: StreamedForm, spool_dir: Path | None, max_file_bytes: int, sniff_bytes: int):
        self.form = form
        self.spool_dir = spool_dir
        self.max_file_bytes = max_file_bytes
        self.sniff_bytes = sniff_bytes
        self.header_field = b""
        self.header_value = b""
        self.headers: dict[bytes, bytes] = {}
        self.kind = None  # "field", "file" or None (ignored part)
        self.name = ""
        self.value = bytearray()
        self.handle = None
        self.current: UploadedFile | None = None
        self.form_limit: int | None = None
        self.field_bytes = 0

    def callbacks(self) -> dict:
        """The callback table python-multipart's MultipartParser takes."""
        names = (
            "on_part_begin",
            "on_part_data",
            "on_part_end",
            "on_header_field",
            "on_header_value",
            "on_header_end",
            "on_headers_finished",
        )
        table = {name: getattr(self, name) for name in names}
        table["on_end"] = lambda: setattr(self.form, "complete", True)
        return table

    def on_part_begin(self):
        self.headers, self.kind, self.value = {}, None, bytearray()

    def on_header_field(self, data, start, end):
        self.header_field += data[start:end]

    def on_header_value(self, data, start, end):
        self.header_value += data[start:end]

    def on_header_end(self):
        self.headers[self.header_field.strip().lower()] = self.header_value.strip()
        self.header_field, self.header_value = b"", b""

    def on_headers_finished(self):
        disposition, options = parse_options_header(self.headers.get(b"content-disposition", b""))
        name = options.get(b"name")
        if disposition != b"form-data" or name is None:
            return
        self.name = name.decode("utf-8", errors="replace")
        if b"filename" in options:
            if self.name == "file" and self.form.file is None:
                self._open_file(options[b"filename"])
        elif len(self.form.fields) < MAX_FIELDS:
            self.kind = "field"

    def _open_file(self, filename: bytes):
        self.kind = "file"
        self.current = UploadedFile(filename=filename)
        self.form.file = self.current
        if not filename:
            self.current.error = UPLOAD_ERR_NO_FILE  # PHP: a file input left empty
            return
        if self.spool_dir is not None:
            self.current.path = self.spool_dir / f"upload-{secrets.token_hex(16)}.part"
            try:
                self.handle = open(self.current.path, "wb")  # noqa: SIM115 (closed in on_part_end / close)
            except OSError:
                self._cannot_write()

    def on_part_data(self, data, start, end):
        chunk = data[start:end]
        if self.kind == "field":
            if (
                len(self.value) + len(chunk) <= MAX_FIELD_BYTES
                and self.field_bytes + len(chunk) <= MAX_FIELDS_TOTAL_BYTES
            ):
                self.value += chunk
                self.field_bytes += len(chunk)
        elif self.kind == "file" and self.current.error == UPLOAD_ERR_OK:
            upload = self.current
            upload.size += len(chunk)
            if upload.size > self.max_file_bytes:
                upload.error = UPLOAD_ERR_INI_SIZE
            elif self.form_limit is not None and upload.size > self.form_limit:
                upload.error = UPLOAD_ERR_FORM_SIZE
            if upload.error != UPLOAD_ERR_OK:
                self._drop_spool()
                return
            if len(upload.head) < self.sniff_bytes:
                upload.head += chunk[: self.sniff_bytes - len(upload.head)]
            if self.handle:
                try:
                    self.handle.write(chunk)
                except OSError:  # disk full, file size limit, ...
                    self._cannot_write()

    def _cannot_write(self):
        # PHP reports a failed write of the temporary upload as UPLOAD_ERR_CANT_WRITE; the rest
        # of the form (owner) is still parsed, so store answers invalid_file rather than size.
        self.current.error = UPLOAD_ERR_CANT_WRITE
        self._drop_spool()

    def on_part_end(self):
        if self.kind == "field":
            value = bytes(self.value).decode("utf-8", errors="replace")
            self.form.fields[self.name] = value
            if self.name == "MAX_FILE_SIZE" and self.form.file is None:
                # PHP honours MAX_FILE_SIZE only when it precedes the file part.
                self.form_limit = to_int(value) if to_int(value) > 0 else None
        elif self.kind == "file":
            self.close()
        self.kind = None

    def _drop_spool(self):
        self.close()
        if self.current and self.current.path:
            self.current.path.unlink(missing_ok=True)
            self.current.path = None

    def close(self):
        if self.handle:
            handle, self.handle = self.handle, None
            try:
                handle.close()
            except OSError:  # the final flush can hit the same full disk
                if self.current and self.current.error == UPLOAD_ERR_OK:
                    self.current.error = UPLOAD_ERR_CANT_WRITE


def boundary_of(content_type: str) -> bytes | None:
    """The boundary of a multipart/form-data content type, or None."""
    media, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if media != b"multipart/form-data" or not boundary or len(boundary) > 200:
        return None
    return boundary


async def parse_streamed(
    stream, boundary: bytes, spool_dir: Path, max_file_bytes: int, sniff_bytes: int
) -> StreamedForm:
    """Consume the whole request stream; the file part goes to ``spool_dir`` and never lives in memory."""
    form = StreamedForm()
    collector = _PartCollector(form, spool_dir, max_file_bytes, sniff_bytes)
    callbacks = collector.callbacks()
    parser = MultipartParser(boundary, callbacks, max_header_size=MAX_PART_HEADER_BYTES)
    failed = False
    try:
        async for chunk in stream:
            if failed or not chunk:
                continue  # keep draining so the client can finish sending
            try:
                parser.write(chunk)
            except Exception:  # python-multipart raises several error types on garbage
                failed = True
                collector._drop_spool()
        if not failed:
            parser.finalize()
    except BaseException:
        collector._drop_spool()  # e.g. the client went away mid-upload: leave nothing behind
        form.discard()
        raise
    finally:
        collector.close()
    if failed:
        form.discard()
        raise MalformedMultipart()
    if form.file and not form.complete and form.file.error == UPLOAD_ERR_OK:
        form.file.error = UPLOAD_ERR_PARTIAL
    return form


def parse_small_multipart(boundary: bytes, body: bytes) -> dict:
    """Fields of an in-memory multipart body; files are ignored."""
    form = StreamedForm()
    collector = _PartCollector(form, None, 0, 0)
    callbacks = collector.callbacks()
    try:
        parser = MultipartParser(boundary, callbacks, max_header_size=MAX_PART_HEADER_BYTES)
        parser.write(body)
        parser.finalize()
    except Exception:
        return {}
    return form.fields


def move_into_place(spooled: Path, destination: Path) -> None:
    """Atomically publish a spooled upload (same filesystem: a rename)."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    os.replace(spooled, destination)
