"""Builds the test bed's PEP 503 "simple" package index.

usage: make-index.py PACKAGES_DIR WHEELS_DIR OUT_DIR

Every folder of PACKAGES_DIR is one project: meta.json names its module and versions (with their
requirements), the module's .py file is a template whose {{version}} is filled in. Each version becomes a
real wheel (zip with dist-info, METADATA, WHEEL and RECORD) built here with the standard library only, so no
build tool and no network is needed. The wheels found in WHEELS_DIR (Debian's pip and setuptools) are added.
"""
import base64
import hashlib
import html
import json
import os
import re
import shutil
import sys
import zipfile

FIXED_TIME = (2020, 1, 1, 0, 0, 0)  # reproducible wheels


def normalize(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def record_hash(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def build_wheel(project, module, summary, version, requires, source, out_dir):
    dist = f"{project.replace('-', '_')}-{version}"
    files = {
        f"{module}.py": source.replace("{{version}}", version).encode(),
        f"{dist}.dist-info/METADATA": "\n".join(
            ["Metadata-Version: 2.1", f"Name: {project}", f"Version: {version}", f"Summary: {summary}"]
            + [f"Requires-Dist: {r}" for r in requires] + [""]).encode(),
        f"{dist}.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: imagetasks-testbed\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        f"{dist}.dist-info/top_level.txt": f"{module}\n".encode(),
    }
    record = "".join(f"{path},{record_hash(data)},{len(data)}\n" for path, data in files.items())
    files[f"{dist}.dist-info/RECORD"] = (record + f"{dist}.dist-info/RECORD,,\n").encode()
    path = os.path.join(out_dir, f"{dist}-py3-none-any.whl")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, FIXED_TIME)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    return path


def main(packages_dir, wheels_dir, out):
    files_dir = os.path.join(out, "files")
    os.makedirs(files_dir)
    wheels = []
    for project in sorted(os.listdir(packages_dir)):
        folder = os.path.join(packages_dir, project)
        with open(os.path.join(folder, "meta.json")) as f:
            meta = json.load(f)
        with open(os.path.join(folder, meta["module"] + ".py")) as f:
            source = f.read()
        for version, spec in meta["versions"].items():
            wheels.append(build_wheel(project, meta["module"], meta["summary"], version, spec["requires"], source, files_dir))
    for name in sorted(os.listdir(wheels_dir)):
        if name.endswith(".whl"):
            wheels.append(shutil.copy(os.path.join(wheels_dir, name), files_dir))

    by_project = {}
    for path in wheels:
        by_project.setdefault(normalize(os.path.basename(path).split("-")[0]), []).append(path)
    simple = os.path.join(out, "simple")
    os.makedirs(simple)
    links = []
    for project, paths in sorted(by_project.items()):
        os.makedirs(os.path.join(simple, project))
        rows = []
        for path in sorted(paths):
            with open(path, "rb") as f:
                digest = hashlib.sha256(f.read()).hexdigest()
            name = os.path.basename(path)
            rows.append(f'<a href="../../files/{html.escape(name)}#sha256={digest}">{html.escape(name)}</a><br/>')
        with open(os.path.join(simple, project, "index.html"), "w") as f:
            f.write("<!DOCTYPE html><html><body>\n" + "\n".join(rows) + "\n</body></html>\n")
        links.append(f'<a href="{project}/">{project}</a><br/>')
    with open(os.path.join(simple, "index.html"), "w") as f:
        f.write("<!DOCTYPE html><html><body>\n" + "\n".join(links) + "\n</body></html>\n")
    print(f"index: {len(wheels)} wheels of {len(by_project)} projects in {out}", file=sys.stderr)


if __name__ == "__main__":
    main(*sys.argv[1:4])
