import { readFileSync } from "node:fs";
import { z } from "zod";
import { type Json, type JsonObject, isJsonObject } from "./json.ts";
import { Messages, checkRange, oneOf, textLength } from "./messages.ts";

// Phone numbers, tools and squads are validated against emulator/resource-schemas.json, the
// Create/Update DTOs of Vapi's OpenAPI reduced to property kinds and constraints by
// scripts/extract-resource-schemas.ts. Wording and order are class-validator's, as for
// assistants (validate.ts): unknown properties first, then the DTO's properties in order; a
// missing required property fails its type check. Inside objects, fields are stored as given,
// except that the items of an array of DTOs (squad members, tool parameters) get their kinds checked.

const propertySchema = z.object({
  kind: z.enum(["string", "boolean", "number", "integer", "array", "object", "any"]),
  enum: z.array(z.string()).optional(),
  minLength: z.number().optional(),
  maxLength: z.number().optional(),
  minimum: z.number().optional(),
  maximum: z.number().optional(),
  pattern: z.string().optional(),
  items: z.string().optional(),
});
type Property = z.infer<typeof propertySchema>;
const dtoSchema = z.object({ properties: z.record(z.string(), propertySchema), required: z.array(z.string()) });
type Dto = z.infer<typeof dtoSchema>;
const fileSchema = z.object({
  resources: z.record(
    z.string(),
    z.object({
      discriminator: z.string().nullable(),
      variants: z.record(z.string(), z.object({ create: dtoSchema, update: dtoSchema })),
    }),
  ),
  nested: z.record(z.string(), dtoSchema),
});

const file = fileSchema.parse(JSON.parse(readFileSync(new URL("./resource-schemas.json", import.meta.url), "utf8")));

export type SchemaResource = "phone-number" | "tool" | "squad";

/** The discriminator (`provider`, `type`) of a resource, or null for squads. */
export function discriminatorOf(resource: SchemaResource): string | null {
  return file.resources[resource]?.discriminator ?? null;
}

const KIND_MESSAGES: Record<Property["kind"], (path: string) => string> = {
  string: (path) => `${path} must be a string`,
  boolean: (path) => `${path} must be a boolean value`,
  number: (path) => `${path} must be a number conforming to the specified constraints`,
  integer: (path) => `${path} must be an integer number`,
  array: (path) => `${path} must be an array`,
  object: (path) => `nested property ${path} must be either object or array`,
  any: () => "",
};

function kindOk(value: Json, kind: Property["kind"]): boolean {
  if (kind === "string") return typeof value === "string";
  if (kind === "boolean") return typeof value === "boolean";
  if (kind === "number") return typeof value === "number" && Number.isFinite(value);
  if (kind === "integer") return Number.isInteger(value);
  if (kind === "array") return Array.isArray(value);
  if (kind === "object") return isJsonObject(value);
  return true;
}

/** The pattern as class-validator's @Matches prints it (the spec already writes it as /…/). */
function regexOf(pattern: string): RegExp {
  const literal = /^\/(.*)\/([a-z]*)$/.exec(pattern);
  return literal ? new RegExp(literal[1] ?? "", literal[2]) : new RegExp(pattern);
}

function checkProperty(value: Json, path: string, property: Property, out: Messages): void {
  if (!kindOk(value, property.kind)) {
    out.add(property.enum ? `${path} ${oneOf(property.enum)}` : KIND_MESSAGES[property.kind](path));
    return;
  }
  if (typeof value === "string") {
    if (property.enum && !property.enum.includes(value)) out.add(`${path} ${oneOf(property.enum)}`);
    const length = textLength(value);
    if (property.minLength !== undefined && length < property.minLength) {
      out.add(`${path} must be longer than or equal to ${property.minLength} characters`);
    }
    if (property.maxLength !== undefined && length > property.maxLength) {
      out.add(`${path} must be shorter than or equal to ${property.maxLength} characters`);
    }
    if (property.pattern !== undefined && !regexOf(property.pattern).test(value)) {
      out.add(`${path} must match ${property.pattern} regular expression`);
    }
  }
  if (typeof value === "number" && (property.minimum !== undefined || property.maximum !== undefined)) {
    checkRange(value, path, [property.minimum ?? -Infinity, property.maximum ?? Infinity], out);
  }
  const item = property.items === undefined ? undefined : file.nested[property.items];
  if (Array.isArray(value) && item) {
    value.forEach((element, index) => {
      if (isJsonObject(element)) checkObject(element, `${path}.${index}`, item, out);
      else out.add(`nested property ${path}.${index} must be either object or array`);
    });
  }
}

/** Known properties only; `null` skips a property's checks unless it is required. */
function checkObject(body: JsonObject, prefix: string, dto: Dto, out: Messages): void {
  for (const [key, property] of Object.entries(dto.properties)) {
    const value = body[key];
    const path = prefix === "" ? key : `${prefix}.${key}`;
    if (value !== undefined && value !== null) checkProperty(value, path, property, out);
    else if (dto.required.includes(key)) checkProperty(null, path, property, out);
  }
}

/**
 * Validates a create (no `variant`) or update body of a resource and returns class-validator's
 * messages (empty when valid). A create picks its DTO by the body's discriminator; without a
 * known one that is the only message. An update uses the stored item's variant, whose DTO
 * allows only that discriminator value (Vapi offers no way to change a number's provider).
 */
export function validateResourceBody(resource: SchemaResource, body: JsonObject, variant?: string): string[] {
  const schema = file.resources[resource];
  if (!schema) throw new Error(`no schema for ${resource}`);
  const out = new Messages();
  const { discriminator } = schema;
  const chosen = variant ?? (discriminator === null ? "" : body[discriminator]);
  const dtos = typeof chosen === "string" && Object.hasOwn(schema.variants, chosen) ? schema.variants[chosen] : undefined;
  if (!dtos) {
    out.add(`${discriminator} ${oneOf(Object.keys(schema.variants))}`);
    return out.list;
  }
  const dto = variant === undefined ? dtos.create : dtos.update;
  for (const key of Object.keys(body)) {
    if (!Object.hasOwn(dto.properties, key)) out.add(`property ${key} should not exist`);
  }
  checkObject(body, "", dto, out);
  return out.list;
}
