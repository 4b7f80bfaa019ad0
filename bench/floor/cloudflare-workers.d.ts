// The slice of "cloudflare:workers" the floor Worker uses. tsconfig.node.json (which includes
// bench/) does not load the Workers types, and the floor must not pull them into Node's scope.
declare module "cloudflare:workers" {
  export abstract class DurableObject<Env = unknown> {
    protected ctx: unknown;
    protected env: Env;
    constructor(ctx: unknown, env: Env);
  }
}
