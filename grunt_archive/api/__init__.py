"""Clients for the Halo Waypoint services, one module per host.

Everything here speaks HTTP and returns documents; nothing imports SQL.
"""

from grunt_archive.api.blobs import BlobService
from grunt_archive.api.client import Document, HaloClient, RetryPolicy, Tokens
from grunt_archive.api.discovery import DiscoveryService
from grunt_archive.api.films import FilmService
from grunt_archive.api.gamecms import GameCmsService
from grunt_archive.api.limits import HostLimits, RateLimiter
from grunt_archive.api.profile import ProfileService
from grunt_archive.api.settings import ClearanceService, LazyClearance
from grunt_archive.api.skill import SkillService
from grunt_archive.api.stats import StatsService

__all__ = [
    "BlobService",
    "ClearanceService",
    "DiscoveryService",
    "Document",
    "FilmService",
    "GameCmsService",
    "HaloClient",
    "HostLimits",
    "LazyClearance",
    "ProfileService",
    "RateLimiter",
    "RetryPolicy",
    "SkillService",
    "StatsService",
    "Tokens",
]
