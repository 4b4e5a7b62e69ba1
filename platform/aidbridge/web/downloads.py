"""Files a page or the API hands over for saving rather than showing."""

from flask import Response


def attachment(content: bytes, media_type: str, name: str) -> Response:
    return Response(
        content,
        mimetype=media_type,
        headers={"Content-Disposition": f"attachment; filename={name}"},
    )
