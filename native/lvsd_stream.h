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
 * The engine can run up to STREAM_MAX_WORKERS such threads (a probe goes to the worker of its
 * slot); JavaScript chooses how many (stream-engine.ts: one unless told).
 *
 * Ids come from JavaScript and are unique among the probes in flight (a slot and a
 * generation); every submitted probe is reported exactly once as final (more = 0), a cancelled
 * one with ECANCELED. A response longer than STREAM_CHUNK is delivered in pieces (more = 1).
 * Deadlines stay in JavaScript, which cancels a probe that ran out of time.
 */
#include <pthread.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <sys/eventfd.h>
#include <ctype.h>
#include <strings.h>

#define STREAM_CHUNK (64 * 1024)
/* Finished probes handed to JavaScript per call: the event loop's other work runs in between. */
#define STREAM_MAX_BATCH 256
#define STREAM_NICE 5

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
  uv_async_t *async; /* the group's: wakes the main thread */
  int dirty;         /* main thread only: queued since the last flush */
  int th_started;
} sengine;

/* The workers of one engine (a probe goes to the worker of its slot), and the way back. */
#define STREAM_MAX_WORKERS 4
typedef struct {
  int n;
  sengine *w[STREAM_MAX_WORKERS];
  uv_async_t async;
  napi_env env;
  napi_ref cb;
  int closed;
} sgroup;

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
  /* Below the event loop's thread: when the CPU is short, timers (VRRP adverts, the probe
   * schedule) run first and the probes wait, as keepalived's checker process yields to nothing
   * but cannot delay its VRRP process. LVSD_STREAM_NICE overrides it (0: same priority). */
  const char *nice_env = getenv("LVSD_STREAM_NICE");
  int nice_v = nice_env ? atoi(nice_env) : STREAM_NICE;
  if (nice_v) setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), nice_v);
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
      uv_async_send(e->async);
    }
  }
  return NULL;
}
