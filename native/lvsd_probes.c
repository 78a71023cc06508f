/*
 * Kernel edge (native): the probes that cost more in JavaScript than on the wire, as a plain
 * Node-API addon: ICMP echo sockets for PING_CHECK, and the stream probes of TCP_CHECK and
 * HTTP_GET (lvsd_stream.h, lvsd_stream_js.h: connect, request and response on a worker thread,
 * results in batches; per probe the system calls keepalived's check_tcp.c / check_http.c make,
 * and no net.Socket, stream or timer objects).
 *
 * ICMP:
 * Node has no ICMP socket. This opens a Linux "ping socket" (SOCK_DGRAM, IPPROTO_ICMP /
 * IPPROTO_ICMPV6: the kernel fills the echo identifier and checksum and delivers only the
 * replies to this socket's identifier; allowed when the process group is in
 * net.ipv4.ping_group_range), or, when that is refused, a raw ICMP socket (root / CAP_NET_RAW)
 * that sees every ICMP packet, filtered here by identifier. One socket serves every PING_CHECK
 * of a family and source address; the JavaScript side matches replies to probes by sequence.
 * Readiness comes from a uv_poll on the main loop: no thread, no per-probe process.
 *
 * Build: cc -O2 -shared -fPIC -pthread -I/usr/include/node -o lvsd_probes.node lvsd_probes.c
 */
#include <node_api.h>
#include <uv.h>
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/epoll.h>
#include <net/if.h>

typedef struct {
  int fd;
  int family;
  int raw;
  uint16_t ident;
  uv_poll_t poll;
  napi_env env;
  napi_ref cb;
  int closed;
} icmp_sock;

#define CHECK(call) do { if ((call) != napi_ok) { napi_throw_error(env, NULL, #call " failed"); return NULL; } } while (0)

static uint16_t csum(const uint8_t *p, size_t n) {
  uint32_t s = 0;
  for (; n > 1; p += 2, n -= 2) s += (uint32_t)(p[0] << 8 | p[1]);
  if (n) s += (uint32_t)(p[0] << 8);
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return (uint16_t)~s;
}

static int parse_addr(int family, const char *text, struct sockaddr_storage *ss, socklen_t *len) {
  memset(ss, 0, sizeof(*ss));
  if (family == 4) {
    struct sockaddr_in *a = (struct sockaddr_in *)ss;
    a->sin_family = AF_INET;
    *len = sizeof(*a);
    return inet_pton(AF_INET, text, &a->sin_addr) == 1 ? 0 : -1;
  }
  struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
  a->sin6_family = AF_INET6;
  *len = sizeof(*a);
  return inet_pton(AF_INET6, text, &a->sin6_addr) == 1 ? 0 : -1;
}

static void on_readable(uv_poll_t *h, int status, int events) {
  icmp_sock *s = (icmp_sock *)h->data;
  (void)events;
  if (s->closed || status < 0) return;
  napi_env env = s->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value cb, global;
  napi_get_reference_value(env, s->cb, &cb);
  napi_get_global(env, &global);
  for (int i = 0; i < 256 && !s->closed; i++) {
    uint8_t buf[2048];
    struct sockaddr_storage from;
    socklen_t fl = sizeof(from);
    ssize_t n = recvfrom(s->fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
    if (n < 0) break; /* EAGAIN: drained */
    const uint8_t *icmp = buf;
    if (s->raw && s->family == 4) {
      size_t ihl = (size_t)(buf[0] & 0x0f) * 4;
      if ((size_t)n < ihl + 8) continue;
      icmp = buf + ihl;
      n -= (ssize_t)ihl;
    }
    if (n < 8) continue;
    int type = icmp[0];
    int reply = s->family == 4 ? 0 : 129;
    if (type != reply) continue;
    uint16_t id = (uint16_t)(icmp[4] << 8 | icmp[5]);
    uint16_t seq = (uint16_t)(icmp[6] << 8 | icmp[7]);
    if (s->raw && id != s->ident) continue;
    char addr[INET6_ADDRSTRLEN] = "";
    if (from.ss_family == AF_INET) inet_ntop(AF_INET, &((struct sockaddr_in *)&from)->sin_addr, addr, sizeof(addr));
    else inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&from)->sin6_addr, addr, sizeof(addr));
    napi_value argv[3];
    napi_create_string_utf8(env, addr, NAPI_AUTO_LENGTH, &argv[0]);
    napi_create_uint32(env, seq, &argv[1]);
    napi_create_uint32(env, (uint32_t)n, &argv[2]);
    napi_value result;
    if (napi_make_callback(env, NULL, global, cb, 3, argv, &result) != napi_ok) {
      bool pending = false;
      napi_is_exception_pending(env, &pending);
      if (pending) {
        napi_value e;
        napi_get_and_clear_last_exception(env, &e);
      }
      break;
    }
  }
  napi_close_handle_scope(env, scope);
}

static void on_poll_closed(uv_handle_t *h) {
  free(h->data);
}

static void do_close(icmp_sock *s) {
  if (s->closed) return;
  s->closed = 1;
  uv_poll_stop(&s->poll);
  close(s->fd);
  if (s->cb) napi_delete_reference(s->env, s->cb);
  s->cb = NULL;
  uv_close((uv_handle_t *)&s->poll, on_poll_closed);
}

static icmp_sock *unwrap(napi_env env, napi_value v) {
  void *p = NULL;
  if (napi_get_value_external(env, v, &p) != napi_ok || !p) {
    napi_throw_type_error(env, NULL, "not an ICMP socket");
    return NULL;
  }
  return (icmp_sock *)p;
}

/* open(family: 4|6, source: string, onReply(from, seq, bytes)) -> { handle, raw, ident } */
static napi_value js_open(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t family;
  CHECK(napi_get_value_int32(env, argv[0], &family));
  char src[INET6_ADDRSTRLEN + 1] = "";
  size_t sl;
  CHECK(napi_get_value_string_utf8(env, argv[1], src, sizeof(src), &sl));
  int af = family == 6 ? AF_INET6 : AF_INET;
  int proto = family == 6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
  int raw = 0;
  int fd = socket(af, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
  if (fd < 0 && (errno == EACCES || errno == EPERM || errno == EPROTONOSUPPORT)) {
    fd = socket(af, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
    raw = 1;
  }
  if (fd < 0) {
    char msg[128];
    snprintf(msg, sizeof(msg), "ICMP socket: %s", strerror(errno));
    napi_throw_error(env, "LVSD_ICMP_SOCKET", msg);
    return NULL;
  }
  /* One socket carries every PING_CHECK of a family: replies to a burst of probes queue here
   * until the loop reads them, and the default buffer (rmem_default, ~128 replies) drops the rest.
   * 8 MiB holds a few thousand; SO_RCVBUFFORCE (root) passes net.core.rmem_max, else SO_RCVBUF. */
  int rcvbuf = 8 << 20;
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
  struct sockaddr_storage ss;
  socklen_t len;
  if (src[0] || !raw) {
    if (parse_addr(family, src[0] ? src : (family == 6 ? "::" : "0.0.0.0"), &ss, &len) < 0 || bind(fd, (struct sockaddr *)&ss, len) < 0) {
      char msg[160];
      snprintf(msg, sizeof(msg), "ICMP bind %s: %s", src, strerror(errno));
      close(fd);
      napi_throw_error(env, "LVSD_ICMP_BIND", msg);
      return NULL;
    }
  }
  icmp_sock *s = calloc(1, sizeof(*s));
  s->fd = fd;
  s->family = family;
  s->raw = raw;
  s->env = env;
  if (!raw) {
    len = sizeof(ss);
    getsockname(fd, (struct sockaddr *)&ss, &len);
    s->ident = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port : ((struct sockaddr_in6 *)&ss)->sin6_port);
  } else {
    s->ident = (uint16_t)((getpid() ^ (uintptr_t)s) & 0xffff);
  }
  CHECK(napi_create_reference(env, argv[2], 1, &s->cb));
  uv_loop_t *loop;
  CHECK(napi_get_uv_event_loop(env, &loop));
  uv_poll_init(loop, &s->poll, fd);
  s->poll.data = s;
  uv_poll_start(&s->poll, UV_READABLE, on_readable);
  /* An idle ICMP socket does not keep the process alive; probes in flight hold timers. */
  uv_unref((uv_handle_t *)&s->poll);
  napi_value obj, handle, v;
  CHECK(napi_create_object(env, &obj));
  CHECK(napi_create_external(env, s, NULL, NULL, &handle));
  CHECK(napi_set_named_property(env, obj, "handle", handle));
  CHECK(napi_get_boolean(env, raw, &v));
  CHECK(napi_set_named_property(env, obj, "raw", v));
  CHECK(napi_create_uint32(env, s->ident, &v));
  CHECK(napi_set_named_property(env, obj, "ident", v));
  return obj;
}

/* send(handle, to: string, seq, payload: Buffer) -> 0 or errno */
static napi_value js_send(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  icmp_sock *s = unwrap(env, argv[0]);
  if (!s) return NULL;
  char to[INET6_ADDRSTRLEN + 1];
  size_t tl;
  CHECK(napi_get_value_string_utf8(env, argv[1], to, sizeof(to), &tl));
  uint32_t seq;
  CHECK(napi_get_value_uint32(env, argv[2], &seq));
  void *data;
  size_t dl;
  CHECK(napi_get_buffer_info(env, argv[3], &data, &dl));
  napi_value rv;
  if (s->closed) {
    napi_create_int32(env, EBADF, &rv);
    return rv;
  }
  uint8_t pkt[1024];
  if (dl > sizeof(pkt) - 8) dl = sizeof(pkt) - 8;
  pkt[0] = s->family == 6 ? 128 : 8; /* echo request: RFC 792, RFC 4443 §4.1 */
  pkt[1] = 0;
  pkt[2] = pkt[3] = 0;
  pkt[4] = (uint8_t)(s->ident >> 8);
  pkt[5] = (uint8_t)s->ident;
  pkt[6] = (uint8_t)(seq >> 8);
  pkt[7] = (uint8_t)seq;
  memcpy(pkt + 8, data, dl);
  if (s->raw && s->family == 4) {
    uint16_t c = csum(pkt, dl + 8);
    pkt[2] = (uint8_t)(c >> 8);
    pkt[3] = (uint8_t)c;
  }
  struct sockaddr_storage ss;
  socklen_t len;
  int err = 0;
  if (parse_addr(s->family, to, &ss, &len) < 0) err = EINVAL;
  else if (sendto(s->fd, pkt, dl + 8, 0, (struct sockaddr *)&ss, len) < 0) err = errno;
  napi_create_int32(env, err, &rv);
  return rv;
}

static napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  icmp_sock *s = unwrap(env, argv[0]);
  if (s) do_close(s);
  return NULL;
}


/* ---------------------------------------------------------------- TCP and HTTP stream probes */

#include "lvsd_stream.h"
#include "lvsd_stream_js.h"

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  static const struct { const char *name; napi_callback fn; } fns[] = {
    {"open", js_open}, {"send", js_send}, {"close", js_close},
    {"streamOpen", js_stream_open}, {"streamSubmit", js_stream_submit}, {"streamCancel", js_stream_cancel},
    {"streamFlush", js_stream_flush}, {"streamClose", js_stream_close},
  };
  for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
    napi_value f;
    napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].fn, NULL, &f);
    napi_set_named_property(env, exports, fns[i].name, f);
  }
  return exports;
}
