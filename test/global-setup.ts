import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair } from "jose";
import type { TestProject } from "vitest/node";
import { startEmulator } from "../emulator/server.ts";

/**
 * Starts the real processes the suites talk to over loopback: the Vapi emulator, and a JWKS
 * endpoint standing in for a hosted identity provider (RS256).
 */
export default async function setup(project: TestProject) {
  const emulator = await startEmulator({ port: 0 });

  const { publicKey, privateKey } = await generateKeyPair("RS256", { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: "test-key", alg: "RS256", use: "sig" };
  const jwks = createServer((_req, res) => {
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => jwks.listen(0, "127.0.0.1", resolve));
  const { port: jwksPort } = jwks.address() as AddressInfo;

  project.provide("emulatorPort", emulator.port);
  project.provide("jwksUrl", `http://127.0.0.1:${jwksPort}/.well-known/jwks.json`);
  project.provide("jwksPrivateKey", { ...(await exportJWK(privateKey)), kid: "test-key", alg: "RS256" });

  return async () => {
    await emulator.close();
    jwks.closeAllConnections();
    await new Promise((resolve) => jwks.close(resolve));
  };
}
