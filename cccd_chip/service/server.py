"""Start-up and shut-down of ``cccd serve``: migrate, load trust, start the pool, run uvicorn."""

from __future__ import annotations

import logging
from typing import Optional

from ..errors import UsageError
from .config import ServiceConfig
from .repository import Repository

log = logging.getLogger("cccd.service")


def build_service(config: ServiceConfig, repo: Optional[Repository] = None):
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
    svc = build_service(config)
    if config.hash_key is None:
        log.warning("CCCD_SERVICE_HASH_KEY is not set: records keep no document-number hash")
    log.info("cccd serve starting", extra={"fields": {
        "host": config.host, "port": config.port, "workers": svc.verifier.workers,
        "database": svc.repo.engine.dialect.name, "trust_version": svc.verifier.current.version,
        "store_dumps": config.store_dumps}})
    try:
        server = uvicorn.Server(uvicorn.Config(
            create_app(svc), host=config.host, port=config.port, log_config=None, access_log=False,
            server_header=False, timeout_keep_alive=5, limit_concurrency=1024, lifespan="off"))
        server.run()
    finally:
        svc.verifier.close()
        svc.repo.close()
    return 0
