// The image's HEALTHCHECK: asks the admin endpoint's /healthz where the daemon listens, read from LBM_HTTP_LISTEN
// (the image's default, 127.0.0.1:9180, when unset). A wildcard address is asked on loopback of the same family; with
// `off` there is no endpoint, so nothing to ask. Set the address with LBM_HTTP_LISTEN, not --http-listen: a flag
// given to `docker run` is not visible here.
const listen = process.env.LBM_HTTP_LISTEN || '127.0.0.1:9180';
if (listen === 'off') process.exit(0);
const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(listen);
if (!m) {
  console.error(`healthcheck: LBM_HTTP_LISTEN=${listen} is not host:port`);
  process.exit(1);
}
let host = m[1] ?? m[2] ?? '';
if (host === '' || host === '0.0.0.0') host = '127.0.0.1';
else if (/^[0:]+$/.test(host)) host = '::1';
const url = `http://${host.includes(':') ? `[${host}]` : host}:${m[3]}/healthz`;
// Docker's own --timeout would kill the check; failing first says why.
setTimeout(() => {
  console.error(`healthcheck: ${url} did not answer`);
  process.exit(1);
}, 4000).unref();
fetch(url).then(
  (r) => process.exit(r.ok ? 0 : 1),
  (e) => {
    console.error(`healthcheck: ${url}: ${e.cause?.code ?? e.message}`);
    process.exit(1);
  },
);
