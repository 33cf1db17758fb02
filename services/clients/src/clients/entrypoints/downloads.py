"""The HTTP route that serves a document's bytes to whoever holds a valid signed URL."""

from __future__ import annotations

import time
from urllib.parse import quote

from plumbing.app import Runtime
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from clients.adapters.files import FileStore
from clients.adapters.repository import CLIENTS
from clients.service_layer.signing import signing_key, valid


def _refuse(status: int, message: str, code: str) -> JSONResponse:
    return JSONResponse({"error": message, "code": code}, status_code=status)


async def download(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    tenant = request.path_params["tenant"]
    client_id = request.path_params["client_id"]
    document_id = request.path_params["document_id"]
    try:
        expires = int(request.query_params.get("expires", ""))
    except ValueError:
        return _refuse(403, "this download link is not valid", "INVALID_LINK")
    sig = request.query_params.get("signature", "")
    key = signing_key(runtime.settings)
    if not valid(key, tenant, client_id, document_id, expires, sig, int(time.time())):
        if sig and expires < int(time.time()):
            return _refuse(403, "this download link has expired", "LINK_EXPIRED")
        return _refuse(403, "this download link is not valid", "INVALID_LINK")
    card = await runtime.db[CLIENTS].find_one(
        {"_id": f"{tenant}:{client_id}", "tenant": tenant}, {"documents": 1, "erased": 1}
    )
    document = next(
        (d for d in (card or {}).get("documents") or [] if d["id"] == document_id), None
    )
    if card is None or card.get("erased") or document is None:
        return _refuse(404, "this document no longer exists", "NOT_FOUND")
    data = await FileStore(runtime.db, tenant).get(document_id)
    if data is None:
        return _refuse(404, "this document no longer exists", "NOT_FOUND")
    name = quote(document["file_name"], safe="")
    return Response(
        data,
        media_type=document["content_type"],
        headers={
            "content-disposition": f"attachment; filename*=UTF-8''{name}",
            "cache-control": "private, no-store",
            "x-content-type-options": "nosniff",
        },
    )


ROUTES = [Route("/documents/{tenant}/{client_id}/{document_id}", download, methods=["GET"])]
