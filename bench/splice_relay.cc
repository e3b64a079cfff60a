// The harness's reference floor: the least a TCP relay can do per byte and
// per connection on Linux. One thread, epoll (edge-triggered: no epoll_ctl
// after a connection's two registrations), non-blocking accept4 and
// connect, one pipe per direction, splice socket → pipe → socket,
// half-close passed on, TCP_NODELAY both ways. No routing, no PROXY
// protocol, no TLS parsing, no timeouts, no limits: it is what the kernel
// work alone costs, measured beside the real proxies in one run
// (bench/README.md). Not part of ringway.
//
//   splice_relay --listen=127.0.0.1:9000 --upstream=127.0.0.1:9001

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

constexpr int kPipeBytes = 256 * 1024;
constexpr unsigned kSpliceFlags = SPLICE_F_MOVE | SPLICE_F_NONBLOCK;

struct Conn;

// One direction: from `in` through the pipe to `out`.
struct Half {
  Conn* conn;
  int in = -1, out = -1;
  int pipe_r = -1, pipe_w = -1;
  size_t in_pipe = 0, capacity = 0;
  bool eof = false, shut = false;
};

// epoll data points at the Side of a socket: its fd and both directions.
struct Side {
  Conn* conn;
  int fd;
};

struct Conn {
  Side client, upstream;
  Half up, down;      // client → upstream, upstream → client
  bool dead = false;  // closed in this batch; freed after it
};

int epoll_fd;
// Connections closed during the current batch of events: another event in
// the same batch may still name them.
Conn* graveyard[512];
int graveyard_size = 0;

sockaddr_in ParseAddress(const char* text) {
  std::string s(text);
  size_t colon = s.rfind(':');
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(atoi(s.c_str() + colon + 1)));
  if (colon == std::string::npos ||
      inet_pton(AF_INET, s.substr(0, colon).c_str(), &a.sin_addr) != 1) {
    fprintf(stderr, "splice_relay: bad address %s\n", text);
    exit(2);
  }
  return a;
}

void NoDelay(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

void OpenPipe(Half* h) {
  int p[2];
  if (pipe2(p, O_NONBLOCK | O_CLOEXEC) != 0) abort();
  fcntl(p[1], F_SETPIPE_SZ, kPipeBytes);
  h->pipe_r = p[0];
  h->pipe_w = p[1];
  h->capacity = static_cast<size_t>(fcntl(p[1], F_GETPIPE_SZ));
}

void Destroy(Conn* c) {
  for (int fd : {c->client.fd, c->upstream.fd, c->up.pipe_r, c->up.pipe_w,
                 c->down.pipe_r, c->down.pipe_w}) {
    if (fd >= 0) close(fd);
  }
  c->dead = true;
  graveyard[graveyard_size++] = c;
}

// Moves what it can; false if the connection must end (error or reset).
bool Pump(Half* h) {
  for (;;) {
    if (h->in_pipe > 0) {
      ssize_t n =
          splice(h->pipe_r, nullptr, h->out, nullptr, h->in_pipe, kSpliceFlags);
      if (n > 0) {
        h->in_pipe -= static_cast<size_t>(n);
        continue;
      }
      // EAGAIN: out is full; ENOTCONN: still connecting. EPOLLOUT brings
      // us back either way.
      if (n < 0 && errno != EAGAIN && errno != ENOTCONN) return false;
      if (n < 0) return true;
    }
    if (h->eof) {
      if (!h->shut) {
        shutdown(h->out, SHUT_WR);
        h->shut = true;
      }
      return true;
    }
    ssize_t n = splice(h->in, nullptr, h->pipe_w, nullptr,
                       h->capacity - h->in_pipe, kSpliceFlags);
    if (n > 0) {
      h->in_pipe += static_cast<size_t>(n);
    } else if (n == 0) {
      h->eof = true;
    } else {
      return errno == EAGAIN;
    }
  }
}

void Register(Side* s, uint32_t events) {
  epoll_event e{};
  e.events = events;
  e.data.ptr = s;
  epoll_ctl(epoll_fd, EPOLL_CTL_ADD, s->fd, &e);
}

void Accept(int listen_fd, const sockaddr_in& upstream) {
  for (;;) {
    int fd = accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    int up = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    NoDelay(fd);
    NoDelay(up);
    connect(up, reinterpret_cast<const sockaddr*>(&upstream), sizeof(upstream));
    Conn* c = new Conn;
    c->client = {c, fd};
    c->upstream = {c, up};
    c->up = {c, fd, up};
    c->down = {c, up, fd};
    OpenPipe(&c->up);
    OpenPipe(&c->down);
    Register(&c->client, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET);
    Register(&c->upstream, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET);
  }
}

void OnEvent(Side* s) {
  Conn* c = s->conn;
  if (c->dead) return;
  // Edge-triggered: pump both directions to EAGAIN on any event.
  bool ok = Pump(&c->up) && Pump(&c->down);
  bool done =
      c->up.shut && c->down.shut && c->up.in_pipe == 0 && c->down.in_pipe == 0;
  if (!ok || done) {
    if (!ok) {
      linger hard{1, 0};  // pass a reset on as a reset
      setsockopt(c->client.fd, SOL_SOCKET, SO_LINGER, &hard, sizeof(hard));
      setsockopt(c->upstream.fd, SOL_SOCKET, SO_LINGER, &hard, sizeof(hard));
    }
    Destroy(c);  // close() also removes both from the epoll set
  }
}

}  // namespace

int main(int argc, char** argv) {
  const char* listen_at = nullptr;
  const char* upstream_at = nullptr;
  for (int i = 1; i < argc; ++i) {
    if (strncmp(argv[i], "--listen=", 9) == 0) listen_at = argv[i] + 9;
    if (strncmp(argv[i], "--upstream=", 11) == 0) upstream_at = argv[i] + 11;
  }
  if (listen_at == nullptr || upstream_at == nullptr) {
    fprintf(stderr,
            "usage: splice_relay --listen=IP:PORT --upstream=IP:PORT\n");
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  sockaddr_in listen_address = ParseAddress(listen_at);
  sockaddr_in upstream = ParseAddress(upstream_at);
  int listen_fd =
      socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  NoDelay(listen_fd);
  if (bind(listen_fd, reinterpret_cast<sockaddr*>(&listen_address),
           sizeof(listen_address)) != 0 ||
      listen(listen_fd, 4096) != 0) {
    fprintf(stderr, "splice_relay: cannot listen on %s: %s\n", listen_at,
            strerror(errno));
    return 1;
  }
  epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  Side listener{nullptr, listen_fd};
  Register(&listener, EPOLLIN);
  fprintf(stderr, "splice_relay: ready: %s -> %s\n", listen_at, upstream_at);
  epoll_event events[256];
  for (;;) {
    int n = epoll_wait(epoll_fd, events, 256, -1);
    // An event ends at most one connection: at most 256 die in a batch.
    for (int i = 0; i < n; ++i) {
      Side* s = static_cast<Side*>(events[i].data.ptr);
      if (s == &listener) {
        Accept(listen_fd, upstream);
      } else {
        OnEvent(s);
      }
    }
    for (int i = 0; i < graveyard_size; ++i) delete graveyard[i];
    graveyard_size = 0;
  }
}
