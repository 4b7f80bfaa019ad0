// autocannon opens its TLS connections with `rejectUnauthorized: false`, after spreading the
// caller's tlsOptions, so no option turns verification back on. A load test sends bearer tokens
// on every request: this process must never send one to a server whose certificate is not valid.
import tls from "node:tls";

let installed = false;

/** From now on, every tls.connect of this process verifies the server's certificate. */
export function verifyTls(): void {
  if (installed) return;
  installed = true;
  const connect = tls.connect;
  // autocannon looks tls.connect up on the module object at each call, so replacing it is seen there.
  tls.connect = function (this: unknown, ...args: unknown[]) {
    for (const arg of args) if (arg && typeof arg === "object") Object.assign(arg, { rejectUnauthorized: true });
    return Reflect.apply(connect, this, args) as tls.TLSSocket;
  } as typeof tls.connect;
}
