import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { UserCacheCoordinator } from "../../durable-objects/coordinator";
import { readConfig } from "../../core/config";
import { stubFor, type TestUser } from "./helpers";

/** Runs this user's coordinator as a deployment with these settings would. */
export async function withConfig(user: TestUser, vars: Partial<Record<keyof Env, string>>) {
  await runInDurableObject(stubFor(user.sub), (obj: UserCacheCoordinator) => {
    obj.config = readConfig({ ...env, ...vars });
  });
}
