# lvsd's native socket shim (plain Node-API, C). Built by `make build` with node-gyp; see lvsd_net.c.
{
  "targets": [
    {
      "target_name": "lvsd_net",
      "sources": ["lvsd_net.c"],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra", "-Wno-unused-parameter", "-O2"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
