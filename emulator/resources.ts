import type { Item, ServerDefaults } from "./collection.ts";
import type { JsonObject } from "./json.ts";
import { SERVER_FIELDS } from "./schema.ts";
import type { VapiPath } from "./vapi-paths.ts";
import { validateAssistantBody } from "./validate.ts";
import { discriminatorOf, validateResourceBody } from "./validate-resource.ts";


export type ResourceSpec = {
  path: VapiPath;
  /** The admin surface's collection segment: /__emulator/orgs/:key/<plural>. */
  plural: "assistants" | "phone-numbers" | "tools" | "squads";
  /** Fields only the server writes: refused in request bodies (Vapi's DTOs do not have them). */
  serverFields: readonly string[];
  defaults: ServerDefaults;
  /** The list's extra query parameter beyond limit and the date filters (squads: `idAny`). */
  idAny: boolean;
  /** The property whose value picks the DTO (`provider`, `type`); updates need the stored item first. */
  discriminator: string | null;
  validateCreate(body: JsonObject): string[];
  /** `stored` is given when there is a discriminator: the stored item's variant picks the DTO. */
  validateUpdate(body: JsonObject, stored: Item | undefined): string[];
};

const BASE_FIELDS = ["id", "orgId", "createdAt", "updatedAt"];

/** A Vapi-provisioned number gets a US number in the requested area code (else 415). */
function vapiNumber(fields: JsonObject): string {
  const area = typeof fields.numberDesiredAreaCode === "string" ? fields.numberDesiredAreaCode : "415";
  return `+1${area}555${String(Math.floor(Math.random() * 10_000)).padStart(4, "0")}`;
}

function schemaResource(path: "phone-number" | "tool" | "squad", plural: ResourceSpec["plural"], extra: Partial<ResourceSpec>): ResourceSpec {
  const discriminator = discriminatorOf(path);
  return {
    path,
    plural,
    serverFields: BASE_FIELDS,
    defaults: () => ({}),
    idAny: false,
    discriminator,
    validateCreate: (body) => validateResourceBody(path, body),
    validateUpdate: (body, stored) => {
      const variant = discriminator === null ? "" : stored?.[discriminator];
      return validateResourceBody(path, body, typeof variant === "string" ? variant : "");
    },
    ...extra,
  };
}

export const RESOURCES: Readonly<Record<VapiPath, ResourceSpec>> = {
  assistant: {
    path: "assistant",
    plural: "assistants",
    serverFields: SERVER_FIELDS,
    defaults: () => ({ isServerUrlSecretSet: false }),
    idAny: false,
    discriminator: null,
    validateCreate: validateAssistantBody,
    validateUpdate: (body) => validateAssistantBody(body),
  },
  // Phone numbers answer a `status`; a `vapi` number is given its number by Vapi.
  "phone-number": schemaResource("phone-number", "phone-numbers", {
    serverFields: [...BASE_FIELDS, "status"],
    defaults: (fields) => {
      const assigned = fields.provider === "vapi" && fields.number === undefined;
      return { status: "active", ...(assigned ? { number: vapiNumber(fields) } : {}) };
    },
  }),
  tool: schemaResource("tool", "tools", {}),
  squad: schemaResource("squad", "squads", { idAny: true }),
};

/** The spec whose admin collection segment is `plural`, if any. */
export function resourceByPlural(plural: string): ResourceSpec | undefined {
  return Object.values(RESOURCES).find((spec) => spec.plural === plural);
}
