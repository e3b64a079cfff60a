"""The workloads compare.py measures: what the proxy does, what wrk asks for.

Every workload is one proxy job (plain L4 relay, TLS passthrough by SNI, TLS
termination, re-encryption) times one traffic shape (large responses on
kept-alive connections, small ones on kept-alive connections, or one new
connection per request). Example:

    for w in select("l4_bulk,l4_connections"):
        print(w.name, w.url_scheme, w.path, w.unit)
"""

import dataclasses

# Response bodies the backend serves (bench/compare.py writes the files).
BULK_PATH = "/1m"
BULK_BYTES = 1 << 20  # 1 MiB
SMALL_PATH = "/small"
SMALL_BYTES = 100

# Proxy jobs.
L4 = "l4"  # plain TCP relay to the HTTP backend
PASSTHROUGH = "passthrough"  # SNI-routed TLS relay to the HTTPS backend
TERMINATE = "terminate"  # TLS ends at the proxy; HTTP to the backend
REENCRYPT = "reencrypt"  # TLS ends at the proxy; new TLS to the backend

# What a workload's proxy CPU is divided by in the chart and the ratio.
PER_GIB = "GiB"
PER_REQUEST = "request"


@dataclasses.dataclass(frozen=True)
class Workload:
    name: str
    job: str
    path: str
    # False: every request carries `Connection: close`, so every request is a
    # new TCP connection (and, with TLS, a new full handshake).
    keepalive: bool
    unit: str
    description: str
    # Re-encryption: whether the proxy keeps upstream connections for the
    # next request, and whether a new one resumes the server's session.
    upstream_keepalive: bool = True
    upstream_session_reuse: bool = True

    @property
    def client_tls(self):
        """Whether wrk speaks TLS to the proxy."""
        return self.job != L4

    @property
    def backend_tls(self):
        """Whether the backend the proxy connects to speaks TLS."""
        return self.job in (PASSTHROUGH, REENCRYPT)

    @property
    def url_scheme(self):
        return "https" if self.client_tls else "http"

    @property
    def response_body_bytes(self):
        return BULK_BYTES if self.path == BULK_PATH else SMALL_BYTES


WORKLOADS = (
    Workload("l4_bulk", L4, BULK_PATH, True, PER_GIB,
             "1 MiB HTTP responses through a plain TCP relay, kept-alive"),
    Workload("l4_connections", L4, SMALL_PATH, False, PER_REQUEST,
             "one new TCP connection per 100-byte HTTP request"),
    Workload("passthrough_bulk", PASSTHROUGH, BULK_PATH, True, PER_GIB,
             "1 MiB HTTPS responses through an SNI-routed passthrough"),
    Workload("passthrough_connections", PASSTHROUGH, SMALL_PATH, False,
             PER_REQUEST,
             "one new TLS connection per 100-byte request, SNI-routed "
             "passthrough"),
    Workload("terminate_keepalive", TERMINATE, SMALL_PATH, True, PER_REQUEST,
             "100-byte HTTPS requests on kept-alive connections, TLS ends "
             "at the proxy, HTTP to the backend"),
    Workload("terminate_handshakes", TERMINATE, SMALL_PATH, False,
             PER_REQUEST,
             "one new TLS connection (full handshake at the proxy) per "
             "100-byte request"),
    Workload("reencrypt_keepalive", REENCRYPT, SMALL_PATH, True, PER_REQUEST,
             "100-byte HTTPS requests on kept-alive connections, TLS to the "
             "backend too"),
    Workload("reencrypt_bulk", REENCRYPT, BULK_PATH, True, PER_GIB,
             "1 MiB HTTPS responses, TLS ends at the proxy and again to the "
             "backend"),
    Workload("reencrypt_fresh_upstream", REENCRYPT, SMALL_PATH, True,
             PER_REQUEST,
             "100-byte HTTPS requests on kept-alive client connections, a "
             "new TLS connection to the backend for each, its session "
             "resumed", upstream_keepalive=False),
    Workload("reencrypt_fresh_upstream_full", REENCRYPT, SMALL_PATH, True,
             PER_REQUEST,
             "as reencrypt_fresh_upstream, but without session reuse: a full "
             "TLS handshake to the backend per request",
             upstream_keepalive=False, upstream_session_reuse=False),
)

BY_NAME = {w.name: w for w in WORKLOADS}


def select(names_csv):
    """Workloads named in a comma-separated list ("all" or "" for every one).

    Raises ValueError naming the unknown ones.
    """
    names = [n.strip() for n in names_csv.split(",") if n.strip()]
    if not names or names == ["all"]:
        return list(WORKLOADS)
    unknown = [n for n in names if n not in BY_NAME]
    if unknown:
        raise ValueError("unknown workload(s) %s; known: %s" %
                         (", ".join(unknown), ", ".join(BY_NAME)))
    return [BY_NAME[n] for n in names]
