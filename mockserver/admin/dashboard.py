"""`GET /_mock/`: the dashboard page, and its static files under `/_mock/static/`, served from the package."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Route

FILES = Path(__file__).resolve().parent / "dashboard"
TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
         ".html": "text/html; charset=utf-8", ".svg": "image/svg+xml"}
NO_STORE = {"cache-control": "no-cache"}  # the page follows the installed version


async def page(request: Request) -> Response:
    """The dashboard."""
    return FileResponse(FILES / "index.html", media_type=TYPES[".html"], headers=NO_STORE)


async def to_page(request: Request) -> Response:
    """`/_mock` -> `/_mock/` (the page's relative links need the slash), keeping the query."""
    query = request.url.query
    return RedirectResponse("/_mock/" + ("?" + query if query else ""), status_code=307)


async def static(request: Request) -> Response:
    """One of the page's files (nothing outside the folder)."""
    name = request.path_params["name"]
    path = (FILES / name).resolve()
    if path.parent != FILES or not path.is_file() or path.suffix not in TYPES:
        return Response(b'{"error":{"message":"no such dashboard file"}}', status_code=404,
                        media_type="application/json")
    return FileResponse(path, media_type=TYPES[path.suffix], headers=NO_STORE)


def routes() -> list[Route]:
    """The page and its files."""
    return [Route("/_mock/", page, methods=["GET"]), Route("/_mock", to_page, methods=["GET"]),
            Route("/_mock/static/{name}", static, methods=["GET"])]
