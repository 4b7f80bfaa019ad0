import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { createEmulatorApp } from "./app.ts";
import type { LatencyRange } from "./faults.ts";

export type StartOptions = {
  /** 0 picks a free port; the returned `port` is the real one. Default 0. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  latency?: LatencyRange;
  demo?: boolean;
};

export type RunningEmulator = { url: string; port: number; close(): Promise<void> };

/** Starts the emulator as a real HTTP server. */
export async function startEmulator(options: StartOptions = {}): Promise<RunningEmulator> {
  const { app } = createEmulatorApp({ latency: options.latency, demo: options.demo });
  const host = options.host ?? "127.0.0.1";
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    // The emulator is embedded in other processes (vitest's global setup, `npm start`): leave
    // their global Request/Response alone.
    const listening = serve(
      { fetch: app.fetch, port: options.port ?? 0, hostname: host, overrideGlobalObjects: false },
      () => resolve(listening),
    );
    listening.once("error", reject);
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Hung (fault-injected) and keep-alive connections would otherwise hold close() open.
        if ("closeAllConnections" in server) server.closeAllConnections();
      }),
  };
}
