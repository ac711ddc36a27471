"""discogsography: the monthly Discogs data dumps as databases people can query."""

__version__ = "0.1.0"
