"""AidBridge: the shared platform core. ``create_app`` composes it with the portals."""

from aidbridge.app import create_app

__all__ = ["create_app"]
