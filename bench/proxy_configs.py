"""Configurations and command lines for each proxy and for the backend.

Every proxy gets the same job, configured the way its operators would for
that job, with the same timeouts as ringway's defaults (connect 5 s, idle
600 s, ClientHello peek 10 s), no access logs, and as many workers or threads
as ringway has shards. Example:

    text = nginx_proxy_config(workloads.BY_NAME["l4_bulk"], 10000, backend,
                              tls, "/tmp/bench/nginx", workers=1)

Only the splice floor raises Unsupported (it relays bytes, nothing else).
"""

import dataclasses

import workloads

HOST = "127.0.0.1"
# The SNI name routed by passthrough proxies; wrk sends it from the URL host.
SERVER_NAME = "localhost"


class Unsupported(Exception):
    """The proxy (as built) cannot be configured for this workload."""


@dataclasses.dataclass(frozen=True)
class Backend:
    """The backend nginx: the same files over HTTP and over HTTPS."""
    http_port: int
    https_port: int

    def address_for(self, workload):
        port = self.https_port if workload.backend_tls else self.http_port
        return "%s:%d" % (HOST, port)


@dataclasses.dataclass(frozen=True)
class TlsFiles:
    """A self-signed P-256 certificate for CN=localhost, made once per run."""
    cert: str
    key: str
    pem: str  # cert and key concatenated (HAProxy's `crt`)


# --- the splice floor --------------------------------------------------------


def splice_floor_argv(binary, workload, listen_port, backend):
    """The bare relay (bench/splice_relay.cc): L4 and passthrough only, since
    it relays bytes and reads none of them."""
    if workload.job not in (workloads.L4, workloads.PASSTHROUGH):
        raise Unsupported("the splice floor only relays bytes (L4 and "
                          "passthrough jobs)")
    return [binary, "--listen=%s:%d" % (HOST, listen_port),
            "--upstream=" + backend.address_for(workload)]


def splice_floor_note(workload, listen_port, backend):
    """The floor has no config file; this records what it was asked to do."""
    return ("# splice_floor for %s: every connection to %s:%d relayed to %s "
            "with epoll + splice, nothing parsed\n" % (
                workload.name, HOST, listen_port,
                backend.address_for(workload)))


# --- ringway -----------------------------------------------------------------


def ringway_config(workload, listen_port, backend, tls=None):
    """ringway's route table (proto/ringway_config.proto, text format)."""
    upstream = backend.address_for(workload)
    listen = "%s:%d" % (HOST, listen_port)
    if workload.job == workloads.L4:
        return """\
# ringway bench: %(name)s (plain TCP relay)
# The load is HTTP, whose client speaks first: accept on its first bytes,
# as HAProxy's `defer-accept` below (nginx's stream module has no such
# option). half_close: false ends a connection with its first FIN, as
# nginx's stream default `proxy_half_close off` does.
listeners {
  name: "bench"
  address: "%(listen)s"
  tcp_proxy { upstream_group: "backend" }
  defer_accept: true
  half_close: false
}
upstream_groups {
  name: "backend"
  servers { address: "%(upstream)s" }
}
""" % dict(name=workload.name, listen=listen, upstream=upstream)
    if workload.job == workloads.PASSTHROUGH:
        return """\
# ringway bench: %(name)s (TLS passthrough routed by SNI)
# defer_accept is on by default for tls_passthrough. half_close: false
# ends a connection with its first FIN, as nginx's stream default
# `proxy_half_close off` does.
listeners {
  name: "bench"
  address: "%(listen)s"
  tls_passthrough {
    routes { server_names: ["%(sni)s"] upstream_group: "tls" }
  }
  half_close: false
}
upstream_groups {
  name: "tls"
  servers { address: "%(upstream)s" }
}
""" % dict(name=workload.name, listen=listen, upstream=upstream,
           sni=SERVER_NAME)
    if workload.job in (workloads.TERMINATE, workloads.REENCRYPT):
        reencrypt = workload.job == workloads.REENCRYPT
        keepalive = 64 if workload.upstream_keepalive else 0
        upstream_tls = ""
        if reencrypt:
            # Verification off, as nginx's default and `ssl verify none`.
            upstream_tls = "  tls { %s}\n" % (
                "" if workload.upstream_session_reuse
                else "session_reuse: false ")
        return """\
# ringway bench: %(name)s (TLS terminated, %(leg)s to the backend)
# Upstream keep-alive is on by default (32 idle per server and shard), as
# nginx's `keepalive 64` and HAProxy's default connection reuse below.
listeners {
  name: "bench"
  address: "%(listen)s"
  https {
    tls { certificates { cert_file: "%(cert)s" key_file: "%(key)s" } }
    virtual_hosts {
      locations { path_prefix: "/" upstream_group: "backend" }
    }
    header_timeout_ms: 600000
    keepalive_timeout_ms: 600000
    upstream_timeout_ms: 600000
  }
}
upstream_groups {
  name: "backend"
  servers { address: "%(upstream)s" }
  keepalive: %(keepalive)d
  keepalive_timeout_ms: 600000
%(upstream_tls)s}
""" % dict(name=workload.name, listen=listen, upstream=upstream,
           cert=tls.cert, key=tls.key, keepalive=keepalive,
           upstream_tls=upstream_tls,
           leg="HTTPS" if reencrypt else "HTTP/1.1")
    raise Unsupported("unknown job " + workload.job)


def ringway_observed(text, access_log, admin_port):
    """ringway's table with its observability on: every listener writes an
    access log line per connection or request to `access_log`, and the
    admin HTTP listener (scraped by the harness) serves /metrics."""
    text = text.replace('  name: "bench"\n',
                        '  name: "bench"\n  access_log { path: "%s" }\n' %
                        access_log)
    return text + 'admin { http_address: "%s:%d" }\n' % (HOST, admin_port)


def ringway_argv(binary, config_path, shards):
    # No admin socket: nothing else may talk to the proxy under test, and a
    # fixed socket path would clash with a ringway someone else is running.
    return [binary, "--config=" + config_path, "--shards=%d" % shards,
            "--admin_socket=", "--drain_timeout_ms=1000"]


# --- nginx -------------------------------------------------------------------

_NGINX_MAIN = """\
# ringway bench: %(title)s
user root;
daemon off;
master_process on;
worker_processes %(workers)d;
pid %(workdir)s/nginx.pid;
error_log %(workdir)s/error.log warn;
%(modules)s
events {
    worker_connections 8192;
}
"""

# Debian builds these paths in under /var/lib/nginx; keep every instance in
# its own directory.
_NGINX_HTTP_COMMON = """\
    access_log off;
    client_body_temp_path %(workdir)s/client_body;
    proxy_temp_path %(workdir)s/proxy;
    fastcgi_temp_path %(workdir)s/fastcgi;
    uwsgi_temp_path %(workdir)s/uwsgi;
    scgi_temp_path %(workdir)s/scgi;
    keepalive_requests 1000000;
    keepalive_timeout 600s;
    tcp_nodelay on;
"""

_NGINX_TLS = """\
        ssl_certificate %(cert)s;
        ssl_certificate_key %(key)s;
        ssl_protocols TLSv1.2 TLSv1.3;
"""


def _nginx_main(title, workdir, workers, stream):
    modules = ("load_module /usr/lib/nginx/modules/ngx_stream_module.so;\n"
               if stream else "")
    return _NGINX_MAIN % dict(title=title, workdir=workdir, workers=workers,
                              modules=modules)


def nginx_proxy_config(workload, listen_port, backend, tls, workdir, workers):
    """nginx as the proxy: `stream` for L4 and passthrough, `http` else."""
    args = dict(listen="%s:%d" % (HOST, listen_port),
                upstream=backend.address_for(workload), workdir=workdir,
                cert=tls.cert, key=tls.key, sni=SERVER_NAME)
    title = "nginx as the proxy for " + workload.name
    if workload.job == workloads.L4:
        return _nginx_main(title, workdir, workers, True) + """
stream {
    server {
        listen %(listen)s;
        proxy_pass %(upstream)s;
        proxy_connect_timeout 5s;
        proxy_timeout 600s;
    }
}
""" % args
    if workload.job == workloads.PASSTHROUGH:
        return _nginx_main(title, workdir, workers, True) + """
stream {
    # No default: a ClientHello for another name is closed, like ringway's
    # table without default_upstream_group.
    map $ssl_preread_server_name $bench_upstream {
        %(sni)s tls;
    }
    upstream tls {
        server %(upstream)s;
    }
    server {
        listen %(listen)s;
        ssl_preread on;
        preread_timeout 10s;
        proxy_pass $bench_upstream;
        proxy_connect_timeout 5s;
        proxy_timeout 600s;
    }
}
""" % args
    scheme = "https" if workload.backend_tls else "http"
    args["keepalive"] = ("        keepalive 64;\n"
                         if workload.upstream_keepalive else "")
    # Upstream keep-alive (and TLS session reuse, nginx's default) so the
    # backend leg is reused like HAProxy's http-reuse; responses stay in
    # memory (no temp files) as they stream to the client.
    return _nginx_main(title, workdir, workers, False) + """
http {
""" % args + _NGINX_HTTP_COMMON % args + """
    upstream backend {
        server %(upstream)s;
%(keepalive)s    }
    server {
        listen %(listen)s ssl;
""" % args + _NGINX_TLS % args + """
        location / {
            proxy_pass %(scheme)s://backend;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_max_temp_file_size 0;
            proxy_connect_timeout 5s;
            proxy_read_timeout 600s;
            proxy_send_timeout 600s;
%(upstream_protocols)s%(session_reuse)s        }
    }
}
""" % dict(args, scheme=scheme,
           # nginx 1.22 offers only up to TLS 1.2 to upstreams by default;
           # ringway and HAProxy offer 1.3 too, so it is set the same here.
           upstream_protocols=("            proxy_ssl_protocols TLSv1.2 "
                               "TLSv1.3;\n" if workload.backend_tls else ""),
           session_reuse=(""
                          if workload.upstream_session_reuse
                          else "            proxy_ssl_session_reuse off;\n"))


def nginx_backend_config(backend, tls, workdir, docroot, workers):
    """The backend: static files over HTTP and HTTPS from one nginx."""
    args = dict(workdir=workdir, docroot=docroot, cert=tls.cert, key=tls.key,
                http="%s:%d" % (HOST, backend.http_port),
                https="%s:%d" % (HOST, backend.https_port))
    return _nginx_main("the backend (static files)", workdir, workers,
                       False) + """
http {
""" + _NGINX_HTTP_COMMON % args + """\
    sendfile on;
    tcp_nopush on;
    default_type application/octet-stream;
    server {
        listen %(http)s;
        listen %(https)s ssl;
""" % args + _NGINX_TLS % args + """\
        root %(docroot)s;
    }
}
""" % args


def nginx_argv(workdir, config_path):
    return ["nginx", "-p", workdir, "-e", workdir + "/error.log",
            "-c", config_path]


# --- HAProxy -----------------------------------------------------------------


def haproxy_config(workload, listen_port, backend, tls, threads):
    """HAProxy: `mode tcp` for L4 and passthrough, `mode http` else."""
    http = workload.job in (workloads.TERMINATE, workloads.REENCRYPT)
    args = dict(name=workload.name, threads=threads,
                mode="http" if http else "tcp",
                listen="%s:%d" % (HOST, listen_port),
                upstream=backend.address_for(workload), pem=tls.pem,
                sni=SERVER_NAME)
    text = """\
# ringway bench: HAProxy as the proxy for %(name)s
global
    nbthread %(threads)d
    # Far above the load's connections; needs ~2 fds each, within a 20000
    # hard limit.
    maxconn 8192

defaults
    mode %(mode)s
    timeout connect 5s
    timeout client 600s
    timeout server 600s
    timeout http-keep-alive 600s

""" % args
    if workload.job == workloads.L4:
        return text + """\
frontend bench
    bind %(listen)s defer-accept
    default_backend backend

backend backend
    server s1 %(upstream)s
""" % args
    if workload.job == workloads.PASSTHROUGH:
        return text + """\
frontend bench
    bind %(listen)s defer-accept
    tcp-request inspect-delay 10s
    tcp-request content accept if { req.ssl_hello_type 1 }
    use_backend tls if { req.ssl_sni -i %(sni)s }

backend tls
    server s1 %(upstream)s
""" % args
    server_tls = " ssl verify none" if workload.backend_tls else ""
    if workload.backend_tls and not workload.upstream_session_reuse:
        server_tls += " no-ssl-reuse"
    # A fresh server connection per request: closed after each response.
    reuse = ("" if workload.upstream_keepalive
             else "    option http-server-close\n")
    return text + """\
frontend bench
    bind %(listen)s ssl crt %(pem)s
    default_backend backend

backend backend
%(reuse)s    server s1 %(upstream)s%(server_tls)s
""" % dict(args, server_tls=server_tls, reuse=reuse)


def haproxy_argv(config_path):
    return ["haproxy", "-db", "-f", config_path]
