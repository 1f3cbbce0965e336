"""`mockserver contract`: check a gateway (or the mock) against the spec, streams included.

The validation API below needs no Schemathesis; a validating proxy calls it for every answer:

- `violations_for_response(spec, operation, status, headers, body)`: a whole answer;
- `ResponseContract` (`contract_for(spec)`): the same, compiled once per spec, with `check_head` (status and
  content type, before the body) and `check_body`;
- `StreamChecker(spec, operation)`: an event stream as it arrives, `feed_bytes(chunk)` / `feed(event)` then
  `finish()`, each returning the `Violation`s found so far.
"""

from .sse import SseEvent, SseParser, parse_sse
from .streams import StreamChecker, check_stream
from .validate import ResponseContract, contract_for, violations_for_response
from .violation import Violation

__all__ = ["ResponseContract", "SseEvent", "SseParser", "StreamChecker", "Violation", "check_stream",
           "contract_for", "parse_sse", "violations_for_response"]
