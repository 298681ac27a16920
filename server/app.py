"""The ASGI application: route to the endpoint table, count what was seen, map errors.

Plain ASGI with nothing server-specific, so hypercorn and granian serve the same app.
"""

from __future__ import annotations

from server.asgi import BadRequest, Receive, Request, Scope, Send, send_error
from server.endpoints import ENDPOINTS, ConnectionAborted, Endpoint, stats_endpoints
from server.stats import ServerStats


class HarnessApp:
    """The app every listener serves; one instance shares one set of stats."""

    def __init__(self) -> None:
        self.stats = ServerStats()
        self.uncounted = stats_endpoints(self.stats)
        self.endpoints = self.uncounted + ENDPOINTS

    def route(self, path: str) -> tuple[Endpoint, dict[str, str]] | None:
        for endpoint in self.endpoints:
            match = endpoint.regex.match(path)
            if match:
                return endpoint, match.groupdict()
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        found = self.route(scope["path"])
        if found is None:
            await send_error(send, 404, f"no endpoint at {scope['path']}")
            return
        endpoint, params = found
        if endpoint.methods and scope["method"] not in endpoint.methods:
            await send_error(send, 405, f"{endpoint.pattern} accepts {', '.join(endpoint.methods)}")
            return
        counted = endpoint not in self.uncounted
        key = self.stats.request_started(scope) if counted else None
        if counted:
            receive, send = self.stats.counting(receive, send)
        try:
            await endpoint.handler(Request(scope, receive, params), send)
        except BadRequest as error:
            await send_error(send, error.status, str(error))
        except ConnectionAborted:
            raise  # the server drops the connection: that is the fault being served
        finally:
            if key is not None:
                self.stats.request_finished(key)

    async def lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return


app = HarnessApp()
