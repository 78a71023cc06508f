# lvsd's native shims (plain Node-API, C), built by `make build` with node-gyp: the socket shim
# (lvsd_net.c) and the health-check probes (lvsd_probes.c: ICMP echo; lvsd_stream*.h: TCP_CHECK and
# HTTP_GET connects and exchanges on a worker thread).
{
  "targets": [
    {
      "target_name": "lvsd_net",
      "sources": ["lvsd_net.c"],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra", "-Wno-unused-parameter", "-O2"],
      "defines": ["NAPI_VERSION=8"]
    },
    {
      "target_name": "lvsd_probes",
      "sources": ["lvsd_probes.c"],
      "cflags": ["-std=gnu11", "-Wall", "-O2", "-pthread"],
      "ldflags": ["-pthread"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
