"""Shared fixtures: an isolated database (embedded SecantusDB, or whatever MONGO_URI names)."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def test_env(tmp_path_factory: pytest.TempPathFactory):
    """Point govcrawl at a private var/ and a private database name for the whole session.

    Without MONGO_URI an embedded server is started under the session's temp dir (and stopped at
    the end); with MONGO_URI the same tests run against that server, in a throwaway database.
    """
    var = tmp_path_factory.mktemp("var")
    saved = {k: os.environ.get(k) for k in ("GOVCRAWL_VAR", "MONGO_DB")}
    os.environ["GOVCRAWL_VAR"] = str(var)
    os.environ["MONGO_DB"] = "govcrawl_test_" + secrets.token_hex(4)
    from govcrawl import store

    store.reset_clients()
    db = store.get_db()
    yield {"var": var, "db_name": os.environ["MONGO_DB"]}
    if os.environ.get("MONGO_URI"):
        db.client.drop_database(db.name)
    else:
        store.EmbeddedServer().stop()
    store.reset_clients()
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture()
def db(test_env):
    """A clean database for one test."""
    from govcrawl import store

    database = store.get_db()
    for name in database.list_collection_names():
        database[name].delete_many({})
    return database


@pytest.fixture(scope="module")
def sandbox(test_env, request):
    """The sandbox portals (a `python -m sandbox serve` process) for one test module; its state dict
    gives the ports, the host map file, the registry file and the evaluation date."""
    from govcrawl.demo import start_sandbox

    proc, state = start_sandbox(Path(test_env["var"]) / f"sandbox-{request.module.__name__}")
    yield state
    proc.terminate()
    proc.wait(10)
