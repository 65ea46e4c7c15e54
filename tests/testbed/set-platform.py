#!/usr/bin/env python3
"""Rewrite the platform of an image in a `docker save` stream: set-platform.py linux/arm64 < saved.tar > loadable.tar

A Docker 20.10 engine records its own architecture for `docker import --platform` and for `docker commit`, so the
test bed's arm64 bases are made, then saved, given their platform here and loaded again. Only the configuration
changes (a new image id); the layers are the same bytes, so the load reuses them.
"""
import hashlib
import io
import json
import sys
import tarfile


def main():
    parts = sys.argv[1].split("/")
    source = tarfile.open(fileobj=sys.stdin.buffer, mode="r|")
    members = []
    for member in source:
        data = source.extractfile(member).read() if member.isfile() else None
        members.append((member, data))
    files = {m.name: d for m, d in members}
    manifest = json.loads(files["manifest.json"])
    renamed = {}
    for entry in manifest:
        config = json.loads(files[entry["Config"]])
        config["os"], config["architecture"] = parts[0], parts[1]
        config.pop("variant", None)
        if len(parts) > 2:
            config["variant"] = parts[2]
        data = json.dumps(config, separators=(",", ":")).encode()
        name = hashlib.sha256(data).hexdigest() + ".json"
        renamed[entry["Config"]] = (name, data)
        entry["Config"] = name
    out = tarfile.open(fileobj=sys.stdout.buffer, mode="w|")
    for member, data in members:
        if member.name in renamed:
            member.name, data = renamed[member.name]
        elif member.name == "manifest.json":
            data = json.dumps(manifest).encode()
        elif member.name == "repositories":
            continue  # names the old id; RepoTags in manifest.json carry the tags
        if data is not None:
            member.size = len(data)
            out.addfile(member, io.BytesIO(data))
        else:
            out.addfile(member)
    out.close()


if __name__ == "__main__":
    main()
