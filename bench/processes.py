"""Starting, pinning, stopping and CPU-accounting the processes of a run.

A Service is one server the harness starts (a proxy or the backend) with its
own log file, pinned to a set of CPUs; its CPU time is the utime + stime of
its whole process tree (an nginx master and its workers; every thread is
already included in its process's /proc/PID/stat). Example:

    svc = Service("nginx", argv, cpus={0}, log_path="/tmp/x/nginx.log")
    svc.start()
    wait_listening(svc, 10000)
    before = svc.cpu_seconds()
    ...
    svc.stop()
"""

import os
import resource
import shlex
import signal
import socket
import subprocess
import time

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def parse_cpus(text):
    """CPU list like "0", "1-3" or "0,2-3" as a sorted list of ints."""
    cpus = set()
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        lo, _, hi = part.partition("-")
        cpus.update(range(int(lo), int(hi or lo) + 1))
    return sorted(cpus)


def pin_and_raise_fd_limit(cpus):
    """Runs in the child before exec: pin it, and let it open as many files
    as the hard limit allows (ringway raises its own limit the same way)."""
    os.sched_setaffinity(0, cpus)
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def format_cpus(cpus):
    return ",".join(str(c) for c in sorted(cpus))


def _proc_stat(pid):
    """(ppid, utime + stime in ticks) of one process, or None if it is gone."""
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            data = f.read().decode("ascii", "replace")
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: the fields
    # after it start past the last ')'. Field 3 is state, 4 ppid, 14 utime,
    # 15 stime (proc(5)).
    fields = data[data.rfind(")") + 2:].split()
    return int(fields[1]), int(fields[11]) + int(fields[12])


def tree_pids(root):
    """root and all of its descendants (walking /proc/*/stat ppid)."""
    children = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        stat = _proc_stat(int(name))
        if stat is not None:
            children.setdefault(stat[0], []).append(int(name))
    pids, todo = [], [root]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        todo.extend(children.get(pid, ()))
    return pids


def tree_cpu_seconds(root):
    """utime + stime of root's whole process tree, in seconds."""
    ticks = 0
    for pid in tree_pids(root):
        stat = _proc_stat(pid)
        if stat is not None:
            ticks += stat[1]
    return ticks / CLOCK_TICKS


class Service:
    """One server process (and its children) the harness owns."""

    def __init__(self, name, argv, cpus, log_path):
        self.name = name
        self.argv = argv
        self.cpus = sorted(cpus)
        self.log_path = log_path
        self.proc = None

    def shell_command(self):
        """The equivalent command line, for --print-configs and logs."""
        return "taskset -c %s %s" % (format_cpus(self.cpus),
                                     shlex.join(self.argv))

    def start(self):
        log = open(self.log_path, "wb")
        cpus = self.cpus
        # Its own session, so a Ctrl-C on the harness reaches only the
        # harness, which then stops this service itself.
        self.proc = subprocess.Popen(
            self.argv, stdin=subprocess.DEVNULL, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True,
            preexec_fn=lambda: pin_and_raise_fd_limit(cpus))
        log.close()

    @property
    def pid(self):
        return self.proc.pid

    def exit_code(self):
        """None while running."""
        return self.proc.poll()

    def log_text(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def cpu_seconds(self):
        return tree_cpu_seconds(self.proc.pid)

    def stop(self, timeout_s=5.0):
        """SIGTERM, then SIGKILL whatever of its tree is left."""
        if self.proc is None or self.proc.poll() is not None:
            return
        pids = tree_pids(self.proc.pid)
        try:
            os.kill(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            pass
        for pid in pids:  # only processes this service started
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        self.proc.wait()


def can_connect(port, timeout_s=0.2):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout_s):
            return True
    except OSError:
        return False


def wait_listening(service, port, timeout_s=10.0, log_marker=None):
    """Wait until service accepts on port (and logged log_marker, if given).

    Returns None when it is ready, else why not (it exited, or timed out).
    """
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        code = service.exit_code()
        if code is not None:
            return "exited with code %d" % code
        if ((log_marker is None or log_marker in service.log_text()) and
                can_connect(port)):
            return None
        time.sleep(0.05)
    return "not listening on port %d after %.0f s" % (port, timeout_s)


def free_port():
    """A port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port_closed(port, timeout_s=5.0):
    """Seconds until nothing accepts on port any more, or None on timeout."""
    start = time.monotonic()
    while time.monotonic() - start < timeout_s:
        if not can_connect(port):
            return time.monotonic() - start
        time.sleep(0.01)
    return None
