#!/usr/bin/env python3
"""Lists every version the generated projects pin beside the newest its registry serves.

A maintainer's check, run by hand before a release (never by `cargo test`: an upstream
release must not turn CI red). It generates every runtime x base x option with the binary,
reads the pins out of the files users get (requirements, package.json, pom.xml, Gradle
scripts, go.mod, Cargo.toml, Gemfile, .csproj, Dockerfile FROM lines) and asks each registry
for its newest release, overall and within the pinned major version.

    python3 scripts/pinned-versions.py [path/to/lambda-new]   # default: cargo build --release

Output: one row per (package, pinned version), marked `behind` where a newer release of the
same major exists, `major` where only a newer major does, `?` where the registry is out of
reach (rubygems.org, NuGet and the image registries are, on the project's machines).
"""

import json
import re
import subprocess
import sys
import tempfile
import tomllib
import urllib.request
import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OPTIONS = {"nodejs": ["--language", ["javascript", "typescript"]],
           "java": ["--dependency-manager", ["maven", "gradle"]]}


def fetch(url):
    try:
        with urllib.request.urlopen(url, timeout=20) as response:
            return response.read()
    except OSError:
        return None


def version_key(version):
    return [int(p) if p.isdigit() else -1 for p in re.split(r"[.+-]", version.lstrip("v"))]


def is_release(version):
    return re.fullmatch(r"v?\d+(\.\d+)*", version) is not None


@cache
def versions(kind, name):
    """Every release of a package, or None when its registry cannot be asked."""
    if kind == "pypi":
        data = fetch(f"https://pypi.org/pypi/{name}/json")
        return data and list(json.loads(data)["releases"])
    if kind == "npm":
        data = fetch(f"https://registry.npmjs.org/{name.replace('/', '%2F')}")
        return data and list(json.loads(data)["versions"])
    if kind == "maven":
        group, artifact = name.split(":")
        data = fetch(f"https://repo1.maven.org/maven2/{group.replace('.', '/')}/{artifact}/maven-metadata.xml")
        return data and [v.text for v in ET.fromstring(data).iter("version")]
    if kind == "go":
        escaped = re.sub(r"[A-Z]", lambda m: "!" + m.group(0).lower(), name)
        data = fetch(f"https://proxy.golang.org/{escaped}/@v/list")
        return data and data.decode().split()
    if kind == "crate":
        lower = name.lower()
        prefix = {1: "1", 2: "2", 3: f"3/{lower[0]}"}.get(len(lower), f"{lower[:2]}/{lower[2:4]}")
        data = fetch(f"https://index.crates.io/{prefix}/{lower}")
        return data and [json.loads(line)["vers"] for line in data.decode().splitlines()
                         if not json.loads(line)["yanked"]]
    return None  # rubygems.org, NuGet, image registries: out of reach here


def newest(candidates, major=None):
    releases = [v for v in candidates if is_release(v)]
    if major is not None:
        releases = [v for v in releases if version_key(v)[0] == major]
    return max(releases, key=version_key, default=None)


def pins(project):
    """(registry kind, package, pinned version, file) for every pin in a generated project."""
    for path in sorted(project.rglob("*")):
        if not path.is_file():
            continue
        rel, text = path.relative_to(project), path.read_text(errors="replace")
        if path.name.startswith("requirements") and path.suffix == ".txt":
            for name, version in re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", text, re.M):
                yield "pypi", name, version, rel
        elif path.name == "package.json":
            data = json.loads(text)
            for section in ("dependencies", "devDependencies"):
                for name, version in data.get(section, {}).items():
                    yield "npm", name, version.lstrip("^~="), rel
        elif path.name == "pom.xml":
            ns = {"m": "http://maven.apache.org/POM/4.0.0"}
            tree = ET.fromstring(text)
            props = {p.tag.split("}")[1]: p.text for p in tree.findall("m:properties/*", ns)}
            for dep in tree.iter():
                if dep.tag.split("}")[1] not in ("dependency", "plugin"):
                    continue
                group = dep.findtext("m:groupId", "org.apache.maven.plugins", ns)
                artifact, version = dep.findtext("m:artifactId", None, ns), dep.findtext("m:version", None, ns)
                if artifact and version:
                    version = re.sub(r"\$\{(.+?)\}", lambda m: props.get(m.group(1), m.group(0)), version)
                    yield "maven", f"{group}:{artifact}", version, rel
        elif path.name.endswith(".gradle.kts"):
            for group, artifact, version in re.findall(r'"([\w.-]+):([\w.-]+):([\w.-]+)"', text):
                yield "maven", f"{group}:{artifact}", version, rel
            for plugin, version in re.findall(r'id\("([\w.-]+)"\) version "([\w.-]+)"', text):
                yield "maven", f"{plugin}:{plugin}.gradle.plugin", version, rel
        elif path.name == "go.mod":
            for name, version in re.findall(r"^\s*(?:require\s+)?([\w.-]+\.[\w./-]+) (v\S+)", text, re.M):
                yield "go", name, version, rel
        elif path.name == "Cargo.toml":
            for name, spec in tomllib.loads(text).get("dependencies", {}).items():
                version = spec if isinstance(spec, str) else spec.get("version")
                if version:
                    yield "crate", name, version.lstrip("=^~"), rel
        elif path.name == "Gemfile":
            for name, version in re.findall(r"""^\s*gem ['"]([\w-]+)['"],\s*['"][~>=\s]*([\d.]+)""", text, re.M):
                yield "rubygems", name, version, rel
        elif path.suffix == ".csproj":
            for name, version in re.findall(r'PackageReference Include="([^"]+)" Version="([^"]+)"', text):
                yield "nuget", name, version, rel
        elif path.name == "Dockerfile":
            for image in re.findall(r"^FROM\s+(\S+)", text, re.M | re.I):
                name, _, tag = image.rpartition(":")
                yield "image", name, tag, rel
            # Packages the build stages install by name (pip, npm, gem).
            for name, version in re.findall(r"\b([a-z][\w.-]+)==(\d[\w.]*)", text):
                yield "pypi", name, version, rel
            for name, version in re.findall(r"\b([a-z][\w.-]+)@(\d[\w.]*)", text):
                yield "npm", name, version, rel
            for name, version in re.findall(r"gem install .*?\b([a-z][\w-]+)(?::| -v )(\d[\w.]*)", text, re.S):
                yield "rubygems", name, version, rel


def combinations(binary):
    listing = json.loads(subprocess.run([binary, "list", "--json"], check=True,
                                        capture_output=True, text=True).stdout)
    for entry in listing:
        flag, values = OPTIONS.get(entry["family"], [None, [None]])
        for base in ("aws", "alternative"):
            for value in values:
                yield [entry["runtime"], "--base", base] + ([flag, value] if value else [])


def main():
    if len(sys.argv) > 1:
        binary = sys.argv[1]
    else:
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
        binary = str(ROOT / "target/release/lambda-new")
    found = {}
    with tempfile.TemporaryDirectory() as out:
        for i, args in enumerate(combinations(binary)):
            name = f"p{i}"
            subprocess.run([binary, name, "--runtime", *args, "-y", "--vcs", "none", "-q",
                            "--output-dir", out], check=True, stderr=subprocess.DEVNULL)
            for kind, package, version, rel in pins(Path(out) / name):
                found.setdefault((kind, package, version), set()).add(f"{args[0]}:{rel}")
    rows = []
    for (kind, package, version), where in sorted(found.items()):
        candidates = versions(kind, package)
        if candidates is None:
            rows.append(("?", kind, package, version, "-", "-", where))
            continue
        same, latest = newest(candidates, version_key(version)[0]), newest(candidates)
        status = ("ok" if same is None or version_key(same) <= version_key(version)
                  else "behind")
        if status == "ok" and latest and version_key(latest)[0] > version_key(version)[0]:
            status = "major"
        rows.append((status, kind, package, version, same or "-", latest or "-", where))
    print(f"{'status':7} {'registry':9} {'package':55} {'pinned':14} {'newest same major':18} newest")
    for status, kind, package, version, same, latest, where in rows:
        print(f"{status:7} {kind:9} {package:55} {version:14} {same:18} {latest}"
              f"   ({len(where)} projects, e.g. {sorted(where)[0]})")
    print(f"\n{sum(r[0] == 'behind' for r in rows)} behind, {sum(r[0] == 'major' for r in rows)} "
          f"with a newer major, {sum(r[0] == '?' for r in rows)} not checkable here, of {len(rows)} pins")


if __name__ == "__main__":
    main()
