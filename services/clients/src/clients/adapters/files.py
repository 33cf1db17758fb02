"""Document bytes in GridFS (bucket `documents`), never on a local disk.

File ids are `<tenant>:<document id>` and the tenant is in the file's metadata, so a
document can only be read back through a tenant-scoped id.
"""

from __future__ import annotations

import io

from gridfs.asynchronous import AsyncGridFSBucket
from gridfs.errors import NoFile
from plumbing.mongo import Doc, doc_key
from pymongo.asynchronous.database import AsyncDatabase

DOCUMENTS_BUCKET = "documents"  # GridFS bucket: `documents.files`, `documents.chunks`

CHUNK_BYTES = 255 * 1024


class FileStore:
    def __init__(self, db: AsyncDatabase[Doc], tenant: str) -> None:
        self.tenant = tenant
        self._bucket = AsyncGridFSBucket(
            db, bucket_name=DOCUMENTS_BUCKET, chunk_size_bytes=CHUNK_BYTES
        )

    async def put(self, document_id: str, file_name: str, data: bytes, content_type: str) -> None:
        await self._bucket.upload_from_stream_with_id(
            doc_key(self.tenant, document_id),
            file_name,
            io.BytesIO(data),
            metadata={"tenant": self.tenant, "content_type": content_type},
        )

    async def get(self, document_id: str) -> bytes | None:
        out = io.BytesIO()
        try:
            await self._bucket.download_to_stream(doc_key(self.tenant, document_id), out)
        except NoFile:
            return None
        return out.getvalue()

    async def delete(self, document_id: str) -> None:
        try:
            await self._bucket.delete(doc_key(self.tenant, document_id))
        except NoFile:
            pass
