"""Start-up and shut-down of ``cccd serve``: listen, migrate, load trust, start the pool, run uvicorn."""

from __future__ import annotations

import errno
import gc
import logging
import signal
import socket
from typing import TYPE_CHECKING, Optional

from ..errors import UsageError
from .config import ServiceConfig
from .repository import Repository

if TYPE_CHECKING:
    from .app import Service

log = logging.getLogger("cccd.service")
LISTEN_BACKLOG = 2048


def listen(host: str, port: int) -> socket.socket:
    """The listening socket, bound before anything else starts.

    A port in use (or an address this host does not have, or a privileged port) is a
    usage error, exit 2, with the reason, before the database is touched or a
    verification process is started.
    """
    where = f"{host}:{port}"
    try:
        infos = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise UsageError(f"cannot listen on {where}: unknown host name") from None
    family, kind, proto, _, addr = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a restart is not held up by TIME_WAIT
        sock.bind(addr)
        sock.listen(LISTEN_BACKLOG)
    except OSError as e:
        sock.close()
        why = {errno.EADDRINUSE: "the port is in use (another program listens there)",
               errno.EACCES: "permission denied (a port below 1024 needs privileges)",
               errno.EADDRNOTAVAIL: "this host has no such address"}.get(e.errno or 0, e.strerror or type(e).__name__)
        raise UsageError(f"cannot listen on {where}: {why}") from None
    return sock


def build_service(config: ServiceConfig, repo: Optional[Repository] = None) -> "Service":
    """The :class:`~.app.Service` for ``config``: schema migrated, trust store loaded, pool started."""
    from .app import Service
    from .trust import initial_store, load_roots
    from .verifier import Verifier

    if config.store_dumps and config.dump_key is None:
        raise UsageError("storing dumps needs CCCD_SERVICE_DUMP_KEY (64 hex digits) in the environment")
    repo = repo or Repository.open(config.db_url)
    roots = load_roots(config.trust.masterlist_root)
    store = initial_store(config.trust, repo.trust_materials(), roots)
    verifier = Verifier(store, config.policy, workers=config.workers, hash_key=config.hash_key,
                        max_depth=config.limits.max_depth)
    return Service(config=config, repo=repo, verifier=verifier, roots=roots)


def run(config: ServiceConfig) -> int:
    """Serve until SIGINT/SIGTERM (uvicorn finishes the requests in flight)."""
    import uvicorn

    from . import logs
    from .app import create_app

    logs.setup(config.log_level)
    sock = listen(config.host, config.port)
    try:
        svc = build_service(config)
    except BaseException:
        sock.close()
        raise
    if config.hash_key is None:
        log.warning("CCCD_SERVICE_HASH_KEY is not set: records keep no document-number hash")
    log.info("cccd serve starting", extra={"fields": {
        "host": config.host, "port": config.port, "workers": svc.verifier.workers,
        "database": svc.repo.engine.dialect.name, "trust_version": svc.verifier.current.version,
        "store_dumps": config.store_dumps}})
    try:
        server = uvicorn.Server(uvicorn.Config(
            create_app(svc), log_config=None, access_log=False, server_header=False, timeout_keep_alive=5,
            limit_concurrency=1024, lifespan="off", backlog=LISTEN_BACKLOG,
            proxy_headers=False))  # nothing uses the client's address: no X-Forwarded-* rewriting per request
        # what start-up made (modules, the app, the OpenAPI models) lives as long as the process:
        # keep it out of the collector's full passes, which otherwise stall the event loop under load
        gc.collect()
        gc.freeze()
        # uvicorn handles SIGINT/SIGTERM while it runs (it stops accepting, finishes the requests in
        # flight) and raises the signal again when done: this handler then only asks for the stop
        # that is already done, so a graceful stop ends with the clean-up below and exit 0 instead
        # of death by the signal (and a signal just before uvicorn takes over still stops it)
        def stop(_sig: int, _frame: object) -> None:
            server.should_exit = True

        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, stop)
        server.run(sockets=[sock])
    finally:
        svc.writer.close()
        svc.verifier.close()
        svc.repo.close()
        sock.close()
    return 0
