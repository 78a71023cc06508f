/*
 * Kernel edge (native), included by lvsd_probes.c: the stream probes of TCP_CHECK and HTTP_GET.
 * One probe = connect (source address / port when configured), then for HTTP send the request
 * and read the response until the server closes, the Content-Length is reached, or an error.
 * keepalived's check_tcp.c and check_http.c make the same system calls on its one thread.
 *
 * The system calls run on one worker thread with its own epoll set, not on Node's event loop:
 * on loopback a connect() runs the whole TCP handshake inside the call (tens of microseconds
 * each), and at 10,000 probes a second those calls, made in batches on the main thread, held
 * the loop for tens of milliseconds: timers (the probe schedule, VRRP adverts) fired late.
 * JavaScript submits probes (no wake-up per probe: one eventfd write per batch, `flush`), and
 * gets the finished ones back in batches through one uv_async: ids, (errno, stage, more, wait,
 * run) per probe, and the response bytes of all of them in one Buffer with offsets. `wait` is
 * how long the probe queued for the worker, from the flush to its connect, and `run` how long it
 * took from its connect to its end (microseconds): the lateness the pool measures would otherwise
 * stop at the hand-over, and a probe's duration would include the batch it was delivered in.
 *
 * Ids come from JavaScript and are unique among the probes in flight (a slot and a
 * generation); every submitted probe is reported exactly once as final (more = 0), a cancelled
 * one with ECANCELED. A response longer than STREAM_CHUNK is delivered in pieces (more = 1).
 * Deadlines stay in JavaScript, which cancels a probe that ran out of time.
 */
#include <pthread.h>
#include <stdint.h>
#include <time.h>
#include <sys/eventfd.h>
#include <ctype.h>
#include <strings.h>

#define STREAM_CHUNK (64 * 1024)
#define STREAM_MAX_BATCH 1024

enum { STAGE_CONNECT = 0, STAGE_SEND = 1, STAGE_READ = 2 };

typedef struct sreq {
  struct sreq *next;
  uint32_t id;
  int fd;
  int stage;
  struct sockaddr_storage dst, src;
  socklen_t dl, sl;
  int bind_src, reuse;
  char *out;
  size_t out_len, out_off;
  char *buf;
  size_t len, cap;
  int first_chunk;          /* buf holds the start of the response */
  int has_len;              /* body_left counts down a Content-Length */
  long long body_left;
  int64_t flush_ns;         /* when JavaScript flushed it to the worker (0: not yet) */
  int64_t start_ns;         /* when the worker connected */
  int32_t wait_us;          /* from the flush to the connect: the worker's queue */
} sreq;

typedef struct sdone {
  struct sdone *next;
  uint32_t id;
  int32_t err, stage, more, wait_us, run_us;
  char *data;
  size_t len;
} sdone;

typedef struct {
  int ep, evfd;
  pthread_t th;
  pthread_mutex_t mu;
  sreq *in_head, *in_tail;
  sreq *unstamped; /* first queued request the next flush stamps */
  uint32_t *cancels;
  size_t ncancel, capcancel;
  sdone *done_head, *done_tail;
  int stopping;
  sreq **by_slot; /* worker thread only */
  int64_t now_ns; /* worker thread only: its clock, read once per wake-up and per 16 connects */
  size_t nslot;
  uv_async_t async;
  napi_env env;
  napi_ref cb;
  int closed;
} sengine;

#define SLOT_OF(id) ((id) & 0xfffffu)

static int64_t mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void push_done(sdone **h, sdone **t, uint32_t id, int err, int stage, int more, int wait_us, int run_us, char *data, size_t len) {
  sdone *d = malloc(sizeof(*d));
  if (!d) abort();
  d->next = NULL;
  d->id = id;
  d->err = err;
  d->stage = stage;
  d->more = more;
  d->wait_us = wait_us;
  d->run_us = run_us;
  d->data = data;
  d->len = len;
  if (*t) (*t)->next = d;
  else *h = d;
  *t = d;
}

static void stream_finish(sengine *e, sreq *r, int err, sdone **h, sdone **t) {
  if (r->fd >= 0) close(r->fd); /* also leaves the epoll set */
  int64_t run = r->start_ns && e->now_ns > r->start_ns ? (e->now_ns - r->start_ns) / 1000 : 0;
  int run_us = run > INT32_MAX ? INT32_MAX : (int)run;
  if (SLOT_OF(r->id) < e->nslot && e->by_slot[SLOT_OF(r->id)] == r) e->by_slot[SLOT_OF(r->id)] = NULL;
  if (err == ECANCELED) {
    free(r->buf);
    push_done(h, t, r->id, err, r->stage, 0, r->wait_us, run_us, NULL, 0);
  } else {
    push_done(h, t, r->id, err, r->stage, 0, r->wait_us, run_us, r->buf, r->len);
  }
  free(r->out);
  free(r);
}

/*
 * RFC 9112 §6.3: with a Content-Length (and no Transfer-Encoding) the body ends after that many
 * bytes; the response is then complete without waiting for the server to close. Looked for once
 * the head is in the first chunk; otherwise (1xx, chunked, no length, head too long) the
 * response ends at EOF, as keepalived reads it. JavaScript parses the response properly.
 */
static void scan_head(sreq *r) {
  const char *b = r->buf;
  size_t n = r->len, end = 0;
  for (size_t i = 0; i + 3 < n; i++)
    if (b[i] == '\r' && b[i + 1] == '\n' && b[i + 2] == '\r' && b[i + 3] == '\n') {
      end = i + 4;
      break;
    }
  if (!end) {
    if (n >= STREAM_CHUNK) r->first_chunk = 0;
    return;
  }
  r->first_chunk = 0;
  if (n < 12 || memcmp(b, "HTTP/1.", 7) || b[9] == '1') return; /* no status line, or 1xx */
  long long cl = -1;
  for (size_t i = 0; i < end;) {
    size_t j = i;
    while (j < end && b[j] != '\n') j++;
    size_t ll = j - i;
    if (ll >= 18 && !strncasecmp(b + i, "transfer-encoding:", 18)) return;
    if (ll >= 15 && !strncasecmp(b + i, "content-length:", 15)) {
      size_t k = i + 15;
      while (k < j && (b[k] == ' ' || b[k] == '\t')) k++;
      long long v = 0;
      int digits = 0;
      while (k < j && isdigit((unsigned char)b[k]) && v < (1LL << 50)) v = v * 10 + (b[k++] - '0'), digits++;
      if (!digits || (cl >= 0 && cl != v)) return;
      cl = v;
    }
    i = j + 1;
  }
  if (cl >= 0) {
    r->has_len = 1;
    r->body_left = cl - (long long)(n - end);
  }
}

static void stream_read(sengine *e, sreq *r, sdone **h, sdone **t) {
  for (;;) {
    if (r->len == r->cap) {
      if (r->cap >= STREAM_CHUNK) {
        push_done(h, t, r->id, 0, STAGE_READ, 1, r->wait_us, 0, r->buf, r->len);
        r->buf = NULL;
        r->len = r->cap = 0;
      }
      size_t nc = r->cap ? r->cap * 2 : 4096;
      if (nc > STREAM_CHUNK) nc = STREAM_CHUNK;
      char *nb = realloc(r->buf, nc);
      if (!nb) return stream_finish(e, r, ENOMEM, h, t);
      r->buf = nb;
      r->cap = nc;
    }
    ssize_t n = read(r->fd, r->buf + r->len, r->cap - r->len);
    if (n > 0) {
      r->len += (size_t)n;
      if (r->has_len) r->body_left -= n;
      else if (r->first_chunk) scan_head(r);
      if (r->has_len && r->body_left <= 0) return stream_finish(e, r, 0, h, t);
      continue;
    }
    if (n == 0) return stream_finish(e, r, 0, h, t);
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return;
    return stream_finish(e, r, errno, h, t);
  }
}

static void stream_advance(sengine *e, sreq *r, uint32_t events, sdone **h, sdone **t) {
  if (r->stage == STAGE_CONNECT) {
    /* EPOLLOUT alone means connected: SO_ERROR is read only when the kernel flags an error. */
    int err = 0;
    if (events & (EPOLLERR | EPOLLHUP)) {
      socklen_t el = sizeof(err);
      if (getsockopt(r->fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0) err = errno;
    } else if (!(events & EPOLLOUT)) {
      return;
    }
    if (err || !r->out) return stream_finish(e, r, err, h, t);
    r->stage = STAGE_SEND;
  }
  if (r->stage == STAGE_SEND) {
    while (r->out_off < r->out_len) {
      ssize_t w = send(r->fd, r->out + r->out_off, r->out_len - r->out_off, MSG_NOSIGNAL);
      if (w < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return; /* the next EPOLLOUT edge */
        return stream_finish(e, r, errno, h, t);
      }
      r->out_off += (size_t)w;
    }
    r->stage = STAGE_READ;
    /* The answer comes later: its arrival is a new EPOLLIN edge. Read now only if this event
     * already says there is something (or the peer closed). */
    if (!(events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))) return;
  }
  stream_read(e, r, h, t);
}

static void stream_start(sengine *e, sreq *r, int64_t now_ns, sdone **h, sdone **t) {
  size_t slot = SLOT_OF(r->id);
  r->start_ns = now_ns;
  if (r->flush_ns && now_ns > r->flush_ns) {
    int64_t us = (now_ns - r->flush_ns) / 1000;
    r->wait_us = us > INT32_MAX ? INT32_MAX : (int32_t)us;
  }
  if (slot >= e->nslot) {
    size_t nn = e->nslot ? e->nslot : 1024;
    while (nn <= slot) nn *= 2;
    sreq **ns = realloc(e->by_slot, nn * sizeof(*ns));
    if (!ns) return stream_finish(e, r, ENOMEM, h, t);
    memset(ns + e->nslot, 0, (nn - e->nslot) * sizeof(*ns));
    e->by_slot = ns;
    e->nslot = nn;
  }
  int fd = socket(r->dst.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
  if (fd < 0) return stream_finish(e, r, errno, h, t);
  r->fd = fd;
  if (r->bind_src) {
    int one = 1;
    if (r->reuse) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&r->src, r->sl) < 0) return stream_finish(e, r, errno, h, t);
  }
  if (connect(fd, (struct sockaddr *)&r->dst, r->dl) < 0 && errno != EINPROGRESS) return stream_finish(e, r, errno, h, t);
  struct epoll_event ev;
  /* Connect-only: one EPOLLOUT. HTTP: edge-triggered in and out, registered once. */
  ev.events = r->out ? (EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET) : (EPOLLOUT | EPOLLONESHOT);
  ev.data.ptr = r;
  if (epoll_ctl(e->ep, EPOLL_CTL_ADD, fd, &ev) < 0) return stream_finish(e, r, errno, h, t);
  e->by_slot[slot] = r;
}

static void *stream_worker(void *arg) {
  sengine *e = arg;
  struct epoll_event evs[256];
  for (;;) {
    int n = epoll_wait(e->ep, evs, 256, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    sdone *dh = NULL, *dt = NULL;
    int commands = 0;
    e->now_ns = mono_ns();
    /* Commands after the events: a cancel must not free a request whose event is in this batch. */
    for (int i = 0; i < n; i++) {
      if (evs[i].data.ptr == NULL) commands = 1;
      else stream_advance(e, evs[i].data.ptr, evs[i].events, &dh, &dt);
    }
    if (commands) {
      uint64_t v;
      ssize_t rr = read(e->evfd, &v, sizeof(v));
      (void)rr;
      pthread_mutex_lock(&e->mu);
      sreq *in = e->in_head;
      e->in_head = e->in_tail = NULL;
      e->unstamped = NULL; /* taken before their flush stamped them: they count as not waiting */
      uint32_t *cancels = e->cancels;
      size_t ncancel = e->ncancel;
      e->cancels = NULL;
      e->ncancel = e->capcancel = 0;
      int stopping = e->stopping;
      pthread_mutex_unlock(&e->mu);
      /* The clock is read per 16 connects: each start is known within a few connects' time. */
      int64_t now_ns = in ? (e->now_ns = mono_ns()) : 0;
      for (unsigned k = 1; in; k++) {
        sreq *next = in->next;
        in->next = NULL;
        if (stopping) stream_finish(e, in, ECANCELED, &dh, &dt);
        else stream_start(e, in, now_ns, &dh, &dt);
        if ((k & 15) == 0) e->now_ns = now_ns = mono_ns();
        in = next;
      }
      /* Ids carry a generation: a cancel never hits a later probe in the same slot. */
      for (size_t i = 0; i < ncancel; i++) {
        size_t slot = SLOT_OF(cancels[i]);
        sreq *r = slot < e->nslot ? e->by_slot[slot] : NULL;
        if (r && r->id == cancels[i]) stream_finish(e, r, ECANCELED, &dh, &dt);
      }
      free(cancels);
      if (stopping) {
        for (size_t s = 0; s < e->nslot; s++)
          if (e->by_slot[s]) stream_finish(e, e->by_slot[s], ECANCELED, &dh, &dt);
        while (dh) {
          sdone *x = dh->next;
          free(dh->data);
          free(dh);
          dh = x;
        }
        return NULL;
      }
    }
    if (dh) {
      pthread_mutex_lock(&e->mu);
      if (e->done_tail) e->done_tail->next = dh;
      else e->done_head = dh;
      e->done_tail = dt;
      pthread_mutex_unlock(&e->mu);
      uv_async_send(&e->async);
    }
  }
  return NULL;
}

/* Main thread: hands the finished probes to JavaScript, at most STREAM_MAX_BATCH per call. */
static void stream_deliver(uv_async_t *a) {
  sengine *e = a->data;
  if (e->closed) return;
  pthread_mutex_lock(&e->mu);
  sdone *h = e->done_head, *last = NULL;
  size_t n = 0, bytes = 0;
  for (sdone *d = h; d && n < STREAM_MAX_BATCH; d = d->next) last = d, n++, bytes += d->len;
  if (last) {
    e->done_head = last->next;
    if (!e->done_head) e->done_tail = NULL;
    last->next = NULL;
  }
  int again = e->done_head != NULL;
  pthread_mutex_unlock(&e->mu);
  if (again) uv_async_send(&e->async); /* the rest after timers and other I/O have run */
  if (!n) return;
  napi_env env = e->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value ab1, ab2, ab3, ids, info, offs, data, cb, global, result;
  uint32_t *pid, *poff;
  int32_t *pinfo;
  char *pdata = NULL;
  napi_create_arraybuffer(env, n * 4, (void **)&pid, &ab1);
  napi_create_arraybuffer(env, n * 20, (void **)&pinfo, &ab2);
  napi_create_arraybuffer(env, (n + 1) * 4, (void **)&poff, &ab3);
  napi_create_typedarray(env, napi_uint32_array, n, ab1, 0, &ids);
  napi_create_typedarray(env, napi_int32_array, n * 5, ab2, 0, &info);
  napi_create_typedarray(env, napi_uint32_array, n + 1, ab3, 0, &offs);
  if (bytes) napi_create_buffer(env, bytes, (void **)&pdata, &data);
  else napi_get_undefined(env, &data);
  size_t i = 0, off = 0;
  for (sdone *d = h; d; i++) {
    sdone *x = d->next;
    pid[i] = d->id;
    pinfo[5 * i] = d->err;
    pinfo[5 * i + 1] = d->stage;
    pinfo[5 * i + 2] = d->more;
    pinfo[5 * i + 3] = d->wait_us;
    pinfo[5 * i + 4] = d->run_us;
    poff[i] = (uint32_t)off;
    if (d->len) memcpy(pdata + off, d->data, d->len);
    off += d->len;
    free(d->data);
    free(d);
    d = x;
  }
  poff[n] = (uint32_t)off;
  napi_get_reference_value(env, e->cb, &cb);
  napi_get_global(env, &global);
  napi_value argv[4] = {ids, info, offs, data};
  if (napi_make_callback(env, NULL, global, cb, 4, argv, &result) != napi_ok) {
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (pending) {
      napi_value ex;
      napi_get_and_clear_last_exception(env, &ex);
    }
  }
  napi_close_handle_scope(env, scope);
}

/* streamOpen(onDone(ids: Uint32Array, info: Int32Array, offs: Uint32Array, data?: Buffer)) -> handle */
static napi_value js_stream_open(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  sengine *e = calloc(1, sizeof(*e));
  if (!e) {
    napi_throw_error(env, "LVSD_STREAM", "out of memory");
    return NULL;
  }
  e->ep = epoll_create1(EPOLL_CLOEXEC);
  e->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
  if (e->ep < 0 || e->evfd < 0 || epoll_ctl(e->ep, EPOLL_CTL_ADD, e->evfd, &ev) < 0) {
    char msg[128];
    snprintf(msg, sizeof(msg), "stream probes: %s", strerror(errno));
    if (e->ep >= 0) close(e->ep);
    if (e->evfd >= 0) close(e->evfd);
    free(e);
    napi_throw_error(env, "LVSD_STREAM", msg);
    return NULL;
  }
  pthread_mutex_init(&e->mu, NULL);
  e->env = env;
  CHECK(napi_create_reference(env, argv[0], 1, &e->cb));
  uv_loop_t *loop;
  CHECK(napi_get_uv_event_loop(env, &loop));
  uv_async_init(loop, &e->async, stream_deliver);
  e->async.data = e;
  uv_unref((uv_handle_t *)&e->async); /* probes in flight hold their deadline timers */
  int rc = pthread_create(&e->th, NULL, stream_worker, e);
  if (rc) {
    napi_throw_error(env, "LVSD_STREAM", strerror(rc));
    return NULL;
  }
  napi_value h;
  CHECK(napi_create_external(env, e, NULL, NULL, &h));
  return h;
}

static sengine *stream_unwrap(napi_env env, napi_value v) {
  void *p = NULL;
  if (napi_get_value_external(env, v, &p) != napi_ok || !p) {
    napi_throw_type_error(env, NULL, "not a stream engine");
    return NULL;
  }
  return p;
}

/*
 * streamSubmit(handle, id, to, port, from, fromPort, ifname, request?: Buffer) -> 0 or -errno
 * (an address that does not parse). Queued, not started: streamFlush wakes the worker.
 */
static napi_value js_stream_submit(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  sengine *e = stream_unwrap(env, argv[0]);
  if (!e) return NULL;
  uint32_t id, port, sport;
  char to[INET6_ADDRSTRLEN + 1], from[INET6_ADDRSTRLEN + 1], ifname[IF_NAMESIZE + 1];
  size_t l;
  CHECK(napi_get_value_uint32(env, argv[1], &id));
  CHECK(napi_get_value_string_utf8(env, argv[2], to, sizeof(to), &l));
  CHECK(napi_get_value_uint32(env, argv[3], &port));
  CHECK(napi_get_value_string_utf8(env, argv[4], from, sizeof(from), &l));
  CHECK(napi_get_value_uint32(env, argv[5], &sport));
  CHECK(napi_get_value_string_utf8(env, argv[6], ifname, sizeof(ifname), &l));
  napi_value rv;
  int family = strchr(to, ':') ? 6 : 4;
  sreq *r = calloc(1, sizeof(*r));
  if (!r) {
    napi_create_int32(env, -ENOMEM, &rv);
    return rv;
  }
  r->fd = -1;
  r->id = id;
  r->first_chunk = 1;
  int rc = e->closed ? -EBADF : 0;
  if (!rc && parse_addr(family, to, &r->dst, &r->dl) < 0) rc = -EINVAL;
  unsigned scope = ifname[0] ? if_nametoindex(ifname) : 0;
  if (!rc) {
    if (family == 4) ((struct sockaddr_in *)&r->dst)->sin_port = htons((uint16_t)port);
    else {
      ((struct sockaddr_in6 *)&r->dst)->sin6_port = htons((uint16_t)port);
      ((struct sockaddr_in6 *)&r->dst)->sin6_scope_id = scope;
    }
  }
  if (!rc && (from[0] || sport)) {
    if (parse_addr(family, from[0] ? from : (family == 6 ? "::" : "0.0.0.0"), &r->src, &r->sl) < 0) rc = -EINVAL;
    else if (family == 4) ((struct sockaddr_in *)&r->src)->sin_port = htons((uint16_t)sport);
    else {
      ((struct sockaddr_in6 *)&r->src)->sin6_port = htons((uint16_t)sport);
      ((struct sockaddr_in6 *)&r->src)->sin6_scope_id = scope;
    }
    r->bind_src = 1;
    r->reuse = sport != 0;
  }
  bool has_req = false;
  if (!rc && argc > 7) CHECK(napi_is_buffer(env, argv[7], &has_req));
  if (!rc && has_req) {
    void *data;
    size_t dl;
    CHECK(napi_get_buffer_info(env, argv[7], &data, &dl));
    r->out = malloc(dl ? dl : 1);
    if (!r->out) rc = -ENOMEM;
    else {
      memcpy(r->out, data, dl);
      r->out_len = dl;
    }
  }
  if (rc) {
    free(r->out);
    free(r);
    napi_create_int32(env, rc, &rv);
    return rv;
  }
  pthread_mutex_lock(&e->mu);
  if (e->in_tail) e->in_tail->next = r;
  else e->in_head = r;
  e->in_tail = r;
  if (!e->unstamped) e->unstamped = r;
  pthread_mutex_unlock(&e->mu);
  napi_create_int32(env, 0, &rv);
  return rv;
}

/* streamCancel(handle, id): queued like a submit; the probe is reported with ECANCELED. */
static napi_value js_stream_cancel(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  sengine *e = stream_unwrap(env, argv[0]);
  if (!e) return NULL;
  uint32_t id;
  CHECK(napi_get_value_uint32(env, argv[1], &id));
  pthread_mutex_lock(&e->mu);
  if (e->ncancel == e->capcancel) {
    size_t nc = e->capcancel ? e->capcancel * 2 : 64;
    uint32_t *p = realloc(e->cancels, nc * sizeof(*p));
    if (!p) {
      pthread_mutex_unlock(&e->mu);
      napi_throw_error(env, "LVSD_STREAM", "out of memory");
      return NULL;
    }
    e->cancels = p;
    e->capcancel = nc;
  }
  e->cancels[e->ncancel++] = id;
  pthread_mutex_unlock(&e->mu);
  return NULL;
}

/* streamFlush(handle): wakes the worker for what was queued since the last flush. */
static napi_value js_stream_flush(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  sengine *e = stream_unwrap(env, argv[0]);
  if (!e) return NULL;
  int64_t now = mono_ns(); /* one clock read per flush, not per probe */
  pthread_mutex_lock(&e->mu);
  for (sreq *r = e->unstamped; r; r = r->next) r->flush_ns = now;
  e->unstamped = NULL;
  pthread_mutex_unlock(&e->mu);
  uint64_t one = 1;
  ssize_t w = write(e->evfd, &one, sizeof(one));
  (void)w;
  return NULL;
}

static void stream_closed(uv_handle_t *h) {
  sengine *e = h->data;
  free(e);
}

/* streamClose(handle): cancels everything, stops the worker, frees the engine. */
static napi_value js_stream_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  sengine *e = stream_unwrap(env, argv[0]);
  if (!e || e->closed) return NULL;
  pthread_mutex_lock(&e->mu);
  e->stopping = 1;
  pthread_mutex_unlock(&e->mu);
  uint64_t one = 1;
  ssize_t w = write(e->evfd, &one, sizeof(one));
  (void)w;
  pthread_join(e->th, NULL);
  e->closed = 1;
  close(e->ep);
  close(e->evfd);
  for (sdone *d = e->done_head; d;) {
    sdone *x = d->next;
    free(d->data);
    free(d);
    d = x;
  }
  e->done_head = e->done_tail = NULL;
  free(e->by_slot);
  free(e->cancels);
  pthread_mutex_destroy(&e->mu);
  napi_delete_reference(env, e->cb);
  uv_close((uv_handle_t *)&e->async, stream_closed);
  return NULL;
}
