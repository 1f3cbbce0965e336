"""Header hygiene: what goes to the upstream, what comes back to the client, what a recording keeps."""

from __future__ import annotations

from ..state.journal import SECRET_HEADERS

RawHeaders = list[tuple[bytes, bytes]]

# RFC 9110 7.6.1: meaningful for one connection only, never forwarded.
HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection",
                        "te", "trailer", "trailers", "transfer-encoding", "upgrade"})
# httpx sets these for the upstream connection (the body is sent as received, so its length is the same);
# `expect: 100-continue` was the client's handshake with this server, already done.
TO_UPSTREAM_DROP = HOP_BY_HOP | {"host", "content-length", "expect"}
# uvicorn writes its own date and server lines; a second copy would repeat them.
TO_CLIENT_DROP = HOP_BY_HOP | {"date", "server"}
# A recording answers with its body as stored (decoded, its length computed again) from another server.
NOT_RECORDED = HOP_BY_HOP | SECRET_HEADERS | {"date", "server", "content-length", "content-encoding", "set-cookie",
                                              "cookie", "set-cookie2", "alt-svc", "x-mock-violations"}
NOT_RECORDED_PREFIXES = ("access-control-", "x-forwarded-")


def _connection_named(raw: RawHeaders) -> set[str]:
    """Headers the `Connection` header names as hop-by-hop."""
    named: set[str] = set()
    for name, value in raw:
        if name.lower() == b"connection":
            named |= {token.strip().lower() for token in value.decode("latin-1").split(",") if token.strip()}
    return named


def to_upstream(raw: RawHeaders) -> RawHeaders:
    """The client's headers as received (its key included), less hop-by-hop ones, `host` and `content-length`."""
    drop = TO_UPSTREAM_DROP | _connection_named(raw)
    return [(k, v) for k, v in raw if k.decode("latin-1").lower() not in drop]


def to_client(raw: RawHeaders, *, keep_length: bool) -> RawHeaders:
    """The upstream's headers as sent, less hop-by-hop ones (and `content-length` when the body is re-framed)."""
    drop = TO_CLIENT_DROP | _connection_named(raw)
    if not keep_length:
        drop = drop | {"content-length"}
    return [(k.lower(), v) for k, v in raw if k.decode("latin-1").lower() not in drop]


def recordable(raw: RawHeaders, redacted: frozenset[str]) -> dict[str, str]:
    """The response headers a recording keeps: no secrets, cookies, framing or `--redact`ed names."""
    kept: dict[str, str] = {}
    for key, value in raw:
        name = key.decode("latin-1").lower()
        if name in NOT_RECORDED or name in redacted or name.startswith(NOT_RECORDED_PREFIXES):
            continue
        text = value.decode("latin-1")
        kept[name] = f"{kept[name]}, {text}" if name in kept else text
    return kept
