"""C6: whether a document's bytes are what its declared type says. The declared type
comes from the uploader's browser or script and is served back with the download, so an
executable named `scan.pdf` and declared `application/pdf` would otherwise be handed to
staff as a PDF. The first bytes of each accepted format are fixed by its specification
(the "magic numbers" file(1) reads):

| type | the file starts with |
|---|---|
| PDF | `%PDF` within the first 1,024 bytes (the specification allows a preamble), not an executable |
| PNG | `89 50 4E 47 0D 0A 1A 0A` |
| JPEG | `FF D8 FF` |
| WEBP | `RIFF`, four bytes of size, `WEBP` |
| HEIC | four bytes of size, `ftyp`, a HEIF brand (`heic`, `heix`, `mif1`...) |
| Word (.doc) | the OLE2 signature `D0 CF 11 E0 A1 B1 1A E1` |
| Word (.docx) | a ZIP archive, `PK 03 04` |
| text | no NUL byte and no executable signature (`MZ`, ELF) |
"""

from __future__ import annotations

from collections.abc import Callable

HEAD_BYTES = 1024  # enough for every signature below

_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif"}
_EXECUTABLES = (b"MZ", b"\x7fELF", b"\xcf\xfa\xed\xfe", b"\xfe\xed\xfa\xcf", b"#!")


def _text(head: bytes) -> bool:
    return b"\x00" not in head and not head.startswith(_EXECUTABLES)


_SIGNATURES: dict[str, Callable[[bytes], bool]] = {
    "application/pdf": lambda h: b"%PDF" in h[:HEAD_BYTES] and not h.startswith(_EXECUTABLES),
    "image/png": lambda h: h.startswith(b"\x89PNG\r\n\x1a\n"),
    "image/jpeg": lambda h: h.startswith(b"\xff\xd8\xff"),
    "image/webp": lambda h: h.startswith(b"RIFF") and h[8:12] == b"WEBP",
    "image/heic": lambda h: h[4:8] == b"ftyp" and h[8:12] in _HEIF_BRANDS,
    "application/msword": lambda h: h.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": lambda h: (
        h.startswith(b"PK\x03\x04")
    ),
    "text/plain": _text,
}


def content_matches(content_type: str, head: bytes) -> bool:
    """Whether `head` (the first HEAD_BYTES of a file) fits `content_type`; a type with no
    known signature is not judged here (the list of accepted types refuses it)."""
    check = _SIGNATURES.get(content_type)
    return check is None or check(head)
