// Kernel edge (native): a thin syscall shim for lvsd's sockets. No policy and no struct
// layouts live here beyond what the C ABI forces (cmsghdr alignment, struct ifreq): socket
// addresses, option values and control-message payloads are built and parsed in TypeScript
// (src/net/sockaddr.ts), where they are unit-tested.
//
// Why an addon and not the `raw-socket` npm package (see src/net/README.md): raw-socket has no
// recvmsg, so a raw IPv6 socket cannot read the Hop Limit (IPV6_HOPLIMIT ancillary data) and
// RFC 5798 §7.1 "MUST discard ... if the Hop Limit is not 255" cannot be enforced; it cannot
// learn the destination or the ingress interface (IPV6_PKTINFO / IP_PKTINFO); it cannot pick
// the source with IP_PKTINFO / IPV6_PKTINFO on sendmsg; and it has no AF_PACKET for gratuitous
// ARP and unsolicited Neighbour Advertisements. The same shim carries lvsd's rtnetlink sockets:
// the `netlink` package's native poll handler aborts the process on a socket error (ENOBUFS),
// while here every error becomes a JS exception or a callback argument.
//
// Event loop: one uv_poll handle per socket (napi_get_uv_event_loop). On readiness the JS
// callback runs (through napi_make_callback, so promises and nextTicks run after it) and reads
// with recvmsg() until it returns null (EAGAIN). Readiness-driven, no threads, no timers.
// On POLLERR libuv stops the watcher and reports UV_EBADF; we fetch the real pending error with
// SO_ERROR (which clears it), restart the watcher and pass the error to the callback.
//
// Receive timestamps: when a socket has SO_TIMESTAMPNS on, recvmsg also returns `ageNs`, how long
// before the read the kernel stamped the datagram (CLOCK_REALTIME read right after recvmsg minus
// the SCM_TIMESTAMPNS stamp), so JS can date a packet to its arrival and not to its callback.
//
// Timers: timerfd(), timerfdSet(), timerfdRead() give the runtime's clock a CLOCK_MONOTONIC timer with
// nanosecond deadlines, watched with poll() like a socket (keepalived's scheduler sleeps on a timerfd
// too), where Node's setTimeout only knows whole milliseconds of a cached loop time.
//
// Errors: Error objects with `code` (errno name, e.g. "ENOBUFS"), `errno` (negative, as Node's
// own) and `syscall`. Nothing here aborts the process.
#define _GNU_SOURCE 1
#define NAPI_VERSION 8
#include <node_api.h>
#include <uv.h>

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define MAX_ARGS 4
#define RECV_DATA_MAX 65536
#define CTRL_MAX 1024

static char recv_data[RECV_DATA_MAX];
static char recv_ctrl[CTRL_MAX];
static char send_ctrl[CTRL_MAX];

/* ---------- errors ---------- */

static napi_value errno_error(napi_env env, int err, const char *syscall) {
  char msg[256];
  snprintf(msg, sizeof msg, "%s: %s", syscall, strerror(err));
  const char *name = uv_err_name(-err);
  napi_value code, text, e, v;
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &text);
  napi_create_error(env, code, text, &e);
  napi_create_int32(env, -err, &v);
  napi_set_named_property(env, e, "errno", v);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, e, "syscall", v);
  return e;
}

static napi_value throw_errno(napi_env env, int err, const char *syscall) {
  napi_throw(env, errno_error(env, err, syscall));
  return NULL;
}

static napi_value throw_type(napi_env env, const char *msg) {
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", msg);
  return NULL;
}

/* ---------- argument helpers ---------- */

static int get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = MAX_ARGS;
  napi_value tmp[MAX_ARGS];
  napi_get_cb_info(env, info, &argc, tmp, NULL, NULL);
  if (argc < want) return 0;
  for (size_t i = 0; i < want; i++) argv[i] = tmp[i];
  return 1;
}

static int get_int(napi_env env, napi_value v, int32_t *out) {
  return napi_get_value_int32(env, v, out) == napi_ok;
}

static int is_nullish(napi_env env, napi_value v) {
  napi_valuetype t;
  napi_typeof(env, v, &t);
  return t == napi_null || t == napi_undefined;
}

/* Bytes of a Buffer / Uint8Array (any typed array, by its bytes). */
static int get_bytes(napi_env env, napi_value v, void **data, size_t *len) {
  bool is_ta = false;
  napi_is_typedarray(env, v, &is_ta);
  if (!is_ta) return 0;
  napi_typedarray_type type;
  size_t length, offset;
  napi_value ab;
  if (napi_get_typedarray_info(env, v, &type, &length, data, &ab, &offset) != napi_ok) return 0;
  size_t elem = 1;
  switch (type) {
    case napi_int16_array: case napi_uint16_array: elem = 2; break;
    case napi_int32_array: case napi_uint32_array: case napi_float32_array: elem = 4; break;
    case napi_float64_array: case napi_bigint64_array: case napi_biguint64_array: elem = 8; break;
    default: elem = 1;
  }
  *len = length * elem;
  return 1;
}

static napi_value make_int(napi_env env, int32_t v) {
  napi_value r;
  napi_create_int32(env, v, &r);
  return r;
}

static napi_value undefined(napi_env env) {
  napi_value r;
  napi_get_undefined(env, &r);
  return r;
}

/* ---------- sockets ---------- */

// socket(domain, type, protocol) -> fd; always non-blocking and close-on-exec.
static napi_value js_socket(napi_env env, napi_callback_info info) {
  napi_value a[3];
  int32_t domain, type, proto;
  if (!get_args(env, info, 3, a) || !get_int(env, a[0], &domain) || !get_int(env, a[1], &type) || !get_int(env, a[2], &proto))
    return throw_type(env, "socket(domain, type, protocol): integers expected");
  int fd = socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
  if (fd < 0) return throw_errno(env, errno, "socket");
  return make_int(env, fd);
}

static napi_value js_close(napi_env env, napi_callback_info info) {
  napi_value a[1];
  int32_t fd;
  if (!get_args(env, info, 1, a) || !get_int(env, a[0], &fd)) return throw_type(env, "close(fd)");
  if (close(fd) != 0 && errno != EINTR) return throw_errno(env, errno, "close");
  return undefined(env);
}

// setsockopt(fd, level, name, value: int | Buffer)
static napi_value js_setsockopt(napi_env env, napi_callback_info info) {
  napi_value a[4];
  int32_t fd, level, name, ival;
  if (!get_args(env, info, 4, a) || !get_int(env, a[0], &fd) || !get_int(env, a[1], &level) || !get_int(env, a[2], &name))
    return throw_type(env, "setsockopt(fd, level, name, value)");
  void *data;
  size_t len;
  if (get_int(env, a[3], &ival)) {
    data = &ival;
    len = sizeof ival;
  } else if (!get_bytes(env, a[3], &data, &len)) {
    return throw_type(env, "setsockopt: value must be an integer or a Buffer");
  }
  if (setsockopt(fd, level, name, data, (socklen_t)len) != 0) return throw_errno(env, errno, "setsockopt");
  return undefined(env);
}

// getsockopt(fd, level, name, size) -> Buffer (as many bytes as the kernel wrote)
static napi_value js_getsockopt(napi_env env, napi_callback_info info) {
  napi_value a[4];
  int32_t fd, level, name, size;
  if (!get_args(env, info, 4, a) || !get_int(env, a[0], &fd) || !get_int(env, a[1], &level) || !get_int(env, a[2], &name) ||
      !get_int(env, a[3], &size) || size < 0 || size > 256)
    return throw_type(env, "getsockopt(fd, level, name, size <= 256)");
  char buf[256];
  socklen_t len = (socklen_t)size;
  memset(buf, 0, sizeof buf);
  if (getsockopt(fd, level, name, buf, &len) != 0) return throw_errno(env, errno, "getsockopt");
  napi_value r;
  napi_create_buffer_copy(env, len, buf, NULL, &r);
  return r;
}

// bind(fd, sockaddr: Buffer)
static napi_value js_bind(napi_env env, napi_callback_info info) {
  napi_value a[2];
  int32_t fd;
  void *sa;
  size_t len;
  if (!get_args(env, info, 2, a) || !get_int(env, a[0], &fd) || !get_bytes(env, a[1], &sa, &len))
    return throw_type(env, "bind(fd, sockaddr)");
  if (bind(fd, (struct sockaddr *)sa, (socklen_t)len) != 0) return throw_errno(env, errno, "bind");
  return undefined(env);
}

// getsockname(fd) -> Buffer
static napi_value js_getsockname(napi_env env, napi_callback_info info) {
  napi_value a[1];
  int32_t fd;
  if (!get_args(env, info, 1, a) || !get_int(env, a[0], &fd)) return throw_type(env, "getsockname(fd)");
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0) return throw_errno(env, errno, "getsockname");
  napi_value r;
  napi_create_buffer_copy(env, len, &ss, NULL, &r);
  return r;
}

// sendmsg(fd, data, name | null, cmsgs: [level, type, Buffer][] | null) -> bytes sent
static napi_value js_sendmsg(napi_env env, napi_callback_info info) {
  napi_value a[4];
  int32_t fd;
  void *data, *name = NULL;
  size_t dlen, nlen = 0;
  if (!get_args(env, info, 4, a) || !get_int(env, a[0], &fd) || !get_bytes(env, a[1], &data, &dlen))
    return throw_type(env, "sendmsg(fd, data, name, cmsgs)");
  if (!is_nullish(env, a[2]) && !get_bytes(env, a[2], &name, &nlen)) return throw_type(env, "sendmsg: name must be a Buffer or null");
  struct iovec iov = {.iov_base = data, .iov_len = dlen};
  struct msghdr mh;
  memset(&mh, 0, sizeof mh);
  mh.msg_name = name;
  mh.msg_namelen = (socklen_t)nlen;
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  if (!is_nullish(env, a[3])) {
    uint32_t n = 0;
    if (napi_get_array_length(env, a[3], &n) != napi_ok) return throw_type(env, "sendmsg: cmsgs must be an array");
    size_t total = 0;
    memset(send_ctrl, 0, sizeof send_ctrl);
    for (uint32_t i = 0; i < n; i++) {
      napi_value item, lv, tv, dv;
      int32_t level, type;
      void *cd;
      size_t clen;
      napi_get_element(env, a[3], i, &item);
      napi_get_element(env, item, 0, &lv);
      napi_get_element(env, item, 1, &tv);
      napi_get_element(env, item, 2, &dv);
      if (!get_int(env, lv, &level) || !get_int(env, tv, &type) || !get_bytes(env, dv, &cd, &clen))
        return throw_type(env, "sendmsg: each cmsg is [level, type, Buffer]");
      if (total + CMSG_SPACE(clen) > sizeof send_ctrl) return throw_errno(env, ENOBUFS, "sendmsg(control)");
      struct cmsghdr *c = (struct cmsghdr *)(send_ctrl + total);
      c->cmsg_level = level;
      c->cmsg_type = type;
      c->cmsg_len = CMSG_LEN(clen);
      memcpy(CMSG_DATA(c), cd, clen);
      total += CMSG_SPACE(clen);
    }
    if (total > 0) {
      mh.msg_control = send_ctrl;
      mh.msg_controllen = total;
    }
  }
  ssize_t r;
  do r = sendmsg(fd, &mh, 0);
  while (r < 0 && errno == EINTR);
  if (r < 0) return throw_errno(env, errno, "sendmsg");
  return make_int(env, (int32_t)r);
}

// recvmsg(fd) -> { data, name, flags, cmsgs: {level, type, data}[] } | null when nothing is queued.
static napi_value js_recvmsg(napi_env env, napi_callback_info info) {
  napi_value a[1];
  int32_t fd;
  if (!get_args(env, info, 1, a) || !get_int(env, a[0], &fd)) return throw_type(env, "recvmsg(fd)");
  struct sockaddr_storage ss;
  struct iovec iov = {.iov_base = recv_data, .iov_len = sizeof recv_data};
  struct msghdr mh;
  memset(&mh, 0, sizeof mh);
  memset(&ss, 0, sizeof ss);
  mh.msg_name = &ss;
  mh.msg_namelen = sizeof ss;
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  mh.msg_control = recv_ctrl;
  mh.msg_controllen = sizeof recv_ctrl;
  ssize_t n;
  do n = recvmsg(fd, &mh, 0);
  while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      napi_value nul;
      napi_get_null(env, &nul);
      return nul;
    }
    return throw_errno(env, errno, "recvmsg");
  }
  struct timespec read_at;
  clock_gettime(CLOCK_REALTIME, &read_at);
  napi_value obj, v, list;
  napi_create_object(env, &obj);
  size_t got = (size_t)n < sizeof recv_data ? (size_t)n : sizeof recv_data;
  napi_create_buffer_copy(env, got, recv_data, NULL, &v);
  napi_set_named_property(env, obj, "data", v);
  napi_create_buffer_copy(env, mh.msg_namelen, &ss, NULL, &v);
  napi_set_named_property(env, obj, "name", v);
  napi_set_named_property(env, obj, "flags", make_int(env, mh.msg_flags));
  napi_create_array(env, &list);
  uint32_t i = 0;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c)) {
    napi_value item;
    napi_create_object(env, &item);
    napi_set_named_property(env, item, "level", make_int(env, c->cmsg_level));
    napi_set_named_property(env, item, "type", make_int(env, c->cmsg_type));
    napi_create_buffer_copy(env, c->cmsg_len - CMSG_LEN(0), CMSG_DATA(c), NULL, &v);
    napi_set_named_property(env, item, "data", v);
    napi_set_element(env, list, i++, item);
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS && c->cmsg_len >= CMSG_LEN(sizeof(struct timespec))) {
      struct timespec stamp;
      memcpy(&stamp, CMSG_DATA(c), sizeof stamp);
      double age = (double)(read_at.tv_sec - stamp.tv_sec) * 1e9 + (double)(read_at.tv_nsec - stamp.tv_nsec);
      napi_create_double(env, age, &v);
      napi_set_named_property(env, obj, "ageNs", v);
    }
  }
  napi_set_named_property(env, obj, "cmsgs", list);
  return obj;
}

// ifreq(fd, request, ifname, in: Buffer | null) -> Buffer: ioctl with a struct ifreq for
// `ifname`; returns the ifr_ifru union after the call. The socket's network namespace is used.
static napi_value js_ifreq(napi_env env, napi_callback_info info) {
  napi_value a[4];
  int32_t fd, req;
  if (!get_args(env, info, 4, a) || !get_int(env, a[0], &fd) || !get_int(env, a[1], &req))
    return throw_type(env, "ifreq(fd, request, ifname, in)");
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  size_t nl = 0;
  if (napi_get_value_string_utf8(env, a[2], ifr.ifr_name, IFNAMSIZ, &nl) != napi_ok) return throw_type(env, "ifreq: ifname must be a string");
  if (nl == 0 || nl >= IFNAMSIZ - 1) return throw_errno(env, ENODEV, "ioctl");
  if (!is_nullish(env, a[3])) {
    void *in;
    size_t il;
    if (!get_bytes(env, a[3], &in, &il) || il > sizeof ifr.ifr_ifru) return throw_type(env, "ifreq: in must be a Buffer of at most 24 bytes");
    memcpy(&ifr.ifr_ifru, in, il);
  }
  if (ioctl(fd, (unsigned long)(uint32_t)req, &ifr) != 0) return throw_errno(env, errno, "ioctl");
  napi_value r;
  napi_create_buffer_copy(env, sizeof ifr.ifr_ifru, &ifr.ifr_ifru, NULL, &r);
  return r;
}

/* ---------- timers ---------- */

// timerfd() -> fd: a CLOCK_MONOTONIC timer, non-blocking and close-on-exec, disarmed.
static napi_value js_timerfd(napi_env env, napi_callback_info info) {
  int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (fd < 0) return throw_errno(env, errno, "timerfd_create");
  return make_int(env, fd);
}

// timerfdSet(fd, delayNs): one expiry delayNs from now (at least 1 ns); a negative delay disarms.
static napi_value js_timerfd_set(napi_env env, napi_callback_info info) {
  napi_value a[2];
  int32_t fd;
  double delay;
  if (!get_args(env, info, 2, a) || !get_int(env, a[0], &fd) || napi_get_value_double(env, a[1], &delay) != napi_ok)
    return throw_type(env, "timerfdSet(fd, delayNs)");
  struct itimerspec its;
  memset(&its, 0, sizeof its);
  if (delay >= 0) {
    long long ns = delay < 1 ? 1 : (long long)delay;
    its.it_value.tv_sec = (time_t)(ns / 1000000000LL);
    its.it_value.tv_nsec = (long)(ns % 1000000000LL);
  }
  if (timerfd_settime(fd, 0, &its, NULL) != 0) return throw_errno(env, errno, "timerfd_settime");
  return undefined(env);
}

// timerfdRead(fd) -> expirations since the last read (0 when none: EAGAIN).
static napi_value js_timerfd_read(napi_env env, napi_callback_info info) {
  napi_value a[1];
  int32_t fd;
  if (!get_args(env, info, 1, a) || !get_int(env, a[0], &fd)) return throw_type(env, "timerfdRead(fd)");
  uint64_t n = 0;
  ssize_t r;
  do r = read(fd, &n, sizeof n);
  while (r < 0 && errno == EINTR);
  if (r < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return make_int(env, 0);
    return throw_errno(env, errno, "read(timerfd)");
  }
  napi_value v;
  napi_create_double(env, (double)n, &v);
  return v;
}

/* ---------- event loop ---------- */

typedef struct {
  uv_poll_t handle;
  napi_env env;
  napi_ref cb;
  napi_async_context ctx;
  int fd;
  int closed;
} poller_t;

static void poller_free(uv_handle_t *h) { free(h->data); }

static void on_poll(uv_poll_t *h, int status, int events) {
  (void)events;
  poller_t *p = (poller_t *)h->data;
  if (p->closed) return;
  napi_env env = p->env;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  napi_value arg = undefined(env);
  if (status < 0) {
    // POLLERR: libuv stopped the watcher. Take the pending socket error (clears it), restart.
    int soerr = 0;
    socklen_t l = sizeof soerr;
    if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &soerr, &l) != 0) soerr = errno;
    int rs = uv_poll_start(&p->handle, UV_READABLE, on_poll);
    if (soerr == 0 && rs == 0) soerr = EIO;
    arg = errno_error(env, soerr != 0 ? soerr : -rs, "poll");
    if (rs != 0) {
      napi_value t;
      napi_get_boolean(env, true, &t);
      napi_set_named_property(env, arg, "fatal", t);
    }
  }
  napi_value cb, recv, result;
  napi_get_reference_value(env, p->cb, &cb);
  napi_get_global(env, &recv);
  napi_status st = napi_make_callback(env, p->ctx, recv, cb, 1, &arg, &result);
  if (st == napi_pending_exception) {
    // The JS side catches everything; if something still escaped, report it as Node reports
    // any exception thrown from an event callback (process 'uncaughtException').
    napi_value exc;
    napi_get_and_clear_last_exception(env, &exc);
    napi_fatal_exception(env, exc);
  }
  napi_close_handle_scope(env, scope);
}

// poll(fd, callback(err?)) -> handle. The callback runs whenever fd is readable.
static napi_value js_poll(napi_env env, napi_callback_info info) {
  napi_value a[2];
  int32_t fd;
  napi_valuetype t;
  if (!get_args(env, info, 2, a) || !get_int(env, a[0], &fd)) return throw_type(env, "poll(fd, callback)");
  napi_typeof(env, a[1], &t);
  if (t != napi_function) return throw_type(env, "poll: callback must be a function");
  uv_loop_t *loop;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) return throw_errno(env, EINVAL, "napi_get_uv_event_loop");
  poller_t *p = (poller_t *)calloc(1, sizeof *p);
  if (!p) return throw_errno(env, ENOMEM, "poll");
  p->env = env;
  p->fd = fd;
  int r = uv_poll_init(loop, &p->handle, fd);
  if (r != 0) {
    free(p);
    return throw_errno(env, -r, "uv_poll_init");
  }
  p->handle.data = p;
  napi_value name, res;
  napi_create_string_utf8(env, "lvsd.net.poll", NAPI_AUTO_LENGTH, &name);
  napi_create_object(env, &res);
  napi_async_init(env, res, name, &p->ctx);
  napi_create_reference(env, a[1], 1, &p->cb);
  r = uv_poll_start(&p->handle, UV_READABLE, on_poll);
  if (r != 0) {
    p->closed = 1;
    napi_delete_reference(env, p->cb);
    napi_async_destroy(env, p->ctx);
    uv_close((uv_handle_t *)&p->handle, poller_free);
    return throw_errno(env, -r, "uv_poll_start");
  }
  napi_value ext;
  napi_create_external(env, p, NULL, NULL, &ext);
  return ext;
}

static poller_t *get_poller(napi_env env, napi_value v) {
  napi_valuetype t;
  napi_typeof(env, v, &t);
  if (t != napi_external) return NULL;
  void *p = NULL;
  napi_get_value_external(env, v, &p);
  return (poller_t *)p;
}

// pollClose(handle): stops watching; call before close(fd). Idempotent.
static napi_value js_poll_close(napi_env env, napi_callback_info info) {
  napi_value a[1];
  poller_t *p;
  if (!get_args(env, info, 1, a) || !(p = get_poller(env, a[0]))) return throw_type(env, "pollClose(handle)");
  if (!p->closed) {
    p->closed = 1;
    uv_poll_stop(&p->handle);
    napi_delete_reference(env, p->cb);
    napi_async_destroy(env, p->ctx);
    uv_close((uv_handle_t *)&p->handle, poller_free);
  }
  return undefined(env);
}

// pollRef(handle, ref): whether this watcher keeps the event loop alive.
static napi_value js_poll_ref(napi_env env, napi_callback_info info) {
  napi_value a[2];
  poller_t *p;
  bool ref;
  if (!get_args(env, info, 2, a) || !(p = get_poller(env, a[0])) || napi_get_value_bool(env, a[1], &ref) != napi_ok)
    return throw_type(env, "pollRef(handle, boolean)");
  if (!p->closed) {
    if (ref) uv_ref((uv_handle_t *)&p->handle);
    else uv_unref((uv_handle_t *)&p->handle);
  }
  return undefined(env);
}

/* ---------- network namespaces ---------- */

// withNetns(path, fn): runs fn() with this thread in the network namespace at `path`
// (e.g. /run/netns/NAME), then returns to the original one. Sockets keep the namespace they
// were created in, so sockets opened inside fn live there for good (keepalived's net_namespace).
static napi_value js_with_netns(napi_env env, napi_callback_info info) {
  napi_value a[2];
  char path[512];
  size_t pl;
  napi_valuetype t;
  if (!get_args(env, info, 2, a) || napi_get_value_string_utf8(env, a[0], path, sizeof path, &pl) != napi_ok)
    return throw_type(env, "withNetns(path, fn)");
  napi_typeof(env, a[1], &t);
  if (t != napi_function) return throw_type(env, "withNetns: fn must be a function");
  int target = open(path, O_RDONLY | O_CLOEXEC);
  if (target < 0) return throw_errno(env, errno, "open(netns)");
  int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (self < 0) {
    int e = errno;
    close(target);
    return throw_errno(env, e, "open(/proc/thread-self/ns/net)");
  }
  if (setns(target, CLONE_NEWNET) != 0) {
    int e = errno;
    close(target);
    close(self);
    return throw_errno(env, e, "setns");
  }
  napi_value recv, result = NULL;
  napi_get_undefined(env, &recv);
  napi_status st = napi_call_function(env, recv, a[1], 0, NULL, &result);
  int back = setns(self, CLONE_NEWNET);
  int e = errno;
  close(target);
  close(self);
  if (back != 0) {
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (pending) {
      napi_value ignored;
      napi_get_and_clear_last_exception(env, &ignored);
    }
    napi_value err = errno_error(env, e, "setns(restore)");
    napi_value tv;
    napi_get_boolean(env, true, &tv);
    napi_set_named_property(env, err, "fatal", tv);
    napi_throw(env, err);
    return NULL;
  }
  if (st != napi_ok) return NULL; // the exception thrown by fn stays pending and propagates
  return result;
}

/* ---------- module ---------- */

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor d[] = {
      {"socket", NULL, js_socket, NULL, NULL, NULL, napi_enumerable, NULL},
      {"close", NULL, js_close, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setsockopt", NULL, js_setsockopt, NULL, NULL, NULL, napi_enumerable, NULL},
      {"getsockopt", NULL, js_getsockopt, NULL, NULL, NULL, napi_enumerable, NULL},
      {"bind", NULL, js_bind, NULL, NULL, NULL, napi_enumerable, NULL},
      {"getsockname", NULL, js_getsockname, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sendmsg", NULL, js_sendmsg, NULL, NULL, NULL, napi_enumerable, NULL},
      {"recvmsg", NULL, js_recvmsg, NULL, NULL, NULL, napi_enumerable, NULL},
      {"ifreq", NULL, js_ifreq, NULL, NULL, NULL, napi_enumerable, NULL},
      {"poll", NULL, js_poll, NULL, NULL, NULL, napi_enumerable, NULL},
      {"pollClose", NULL, js_poll_close, NULL, NULL, NULL, napi_enumerable, NULL},
      {"pollRef", NULL, js_poll_ref, NULL, NULL, NULL, napi_enumerable, NULL},
      {"timerfd", NULL, js_timerfd, NULL, NULL, NULL, napi_enumerable, NULL},
      {"timerfdSet", NULL, js_timerfd_set, NULL, NULL, NULL, napi_enumerable, NULL},
      {"timerfdRead", NULL, js_timerfd_read, NULL, NULL, NULL, napi_enumerable, NULL},
      {"withNetns", NULL, js_with_netns, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof d / sizeof d[0], d);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
