// `npm run loadtest` arguments, with the limits that keep it safe to point at a deployment:
// bounded time and requests, HTTPS unless loopback, and tokens that never reach an error message.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { decodeJwt } from "jose";

export const SCENARIOS = ["hot", "stampede", "mixed", "ramp"] as const;
export type Scenario = (typeof SCENARIOS)[number];

/** A user to send load as: the JWT and a printable name (its `sub`, never the token). */
export interface User {
  token: string;
  label: string;
}

export interface Options {
  base: string;
  users: User[];
  scenario: Scenario;
  /** Connections (stampede: simultaneous reads; ramp: the last step). */
  connections: number;
  seconds: number;
  rate?: number;
  maxRequests: number;
  /** ramp: a step whose p99 exceeds this ends the ramp. */
  maxP99Ms: number;
  /** Where to write the JSON report; "-" prints it instead of the text report. */
  json?: string;
  /** stampede: send `Cache-Control: no-cache`, so even a warm user's reads go upstream (together). */
  revalidate: boolean;
}

export const LIMITS = { seconds: 600, connections: 1000, requests: 1_000_000 };
const DEFAULT_CONNECTIONS: Record<Scenario, number> = { hot: 10, stampede: 100, mixed: 50, ramp: 64 };

export const USAGE = `usage: npm run loadtest -- --url <base URL> (--token <JWT> | --tokens <file>) [options]
  --scenario hot|stampede|mixed|ramp   default hot; only mixed writes (PATCHes names to their current value)
  --connections N    default hot 10, stampede 100, mixed 50, ramp 64 (the last step); at most ${LIMITS.connections}
  --duration 30s     default 10s, at most ${LIMITS.seconds}s (ramp: all steps together)
  --rate R           requests per second over all connections (default: as fast as answers come)
  --max-requests N   stop after N requests (default 100000)
  --max-p99 MS       ramp: stop stepping up when p99 exceeds this (default 1000)
  --revalidate       stampede: send Cache-Control: no-cache (coalescing on a user whose list is fresh)
  --json FILE        also write the report as JSON (- : print JSON instead of text)
  --tokens FILE      one JWT per line (blank lines and # comments skipped)`;

export class UsageError extends Error {}

export function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      url: { type: "string" },
      token: { type: "string" },
      tokens: { type: "string" },
      scenario: { type: "string", default: "hot" },
      connections: { type: "string" },
      duration: { type: "string", default: "10s" },
      rate: { type: "string" },
      "max-requests": { type: "string", default: "100000" },
      "max-p99": { type: "string", default: "1000" },
      json: { type: "string" },
      revalidate: { type: "boolean", default: false },
    },
  });
  const scenario = SCENARIOS.find((s) => s === values.scenario);
  if (!scenario) throw new UsageError(`--scenario must be one of ${SCENARIOS.join(", ")}`);
  if (!values.url) throw new UsageError("--url is required");
  if (values.token && values.tokens) throw new UsageError("give --token or --tokens, not both");
  const tokens = values.token ? [values.token] : values.tokens ? readTokens(values.tokens) : [];
  if (tokens.length === 0) throw new UsageError("a JWT is required: --token <JWT> or --tokens <file>");
  const users = tokens.map((token, i) => ({ token, label: label(token, i) }));
  const labels = users.map((u) => u.label);
  const twice = labels.find((l, i) => labels.indexOf(l) !== i);
  // Per-user counters would be counted twice: one token per user.
  if (twice) throw new UsageError(`two tokens are for the same user (sub ${twice}); give each user once`);
  return {
    base: checkUrl(values.url),
    users,
    scenario,
    connections: values.connections ? count("--connections", values.connections, LIMITS.connections) : DEFAULT_CONNECTIONS[scenario],
    seconds: parseDuration(values.duration),
    rate: values.rate ? count("--rate", values.rate, Number.MAX_SAFE_INTEGER) : undefined,
    maxRequests: count("--max-requests", values["max-requests"], LIMITS.requests),
    maxP99Ms: count("--max-p99", values["max-p99"], 600_000),
    json: values.json,
    revalidate: values.revalidate,
  };
}

/** The base URL without a trailing slash; HTTPS only, except on loopback (tokens travel in it). */
export function checkUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError("--url is not a URL");
  }
  const loopback = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/.test(url.hostname);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
    throw new UsageError("--url must be https:// (plain http:// only for 127.0.0.1, ::1 or localhost)");
  }
  if (url.username || url.password || url.search || url.hash) throw new UsageError("--url takes only scheme, host, port and path");
  return url.href.replace(/\/+$/, "");
}

/** "30s", "2m", "1500ms" or plain seconds; at most LIMITS.seconds. */
export function parseDuration(raw: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(raw.trim());
  if (!m) throw new UsageError(`--duration: "${raw}" is not a duration (e.g. 30s, 2m)`);
  const seconds = Number(m[1]) * (m[2] === "ms" ? 0.001 : m[2] === "m" ? 60 : 1);
  if (seconds < 1 || seconds > LIMITS.seconds) throw new UsageError(`--duration must be 1s–${LIMITS.seconds}s`);
  return seconds;
}

function count(flag: string, raw: string, max: number): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`${flag} must be a whole number from 1 to ${max}`);
  return n;
}

function readTokens(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new UsageError(`--tokens: cannot read ${file}`);
  }
  const lines = text.split("\n").map((l) => l.trim());
  return lines.filter((l) => l && !l.startsWith("#"));
}

function label(token: string, i: number): string {
  try {
    const { sub } = decodeJwt(token);
    if (sub) return sub;
  } catch {
    // not decodable: the server will say 401; the token itself is never printed
  }
  return `token #${i + 1}`;
}
