"""The one WebDAV request the suite sends: DELETE of a file or folder, answered as Nextcloud's Sabre does.

A run deletes the recordings it stored: `remote.php/dav/files/<user>/Talk/Recording/<token>`, as the owner.
"""

import shutil
from xml.sax.saxutils import escape

from starlette.responses import Response

from reference_server.pipeline import Call

SABRE_NOT_FOUND = "Sabre\\DAV\\Exception\\NotFound"
SABRE_NOT_AUTHENTICATED = "Sabre\\DAV\\Exception\\NotAuthenticated"


def _sabre_error(status: int, exception: str, message: str, headers: dict | None = None) -> Response:
    # Sabre's error body: a DAV:error document naming the exception class and its message.
    body = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<d:error xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns">\n'
        f"  <s:exception>{escape(exception)}</s:exception>\n"
        f"  <s:message>{escape(message)}</s:message>\n"
        "</d:error>\n"
    )
    return Response(body, status_code=status, media_type="application/xml; charset=utf-8", headers=headers)


async def delete(call: Call) -> Response:
    """DELETE remote.php/dav/files/{user}/{path}: 204, the node and what is below it gone; 404 if absent."""
    if call.user is None:
        return _sabre_error(
            401,
            SABRE_NOT_AUTHENTICATED,
            "No public access to this resource., Username or password was incorrect",
            {"WWW-Authenticate": 'Basic realm="Nextcloud", charset="UTF-8"'},
        )
    owner, path = call.path_params["user"], call.path_params["path"].strip("/")
    if owner != call.user:
        # Another user's files are not below this principal's root: not found, not forbidden.
        return _sabre_error(404, SABRE_NOT_FOUND, f"Principal with name {owner} not found")
    root = (call.state.files_dir / owner).resolve()
    target = (root / path).resolve()
    if not path or root not in target.parents or not target.exists():
        return _sabre_error(404, SABRE_NOT_FOUND, f"File with name {path} could not be located")
    if target.is_dir():
        shutil.rmtree(target)
    else:
        target.unlink()
    call.database.run(
        "DELETE FROM files WHERE owner = ? AND (path = ? OR path LIKE ?)", owner, path, f"{path}/%"
    )
    return Response(status_code=204)
