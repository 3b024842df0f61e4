"""HTTP plumbing shared by the downloader and the other CDN fetches (not the API client).

- ``aiohttp_transport``: the httpx transport that moves bytes with aiohttp, and
  ``preferred_transport()``, the choice between it and httpx's own (a configured proxy);
- ``urls``: the public-link URL policy (https, or http on loopback only; no credentials; every
  redirect hop vetted) with ``display_url`` for messages.

`core.api` keeps its own base-URL policy (``core/api/_security.py``): the API client package
imports nothing else from genpro_desktop (docs/architecture.md), and its rule differs (a base URL
also refuses queries, fragments and host spellings two URL parsers disagree on).

Importing this package loads none of it (httpx and aiohttp come with the submodules).
"""
