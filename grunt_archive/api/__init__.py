"""Clients for the Halo Waypoint services, one module per host.

Everything here speaks HTTP and returns documents; nothing imports SQL.
"""

from grunt_archive.api.client import Document, HaloClient, RateLimiter, RetryPolicy, Tokens
from grunt_archive.api.profile import ProfileService
from grunt_archive.api.stats import StatsService

__all__ = [
    "Document",
    "HaloClient",
    "ProfileService",
    "RateLimiter",
    "RetryPolicy",
    "StatsService",
    "Tokens",
]
