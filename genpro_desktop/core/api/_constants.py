"""Every number the GEN client uses, in one place (see docs/architecture.md)."""

from __future__ import annotations

from typing import Final

DEFAULT_BASE_URL: Final = "https://api.gen.pro/v1"

# Headers. The key travels only in API_KEY_HEADER, never in a URL or a body.
API_KEY_HEADER: Final = "X-API-Key"
IDEMPOTENCY_HEADER: Final = "Idempotency-Key"
USER_AGENT: Final = "genpro-desktop (+https://gen.pro)"

# Timeouts in seconds (reliability anchors R6): connect 10 s, read 30 s.
CONNECT_TIMEOUT: Final = 10.0
READ_TIMEOUT: Final = 30.0
WRITE_TIMEOUT: Final = 30.0
POOL_TIMEOUT: Final = 10.0

# A JSON body bigger than this is refused instead of being read into memory.
MAX_JSON_BYTES: Final = 5 * 1024 * 1024

# Retry policy (reliability anchors R1-R4).
MAX_ATTEMPTS: Final = 4
BASE_DELAY: Final = 0.5
MAX_DELAY: Final = 20.0
RATE_LIMIT_BASE_DELAY: Final = 1.0
RETRY_AFTER_CAP: Final = 60.0
RETRYABLE_STATUS: Final = frozenset({408, 429, 500, 502, 503, 504})

# How much of a server-supplied text ends up in an error message.
MAX_ERROR_TEXT: Final = 300

# The two sheet path prefixes, in the order `auto` tries them (gen-api.md 1.2).
SHEET_PREFIXES: Final = ("vidsheet", "autocontentengine")
