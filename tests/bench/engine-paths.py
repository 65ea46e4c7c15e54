#!/usr/bin/env python3
"""The engine API's ways to add a layer, timed on the socket (no client library between):

  python3 tests/bench/engine-paths.py copy BASE [RUNS] [BYTES]   adding a layer of BYTES (default 120000) to BASE:
      create a container, put the archive, commit, remove (with and without NetworkMode=none, with a tag), and
      POST /images/load of an archive holding only the new layer (the parent's are named, not sent)
  python3 tests/bench/engine-paths.py load BASE [RUNS]            what a load costs the engine: an image of a new
      configuration only (no layer, the parent's named), and with a new layer of 1 kB and of 120 kB (the floor the
      load path pays for an edit's app layer, however small)
  python3 tests/bench/engine-paths.py step BASE [RUNS]            one `true` step's requests (create, start, logs,
      wait, commit, remove) on its own network namespace (bridge), joined to a holder's (container:<id>), and host

BASE is an image on the engine (the test bed's plain Debian base: $IMAGETASKS_BASE_PLAIN); DOCKER_HOST a unix socket
(default /var/run/docker.sock). Prints the median of each. Everything made is removed."""
import hashlib, http.client, io, json, os, socket, statistics, sys, tarfile, time, uuid

SOCKET = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock").removeprefix("unix://")


class Connection(http.client.HTTPConnection):
    def __init__(self):
        super().__init__("localhost")

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(SOCKET)


conn = Connection()


def req(method, path, body=None, content_type="application/json"):
    conn.request(method, path, body=body, headers={"Content-Type": content_type} if body is not None else {})
    r = conn.getresponse()
    data = r.read()
    if r.status >= 300:
        raise RuntimeError(f"{method} {path}: {r.status} {data[:300]!r}")
    return json.loads(data) if data and r.getheader("Content-Type", "").startswith("application/json") else data


def tar(entries):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for name, data in entries:
            info = tarfile.TarInfo(name)
            if data is None:
                info.type, info.mode = tarfile.DIRTYPE, 0o755
            else:
                info.size, info.mode = len(data), 0o644
            t.addfile(info, None if data is None else io.BytesIO(data))
    return buf.getvalue()


def layer(size, seed):
    chunk = (seed.encode() * (size // 5 // len(seed) + 1))[: size // 5]
    return tar([("app", None)] + [(f"app/f{i}", chunk + bytes([i])) for i in range(5)])


made, phases = [], {}


def timed(name, f):
    start = time.perf_counter()
    result = f()
    phases.setdefault(name, []).append((time.perf_counter() - start) * 1000)
    return result


def create(parent, cmd, network):
    body = {"Image": parent["Id"], "Entrypoint": [""], "Cmd": cmd, "HostConfig": {"NetworkMode": network} if network else {}}
    return req("POST", "/containers/create", json.dumps(body))["Id"]


def commit(cid):
    image = req("POST", f"/commit?container={cid}", json.dumps({"WorkingDir": "/app"}))["Id"]
    made.append(image)
    return image


def by_commit(parent, data, network=None, tag=None):
    cid = create(parent, ["/bin/sh"], network)
    req("PUT", f"/containers/{cid}/archive?path=/", data, "application/x-tar")
    image = commit(cid)
    req("DELETE", f"/containers/{cid}?force=1")
    if tag:
        repo, t = tag.split(":")
        req("POST", f"/images/{image}/tag?repo={repo}&tag={t}")


def by_load(parent, data, tag, env=None):
    """Loads an image over the parent's layers (named, not sent) with DATA as a new layer (None: no new layer) and a
    configuration of its own (ENV, when given, makes it new even without a layer)."""
    diffs = parent["RootFS"]["Layers"] + ([] if data is None else ["sha256:" + hashlib.sha256(data).hexdigest()])
    config = json.dumps({"architecture": parent["Architecture"], "os": parent["Os"],
                         "config": dict(parent["Config"], **({"Env": env} if env else {})),
                         "rootfs": {"type": "layers", "diff_ids": diffs}}).encode()
    name = hashlib.sha256(config).hexdigest() + ".json"
    layers = [f"parent-{i}/layer.tar" for i in range(len(parent["RootFS"]["Layers"]))] + ([] if data is None else ["layer.tar"])
    manifest = json.dumps([{"Config": name, "RepoTags": [tag], "Layers": layers}]).encode()
    entries = ([] if data is None else [("layer.tar", data)]) + [(name, config), ("manifest.json", manifest)]
    req("POST", "/images/load?quiet=1", tar(entries), "application/x-tar")
    made.append(req("GET", f"/images/{tag}/json")["Id"])


def step(parent, network, prefix):
    cid = timed(prefix + "create", lambda: create(parent, ["true"], network))
    timed(prefix + "start", lambda: req("POST", f"/containers/{cid}/start"))
    timed(prefix + "logs until exit", lambda: req("GET", f"/containers/{cid}/logs?follow=1&stdout=1&stderr=1"))
    timed(prefix + "wait", lambda: req("POST", f"/containers/{cid}/wait"))
    timed(prefix + "commit", lambda: commit(cid))
    timed(prefix + "remove", lambda: req("DELETE", f"/containers/{cid}?force=1"))


def main():
    mode, base = sys.argv[1], sys.argv[2]
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 7
    parent = req("GET", f"/images/{base}/json")
    run = uuid.uuid4().hex[:8]
    holder = None
    try:
        if mode == "copy":
            size = int(sys.argv[4]) if len(sys.argv) > 4 else 120_000
            ways = {"create, put, commit, remove": lambda d, i: by_commit(parent, d),
                    "the same, NetworkMode=none": lambda d, i: by_commit(parent, d, "none"),
                    "the same, then tag": lambda d, i: by_commit(parent, d, tag=f"imagetasks-bench-{run}:c{i}"),
                    "load, tag in the manifest": lambda d, i: by_load(parent, d, f"imagetasks-bench-{run}:l{i}")}
            for i in range(runs):
                for name, way in ways.items():
                    data = layer(size, f"{run}-{i}-{name}")
                    timed(name, lambda: way(data, i))
        elif mode == "load":
            for i in range(runs):
                timed("configuration only", lambda: by_load(parent, None, f"imagetasks-bench-{run}:c{i}", [f"RUN={run}-{i}"]))
                for size, name in ((1_000, "layer of 1 kB"), (120_000, "layer of 120 kB")):
                    data = layer(size, f"{run}-{i}-{size}")
                    timed(name, lambda: by_load(parent, data, f"imagetasks-bench-{run}:l{size}-{i}"))
        else:
            # the holder: /bin/sh on an open stdin waits for ever (what DockerBackend.Network.cs starts)
            body = {"Image": parent["Id"], "Entrypoint": [""], "Cmd": ["/bin/sh"], "OpenStdin": True}
            holder = req("POST", "/containers/create", json.dumps(body))["Id"]
            req("POST", f"/containers/{holder}/start")
            for _ in range(runs):
                for network, prefix in (("default", "bridge: "), ("container:" + holder, "joined: "), ("host", "host:   ")):
                    start = time.perf_counter()
                    step(parent, network, prefix)
                    phases.setdefault(prefix + "TOTAL", []).append((time.perf_counter() - start) * 1000)
    finally:
        if holder:
            req("DELETE", f"/containers/{holder}?force=1")
        for image in made:
            try:
                req("DELETE", f"/images/{image}?force=1")
            except RuntimeError:
                pass
    for name, ms in phases.items():
        print(f"{name:30s} median {statistics.median(ms):7.1f} ms  (n={len(ms)}, min {min(ms):.1f})")


if __name__ == "__main__":
    main()
