// Lab demo program (process edge, runs in a director's namespace): one scrape of a metrics
// endpoint with Node's fetch, as Prometheus would make it; prints the HTTP status and the time the
// request took on the first line, then the body. Exit 0 on HTTP 200, 1 on another status, 2 when
// nothing answered.
//   node scrape.js URL [TIMEOUT_MS]
async function main(): Promise<number> {
  const url = process.argv[2];
  if (!url) throw new Error('usage: scrape URL [TIMEOUT_MS]');
  const timeoutMs = Number(process.argv[3] ?? 5000);
  try {
    const t0 = performance.now();
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'text/plain;version=0.0.4' } });
    const body = await res.text();
    process.stdout.write(`HTTP ${res.status} in ${(performance.now() - t0).toFixed(0)} ms, ${res.headers.get('content-type') ?? ''}\n${body}`);
    return res.status === 200 ? 0 : 1;
  } catch (e) {
    process.stdout.write(`no answer: ${(e as Error).cause ? String((e as Error).cause) : (e as Error).message}\n`);
    return 2;
  }
}

main().then((code) => process.exit(code));
