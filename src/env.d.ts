// Optional secrets: `wrangler types` lists only the required ones ([secrets] in wrangler.toml).
interface OptionalSecrets {
  /** Newer encryption keys during a rotation, newest first, comma-separated (docs/security.md). */
  ENCRYPTION_KEYS?: string;
}
interface Env extends OptionalSecrets {}
declare namespace Cloudflare {
  interface Env extends OptionalSecrets {}
}
