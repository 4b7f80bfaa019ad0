import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { load } from "../../bench/lib/load.ts";
import { verifyTls } from "../../bench/loadtest/verify-tls.ts";

it("sends no token to an HTTPS server whose certificate does not verify", async () => {
  const dir = mkdtempSync(join(tmpdir(), "loadtest-tls-"));
  execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
    "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")], { stdio: "ignore" });
  const seen: Record<string, number> = {};
  const server = createServer({ key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")) }, (req, res) => {
    const token = req.headers.authorization ?? "";
    seen[token] = (seen[token] ?? 0) + 1;
    res.end("{}");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const run = (token: string) => load({ url, headers: { Authorization: `Bearer ${token}` } }, { connections: 2, seconds: 1, warmupSeconds: 0 });
  try {
    // autocannon on its own sends to a self-signed server: the reason verifyTls exists.
    await run("before");
    expect(seen["Bearer before"]).toBeGreaterThan(0);
    verifyTls();
    const refused = await run("after");
    expect(seen["Bearer after"]).toBeUndefined();
    expect(refused.errors).toBeGreaterThan(0);
  } finally {
    server.closeAllConnections();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}, 20_000);
