"""Fixtures of the service tests (helpers in svc_support.py): pg_cluster, db_url, dumps, server_factory."""

from svc_support import db_url, dumps, pg_cluster, server_factory  # noqa: F401 - fixtures
