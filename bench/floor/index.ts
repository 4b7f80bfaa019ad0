// The floors: what the local runtime costs with no product code in the way.
//   GET /static  a constant JSON body of BODY_BYTES bytes (the size of the product's list answer)
//   GET /do      the same body returned by a bare Durable Object over RPC (the hop by itself)
// Neither verifies a JWT nor touches D1: the product does both, and that is part of the ratio.
import { DurableObject } from "cloudflare:workers";

interface FloorEnv {
  BODY_BYTES: string;
  FLOOR: { getByName(name: string): { body(): Promise<string> } };
}

const HEADERS = { "Content-Type": "application/json; charset=utf-8" };

/** A valid JSON object of exactly `bytes` bytes (ASCII), built once per isolate. */
function paddedBody(bytes: number): string {
  const shell = '{"pad":""}';
  return `{"pad":"${"x".repeat(Math.max(0, bytes - shell.length))}"}`;
}

let cached: string | undefined;
const bodyOf = (env: FloorEnv) => (cached ??= paddedBody(Number(env.BODY_BYTES)));

export class FloorObject extends DurableObject<FloorEnv> {
  body(): string {
    return bodyOf(this.env);
  }
}

export default {
  async fetch(request: Request, env: FloorEnv): Promise<Response> {
    const { pathname } = new URL(request.url);
    if (pathname === "/static") return new Response(bodyOf(env), { headers: HEADERS });
    if (pathname === "/do") return new Response(await env.FLOOR.getByName("floor").body(), { headers: HEADERS });
    if (pathname === "/healthz") return new Response("ok");
    return new Response("not found", { status: 404 });
  },
};
