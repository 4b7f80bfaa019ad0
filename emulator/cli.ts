import { parseArgs } from "node:util";
import type { LatencyRange } from "./faults.ts";
import { startEmulator } from "./server.ts";

const HELP = `Local Vapi emulator: Vapi's REST API for assistants, phone numbers, tools and squads, plus an
/__emulator admin surface.

Usage: node emulator/cli.ts [--port N] [--latency MIN-MAX] [--demo] [--help]

  --port N           port on 127.0.0.1 (0 picks a free one)   env VAPI_EMULATOR_PORT, default 8788
  --latency MIN-MAX  delay every Vapi answer by MIN..MAX ms   env VAPI_EMULATOR_LATENCY, e.g. 200-500
                     (a single number means a fixed delay)
  --demo             register the demo org (private key "dev-vapi-key"): six assistants,
                     3 tools, 1 squad and 4 phone numbers
  --help             show this text

Admin surface and details: docs/emulator.md`;

function fail(message: string): never {
  console.error(`${message}\n\n${HELP}`);
  process.exit(2);
}

function parseLatency(text: string): LatencyRange {
  const match = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(text);
  const min = Number(match?.[1]);
  const max = match?.[2] === undefined ? min : Number(match[2]);
  if (!match || min > max) fail(`invalid latency "${text}" (expected MIN-MAX in ms, e.g. 200-500)`);
  return { min, max };
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) fail(`invalid port "${text}"`);
  return port;
}

function readArgs() {
  try {
    return parseArgs({
      options: {
        port: { type: "string" },
        latency: { type: "string" },
        demo: { type: "boolean", default: false },
        help: { type: "boolean", default: false },
      },
    }).values;
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
}

const args = readArgs();
if (args.help) {
  console.log(HELP);
} else {
  const latencyText = args.latency ?? process.env.VAPI_EMULATOR_LATENCY;
  const emulator = await startEmulator({
    port: parsePort(args.port ?? process.env.VAPI_EMULATOR_PORT ?? "8788"),
    latency: latencyText ? parseLatency(latencyText) : undefined,
    demo: args.demo,
  });
  console.log(`vapi emulator listening on ${emulator.url}`);
  const stop = () => {
    emulator.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}
