"""The embedded database: started once, shared by concurrent commands, skipped when MONGO_URI is set."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pymongo
import pytest

from govcrawl import store


def _cli(args, env):
    return subprocess.run([sys.executable, "-m", "govcrawl", *args], capture_output=True, text=True, env=env, timeout=120)


@pytest.mark.skipif(bool(os.environ.get("MONGO_URI")), reason="the embedded server is only used without MONGO_URI")
def test_two_commands_started_at_once_share_one_server(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "MONGO_URI"}
    env["GOVCRAWL_VAR"] = str(tmp_path / "var")
    try:
        with ThreadPoolExecutor(4) as pool:
            outs = list(pool.map(lambda _: _cli(["db", "start", "--json"], env), range(4)))
        infos = [json.loads(o.stdout) for o in outs]
        assert all(o.returncode == 0 for o in outs), [o.stderr for o in outs]
        assert len({i["pid"] for i in infos}) == 1 and len({i["uri"] for i in infos}) == 1
        uri = infos[0]["uri"]
        assert uri.startswith("mongodb://127.0.0.1:")
        # Any MongoDB client can use it, and the data lives under var/db.
        with pymongo.MongoClient(uri, serverSelectionTimeoutMS=5000) as client:
            client.govcrawl.probe.insert_one({"x": 1})
        assert (tmp_path / "var" / "db" / "data").is_dir()
        status = json.loads(_cli(["db", "status", "--json"], env).stdout)
        assert status["running"] and status["pid"] == infos[0]["pid"]
    finally:
        stop = json.loads(_cli(["db", "stop", "--json"], env).stdout)
    assert stop == {"running": False, "stopped": True}
    assert json.loads(_cli(["db", "status", "--json"], env).stdout)["running"] is False
    # Restarting reopens the same data.
    try:
        info = json.loads(_cli(["db", "start", "--json"], env).stdout)
        with pymongo.MongoClient(info["uri"], serverSelectionTimeoutMS=5000) as client:
            assert client.govcrawl.probe.count_documents({"x": 1}) == 1
    finally:
        _cli(["db", "stop"], env)


def test_mongo_uri_set_starts_nothing(tmp_path, test_env):
    uri = store.mongo_uri()
    env = dict(os.environ, MONGO_URI=uri, GOVCRAWL_VAR=str(tmp_path / "elsewhere"))
    out = _cli(["db", "start"], env)
    assert out.returncode == 0 and "starts none" in out.stdout
    assert not (tmp_path / "elsewhere").exists()


def test_indexes_exist(db):
    assert db.pages.index_information()["run_id_1_url_1"]["unique"] is True
    assert db.snapshots.index_information()["run_id_1_site_id_1"]["unique"] is True
    with pytest.raises(pymongo.errors.DuplicateKeyError):
        for _ in range(2):
            db.snapshots.insert_one({"run_id": "r", "site_id": "s"})
