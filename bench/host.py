"""The machine a run happens on: Debian packages, tools, versions, CPU.

compare.py installs missing packages the way tools/bazel does (apt-get
install of the missing ones, then stops the servers the packages start) and
records what it ran on. Example:

    ensure_packages(PACKAGES["base"], allow_install=True)
    subprocess.run([tool("wrk"), "-v"])
    environment(ringway_binary, ["nginx", "haproxy"])["kernel"]
"""

import datetime
import hashlib
import os
import platform
import shutil
import subprocess
import sys

# Debian packages, installed when missing. tools/bazel installs all of them
# but gnuplot-nox, which only --plot needs.
PACKAGES = {
    "base": ["nginx", "wrk", "openssl"],  # backend, load, certificate
    "nginx": ["nginx", "libnginx-mod-stream"],
    "haproxy": ["haproxy"],
    "plot": ["gnuplot-nox"],
}
TOOL_PATH = os.pathsep.join(
    [os.environ.get("PATH", ""), "/usr/local/sbin", "/usr/local/bin",
     "/usr/sbin", "/usr/bin", "/sbin", "/bin"])
OK, UNSUPPORTED, FAILED = "ok", "unsupported", "failed"



def package_installed(name):
    try:
        out = subprocess.run(
            ["dpkg-query", "-W", "-f=${Status}", name],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout
    except OSError:  # not Debian: trust PATH
        return True
    return b"install ok installed" in out


def ensure_packages(names, allow_install):
    """apt-get installs the missing ones, like tools/bazel's install_packages.
    """
    missing = sorted({n for n in names if not package_installed(n)})
    if not missing:
        return
    if not allow_install:
        sys.exit("compare: missing Debian packages: " + " ".join(missing))
    print("compare: installing " + " ".join(missing), file=sys.stderr,
          flush=True)
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(sudo + ["apt-get", "update", "-qq"], check=True,
                   stdout=sys.stderr)
    subprocess.run(sudo + ["apt-get", "install", "-y", "-qq",
                           "--no-install-recommends"] + missing,
                   check=True, env=env, stdout=sys.stderr)
    if {"nginx", "haproxy"} & set(missing):
        # The packages start servers of their own; the harness starts its.
        subprocess.run(sudo + ["systemctl", "disable", "--now", "nginx",
                               "haproxy"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)


def tool(name):
    path = shutil.which(name, path=TOOL_PATH)
    if path is None:
        sys.exit("compare: %s not found" % name)
    return path


def first_line(cmd):
    try:
        out = subprocess.run(cmd, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = out.decode("utf-8", "replace").strip().splitlines()
    return lines[0].strip() if lines else None


def ringway_version(binary):
    if not binary:
        return None
    with open(binary, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()[:12]
    version = "binary sha256 " + digest
    # The source tree: bazel run's workspace, or where this file really is.
    ws = os.environ.get("BUILD_WORKSPACE_DIRECTORY") or os.path.dirname(
        os.path.realpath(__file__))
    if ws:
        rev = first_line(["git", "-C", ws, "rev-parse", "--short", "HEAD"])
        dirty = first_line(["git", "-C", ws, "status", "--porcelain",
                           "--untracked-files=no"])
        if rev:
            version = "git %s%s, %s" % (rev, "+dirty" if dirty else "",
                                        version)
    return version


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def environment(ringway_binary, proxies):
    """Date, kernel, CPU and the version of every program in the run."""
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime(
            "%Y-%m-%d %H:%M UTC"),
        "kernel": platform.release(),
        "cpu_model": cpu_model(),
        "cpus": os.cpu_count(),
        "versions": {
            "ringway": ringway_version(ringway_binary),
            "nginx": first_line([tool("nginx"), "-v"]),
            "haproxy": first_line([tool("haproxy"), "-v"])
            if "haproxy" in proxies else None,
            "wrk": first_line([tool("wrk"), "-v"]),
            "openssl": first_line([tool("openssl"), "version"]),
        },
    }
