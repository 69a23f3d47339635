"""Profile documents (``GET /users/…``): a person's xuid, gamertag and gamerpic."""

from __future__ import annotations

import hashlib

_PIC = "https://images-eds-ssl.xboxlive.com/image?url={token}&format=png"


def profile(xuid: str, gamertag: str) -> dict:
    """Build a profile (``GET /users/…``) in the services' camelCase shape."""
    token = hashlib.sha256(xuid.encode()).hexdigest()[:48]
    pic = _PIC.format(token=token)
    return {
        "xuid": xuid,
        "gamertag": gamertag,
        "gamerpic": {
            "small": f"{pic}&w=64&h=64",
            "medium": f"{pic}&w=208&h=208",
            "large": f"{pic}&w=424&h=424",
            "xlarge": pic,
        },
    }
