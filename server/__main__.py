"""``python -m server``: start the listeners, print one JSON line, serve until SIGINT/SIGTERM."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading

ENGINES = ("hypercorn", "granian")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m server", description=__doc__)
    parser.add_argument("--engine", choices=ENGINES, default="hypercorn",
                        help="ASGI server that serves the app (default: hypercorn)")
    parser.add_argument("--cpu", type=int, default=None,
                        help="pin the server to this CPU core (benchmarks pin the client "
                             "to another)")
    parser.add_argument("--endpoints", action="store_true",
                        help="print the endpoint table (path, methods, what it does) and exit")
    parser.add_argument("--exit-with-stdin", action="store_true",
                        help="stop when stdin closes: the parent that started us has gone")
    return parser.parse_args(argv)


def print_endpoints() -> None:
    from server.app import HarnessApp

    for endpoint in HarnessApp().endpoints:
        methods = ",".join(endpoint.methods) or "any"
        print(f"{endpoint.pattern:50} {methods:9} {endpoint.doc}")


def fail(message: str) -> int:
    print(f"server: {message}", file=sys.stderr)
    return 1


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.endpoints:
        print_endpoints()
        return 0
    try:
        import trustme  # noqa: F401

        if args.engine == "hypercorn":
            import hypercorn  # noqa: F401
        else:
            import granian  # noqa: F401
    except ImportError as error:
        return fail(f"cannot start: {error.name} is not installed (pip install {error.name})")

    from server import shutdown
    from server.certs import make_certificates
    from server.engines import standard_listeners

    if args.cpu is not None:
        try:
            os.sched_setaffinity(0, {args.cpu})
        except (OSError, AttributeError) as error:
            return fail(f"cannot pin to CPU {args.cpu}: {error}")

    # Until the engine installs its own handlers, a stop signal still cleans up and exits 0.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _exit_cleanly)
    certs = None
    try:
        try:
            listeners = standard_listeners()
        except OSError as error:
            return fail(f"a listener could not bind on 127.0.0.1: {error}")
        certs = make_certificates()
        shutdown.on_exit(certs.remove)
        line = {listener.name: listener.url for listener in listeners}
        line.update({"ca": str(certs.ca), "pid": os.getpid(), "engine": args.engine})
        if args.exit_with_stdin:
            _exit_when_stdin_closes()
        return _serve(args.engine, listeners, certs, line)
    except KeyboardInterrupt:
        return 0
    finally:
        if certs is not None:
            certs.remove()


def _exit_cleanly(signum: int, frame: object) -> None:
    from server import shutdown

    shutdown.arm()  # a stop before the engine's own handlers is bounded too
    raise SystemExit(0)


def _serve(engine: str, listeners: list, certs: object, line: dict) -> int:
    if engine == "hypercorn":
        from server.app import app
        from server.engines import serve_hypercorn

        print(json.dumps(line), flush=True)
        serve_hypercorn(app, listeners, certs)  # type: ignore[arg-type]
        return 0
    from server.granian_engine import serve_granian

    return serve_granian(listeners, certs, line)  # type: ignore[arg-type]


def _exit_when_stdin_closes() -> None:
    """A parent killed without cleanup closes our stdin: take that as the order to stop."""

    def watch() -> None:
        # os.read, not sys.stdin: a thread blocked in a buffered read holds its lock and
        # makes interpreter shutdown abort.
        while os.read(sys.stdin.fileno(), 1024):
            pass
        os.kill(os.getpid(), 15)

    threading.Thread(target=watch, daemon=True, name="stdin-watch").start()


if __name__ == "__main__":
    sys.exit(main())
