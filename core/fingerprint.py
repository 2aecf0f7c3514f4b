"""What a request asked for, as one digest: the same body always gives the same fingerprint.

A JSON body is written canonically (keys sorted, no spaces); a form or multipart body as every
value of every field in order, each uploaded file replaced by the SHA-256 of its content (its
name and type do not count: a phone may rename a photo on a retry). Callers pass the parsed
body (``request.data`` of DRF, or Django's ``request.POST`` and ``request.FILES``).
"""

import hashlib
import json

CHUNK = 64 * 1024


def request_fingerprint(*parts) -> str:
    canonical = [_canonical(part) for part in parts]
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _canonical(value):
    if hasattr(value, "lists"):  # a QueryDict (form, multipart): every value of every field
        return {str(name): [_canonical(v) for v in values] for name, values in value.lists()}
    if hasattr(value, "chunks"):  # an uploaded file
        return {"file-sha256": _digest(value)}
    if isinstance(value, dict):
        return {str(name): _canonical(v) for name, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    return value


def _digest(upload) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks(CHUNK):
        digest.update(chunk)
    upload.seek(0)  # the view reads it next
    return digest.hexdigest()
