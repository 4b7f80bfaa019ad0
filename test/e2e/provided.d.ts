// What test/e2e/global-setup.ts provides to the e2e project (vitest's inject()).
import "vitest";

declare module "vitest" {
  interface ProvidedContext {
    e2e: {
      /** The Worker under `wrangler dev`. */
      baseUrl: string;
      emulatorUrl: string;
      /** HS256 secret of this run's Worker: tests sign their users' tokens with it. */
      jwtSecret: string;
      /** A page origin listed in CORS_ORIGINS, and one that is not. */
      allowedOrigin: string;
      disallowedOrigin: string;
    };
  }
}
