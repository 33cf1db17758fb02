"""C6: an uploaded document's bytes must be of its declared type (magic bytes)."""

from __future__ import annotations

import pytest
from clients.domain.file_types import content_matches
from clients.service_layer.documents import check_upload

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 "
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00"
DOC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00"
DOCX = b"PK\x03\x04\x14\x00\x06\x00"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00%PDF-1.4"
ELF = b"\x7fELF\x02\x01\x01\x00"


@pytest.mark.parametrize(
    ("content_type", "head"),
    [
        ("application/pdf", PDF),
        ("application/pdf", b"\xef\xbb\xbf\r\n" + PDF),  # a preamble the format allows
        ("image/png", PNG),
        ("image/jpeg", JPEG),
        ("image/webp", WEBP),
        ("image/heic", HEIC),
        ("application/msword", DOC),
        ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", DOCX),
        ("text/plain", "Alergia al l\u00e1tex\n".encode()),
    ],
)
def test_files_of_their_declared_type_are_accepted(content_type: str, head: bytes) -> None:
    assert content_matches(content_type, head)


@pytest.mark.parametrize(
    ("content_type", "head"),
    [
        ("application/pdf", EXE),  # an executable named scan.pdf, even with %PDF inside
        ("application/pdf", PNG),
        ("image/png", JPEG),
        ("image/jpeg", PDF),
        ("image/jpeg", b"<html><script>"),
        ("image/webp", b"RIFF\x24\x00\x00\x00WAVEfmt "),
        ("image/heic", b"\x00\x00\x00\x18ftypisom"),  # an MP4 video
        ("application/msword", DOCX),
        ("text/plain", ELF),
        ("text/plain", b"#!/bin/sh\nrm -rf /\n"),
        ("text/plain", b"a\x00b"),
    ],
)
def test_files_that_are_not_their_declared_type_are_refused(content_type: str, head: bytes) -> None:
    assert not content_matches(content_type, head)


def _check(content_type: str, head: bytes, size: int | None = None) -> list[str]:
    found = check_upload(
        type_="consent", file_name="scan.pdf", content_type=content_type,
        size=len(head) if size is None else size, max_bytes=1024, head=head,
    )  # fmt: skip
    return [p.code for p in found.items]


def test_an_upload_whose_bytes_contradict_its_type_is_refused_with_a_code() -> None:
    assert _check("application/pdf", PDF) == []
    assert _check("application/pdf; charset=binary", EXE) == ["CONTENT_TYPE_MISMATCH"]
    assert _check("image/png", JPEG) == ["CONTENT_TYPE_MISMATCH"]


def test_an_empty_or_too_large_file_is_refused_for_its_size_only() -> None:
    assert _check("application/pdf", b"") == ["EMPTY_FILE"]
    assert _check("application/pdf", b"0" * 10, size=2048) == ["FILE_TOO_LARGE"]
