import { z } from "@hono/zod-openapi";
import { VapiItemShape } from "../../core/resource";
import { phoneNumbers as resource } from "../../core/resources/phone-numbers";
import { resourceRoutes } from "./resource";

// Vapi's phone numbers are a oneOf by `provider`; Vapi (or the emulator) validates bodies, so the
// document names the four server fields and passes the rest through.
const PhoneNumberSchema = z.looseObject(VapiItemShape).openapi("PhoneNumber", {
  description: "A Vapi phone number as Vapi answers it, without `twilioAuthToken`, `twilioApiKey` and `twilioApiSecret` (never cached or answered)",
});

/** /api/phone-numbers: list, get, create, merge-patch update and delete through the cache. */
export const phoneNumbers = resourceRoutes(resource, PhoneNumberSchema, {
  create: { provider: "vapi", name: "Support line", assistantId: "92aa0cdc-9742-47f4-8d2b-3d1b4a5c6e7f" },
  patch: { name: "After hours", assistantId: null, squadId: "5b7e1c2d-3f4a-4b5c-8d6e-7f8a9b0c1d2e" },
});
