/*
 * Kernel edge (native), included by lvsd_probes.c after lvsd_stream.h: the Node-API side of the
 * stream probes. streamOpen starts the worker threads; streamSubmit / streamCancel queue work
 * for them and streamFlush wakes them (one eventfd write per worker and batch); finished probes
 * come back through one uv_async to the callback given to streamOpen, in batches. Runs on the
 * main thread.
 */

/* Takes up to `max` finished probes from a worker's list; returns how many, adds their bytes. */
static size_t take_done(sengine *e, size_t max, sdone **head, sdone **tail, size_t *bytes, int *more) {
  if (!max) return 0;
  pthread_mutex_lock(&e->mu);
  sdone *h = e->done_head, *last = NULL;
  size_t n = 0;
  for (sdone *d = h; d && n < max; d = d->next) last = d, n++, *bytes += d->len;
  if (last) {
    e->done_head = last->next;
    if (!e->done_head) e->done_tail = NULL;
    last->next = NULL;
    if (*tail) (*tail)->next = h;
    else *head = h;
    *tail = last;
  }
  if (e->done_head) *more = 1;
  pthread_mutex_unlock(&e->mu);
  return n;
}

/* Main thread: hands the finished probes to JavaScript, at most STREAM_MAX_BATCH per call. */
static void stream_deliver(uv_async_t *a) {
  sgroup *g = a->data;
  if (g->closed) return;
  sdone *h = NULL, *t = NULL;
  size_t n = 0, bytes = 0;
  int again = 0;
  for (int k = 0; k < g->n; k++) n += take_done(g->w[k], STREAM_MAX_BATCH - n, &h, &t, &bytes, &again);
  if (again) uv_async_send(&g->async); /* the rest after timers and other I/O have run */
  if (!n) return;
  napi_env env = g->env;
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
  napi_get_reference_value(env, g->cb, &cb);
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

/* Stops a worker thread and frees it, with whatever it still held. */
static void worker_free(sengine *e) {
  if (e->th_started) {
    pthread_mutex_lock(&e->mu);
    e->stopping = 1;
    pthread_mutex_unlock(&e->mu);
    uint64_t one = 1;
    ssize_t w = write(e->evfd, &one, sizeof(one));
    (void)w;
    pthread_join(e->th, NULL);
  }
  if (e->ep >= 0) close(e->ep);
  if (e->evfd >= 0) close(e->evfd);
  for (sdone *d = e->done_head; d;) {
    sdone *x = d->next;
    free(d->data);
    free(d);
    d = x;
  }
  for (sreq *r = e->in_head; r;) {
    sreq *x = r->next;
    free(r->out);
    free(r);
    r = x;
  }
  free(e->by_slot);
  free(e->cancels);
  pthread_mutex_destroy(&e->mu);
  free(e);
}

static sengine *worker_new(uv_async_t *async, char *err, size_t errlen) {
  sengine *e = calloc(1, sizeof(*e));
  if (!e) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  pthread_mutex_init(&e->mu, NULL);
  e->async = async;
  e->ep = epoll_create1(EPOLL_CLOEXEC);
  e->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
  if (e->ep < 0 || e->evfd < 0 || epoll_ctl(e->ep, EPOLL_CTL_ADD, e->evfd, &ev) < 0) {
    snprintf(err, errlen, "stream probes: %s", strerror(errno));
    worker_free(e);
    return NULL;
  }
  int rc = pthread_create(&e->th, NULL, stream_worker, e);
  if (rc) {
    snprintf(err, errlen, "stream probes: %s", strerror(rc));
    worker_free(e);
    return NULL;
  }
  e->th_started = 1;
  return e;
}

static void stream_closed(uv_handle_t *h) {
  free(h->data);
}

/* Stops the workers and closes the way back; the group is freed once its handle is closed. */
static void group_shutdown(sgroup *g) {
  g->closed = 1;
  for (int k = 0; k < g->n; k++) worker_free(g->w[k]);
  uv_close((uv_handle_t *)&g->async, stream_closed);
}

/*
 * The environment ends (process exit) with the engine still open, as the process's one engine
 * always is: its workers stop before the event loop they signal is torn down (a worker still
 * running then could signal a freed loop).
 */
static void stream_env_cleanup(void *arg) {
  sgroup *g = arg;
  if (!g->closed) group_shutdown(g);
}

/*
 * streamOpen(onDone(ids: Uint32Array, info: Int32Array, offs: Uint32Array, data?: Buffer),
 * workers = 1) -> handle
 */
static napi_value js_stream_open(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t workers = 1;
  if (argc > 1) napi_get_value_int32(env, argv[1], &workers);
  if (workers < 1) workers = 1;
  if (workers > STREAM_MAX_WORKERS) workers = STREAM_MAX_WORKERS;
  sgroup *g = calloc(1, sizeof(*g));
  if (!g) {
    napi_throw_error(env, "LVSD_STREAM", "out of memory");
    return NULL;
  }
  g->env = env;
  uv_loop_t *loop;
  CHECK(napi_get_uv_event_loop(env, &loop));
  uv_async_init(loop, &g->async, stream_deliver);
  g->async.data = g;
  uv_unref((uv_handle_t *)&g->async); /* probes in flight hold their deadline timers */
  char err[160];
  for (int k = 0; k < workers; k++) {
    if (!(g->w[k] = worker_new(&g->async, err, sizeof(err)))) {
      for (int j = 0; j < k; j++) worker_free(g->w[j]);
      g->closed = 1;
      uv_close((uv_handle_t *)&g->async, stream_closed);
      napi_throw_error(env, "LVSD_STREAM", err);
      return NULL;
    }
    g->n++;
  }
  CHECK(napi_create_reference(env, argv[0], 1, &g->cb));
  CHECK(napi_add_env_cleanup_hook(env, stream_env_cleanup, g));
  napi_value h;
  CHECK(napi_create_external(env, g, NULL, NULL, &h));
  return h;
}

static sgroup *stream_unwrap(napi_env env, napi_value v) {
  void *p = NULL;
  if (napi_get_value_external(env, v, &p) != napi_ok || !p) {
    napi_throw_type_error(env, NULL, "not a stream engine");
    return NULL;
  }
  return p;
}

/*
 * streamSubmit(handle, id, to, port, from, fromPort, ifname, request?: Buffer) -> 0 or -errno
 * (an address that does not parse). Queued for the worker of the id's slot, not started:
 * streamFlush wakes it.
 */
static napi_value js_stream_submit(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  sgroup *g = stream_unwrap(env, argv[0]);
  if (!g) return NULL;
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
  int rc = g->closed ? -EBADF : 0;
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
  sengine *e = g->w[SLOT_OF(id) % (uint32_t)g->n];
  pthread_mutex_lock(&e->mu);
  if (e->in_tail) e->in_tail->next = r;
  else e->in_head = r;
  e->in_tail = r;
  if (!e->unstamped) e->unstamped = r;
  pthread_mutex_unlock(&e->mu);
  e->dirty = 1;
  napi_create_int32(env, 0, &rv);
  return rv;
}

/* streamCancel(handle, id): queued like a submit; the probe is reported with ECANCELED. */
static napi_value js_stream_cancel(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  sgroup *g = stream_unwrap(env, argv[0]);
  if (!g || g->closed) return NULL;
  uint32_t id;
  CHECK(napi_get_value_uint32(env, argv[1], &id));
  sengine *e = g->w[SLOT_OF(id) % (uint32_t)g->n];
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
  e->dirty = 1;
  return NULL;
}

/* streamFlush(handle): wakes each worker that got work since the last flush. */
static napi_value js_stream_flush(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  sgroup *g = stream_unwrap(env, argv[0]);
  if (!g || g->closed) return NULL;
  int64_t now = mono_ns(); /* one clock read per flush, not per probe */
  for (int k = 0; k < g->n; k++) {
    sengine *e = g->w[k];
    if (!e->dirty) continue;
    e->dirty = 0;
    pthread_mutex_lock(&e->mu);
    for (sreq *r = e->unstamped; r; r = r->next) r->flush_ns = now;
    e->unstamped = NULL;
    pthread_mutex_unlock(&e->mu);
    uint64_t one = 1;
    ssize_t w = write(e->evfd, &one, sizeof(one));
    (void)w;
  }
  return NULL;
}

/* streamClose(handle): cancels everything, stops the workers, frees the engine. */
static napi_value js_stream_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  sgroup *g = stream_unwrap(env, argv[0]);
  if (!g || g->closed) return NULL;
  napi_remove_env_cleanup_hook(env, stream_env_cleanup, g);
  napi_delete_reference(env, g->cb);
  group_shutdown(g);
  return NULL;
}
