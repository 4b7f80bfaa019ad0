// Values test/global-setup.ts provides to every project (vitest's inject()).
import type { JWK } from "jose";
import "vitest";

declare module "vitest" {
  interface ProvidedContext {
    emulatorPort: number;
    jwksUrl: string;
    jwksPrivateKey: JWK;
  }
}
