// Regenerates emulator/resource-schemas.json from Vapi's extracted OpenAPI for phone numbers,
// tools and squads: `node scripts/extract-resource-schemas.ts [path to vapi-resources-openapi.json]`
// (default ../shared/spec/vapi-resources-openapi.json). The emulator validates top-level
// properties (and one level inside arrays of DTOs) with class-validator's wording, so only each
// DTO's property kinds and constraints are kept; the spec itself stays outside the repository.
import { readFileSync, writeFileSync } from "node:fs";

type Schema = {
  type?: string;
  $ref?: string;
  enum?: string[];
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  pattern?: string;
  items?: Schema;
  oneOf?: Schema[];
  allOf?: Schema[];
  anyOf?: Schema[];
  properties?: Record<string, Schema>;
  required?: string[];
};
type Body = { content: { "application/json": { schema: Schema } } };
type Operation = { requestBody: Body; responses: Record<string, Body> };

const source = process.argv[2] ?? "../shared/spec/vapi-resources-openapi.json";
const spec = JSON.parse(readFileSync(source, "utf8")) as {
  paths: Record<string, { post: Operation; patch: Operation }>;
  components: { schemas: Record<string, Schema> };
};
const schemas = spec.components.schemas;
const refName = (ref: string) => ref.split("/").at(-1) ?? ref;
const nested: Record<string, unknown> = {};

/** The kind class-validator checks for a property: $ref/allOf/oneOf of objects are "object". */
function kindOf(schema: Schema): string {
  if (schema.type) return schema.type === "integer" ? "integer" : schema.type;
  const variants = schema.oneOf ?? schema.anyOf ?? schema.allOf ?? (schema.$ref ? [schema] : []);
  const objects = variants.every((variant) => variant.$ref !== undefined || variant.type === "object");
  return variants.length > 0 && objects ? "object" : "any";
}

function property(schema: Schema): Record<string, unknown> {
  const out: Record<string, unknown> = { kind: kindOf(schema) };
  for (const key of ["enum", "minLength", "maxLength", "minimum", "maximum", "pattern"] as const) {
    if (schema[key] !== undefined) out[key] = schema[key];
  }
  // Arrays of one DTO (squad members, tool parameters) are validated one level down.
  const item = schema.items?.$ref;
  if (schema.type === "array" && item) {
    const name = refName(item);
    out.items = name;
    nested[name] ??= dto(name, false);
  }
  return out;
}

function dto(name: string, deep = true): Record<string, unknown> {
  const schema = schemas[name];
  if (!schema?.properties) throw new Error(`${name}: no properties`);
  const properties = Object.fromEntries(
    Object.entries(schema.properties).map(([key, value]) => [key, deep ? property(value) : { kind: kindOf(value) }]),
  );
  return { properties, required: schema.required ?? [] };
}

/** Create and Update DTOs keyed by the discriminator's value (the oneOf orders differ). */
function variants(path: string, discriminator: string | null) {
  const refs = (operation: Operation) => {
    const body = operation.requestBody.content["application/json"].schema;
    return (body.oneOf ?? [body]).map((variant) => refName(variant.$ref ?? ""));
  };
  const byValue: Record<string, { create?: unknown; update?: unknown; response?: unknown }> = {};
  for (const [mode, operation] of [["create", spec.paths[path]?.post], ["update", spec.paths[`${path}/{id}`]?.patch]] as const) {
    if (!operation) throw new Error(`${path}: no ${mode} operation`);
    for (const name of refs(operation)) {
      const value = discriminator ? schemas[name]?.properties?.[discriminator]?.enum?.[0] : "";
      if (value === undefined) throw new Error(`${name}: no ${discriminator}`);
      (byValue[value] ??= {})[mode] = dto(name);
    }
  }
  // What answers carry, for the fidelity test: property names and the required ones.
  const created = spec.paths[path]?.post.responses["201"]?.content["application/json"].schema;
  for (const variant of created?.oneOf ?? (created ? [created] : [])) {
    const schema = schemas[refName(variant.$ref ?? "")];
    const value = discriminator ? schema?.properties?.[discriminator]?.enum?.[0] : "";
    if (!schema?.properties || value === undefined) throw new Error(`${path}: bad response variant`);
    (byValue[value] ??= {}).response = { properties: Object.keys(schema.properties), required: schema.required ?? [] };
  }
  // A variant only Update knows (tool type knowledgeBase) can never be created, so it is left out.
  const complete = Object.entries(byValue).filter(([, dtos]) => dtos.create && dtos.update && dtos.response);
  return { discriminator, variants: Object.fromEntries(complete) };
}

const resources = {
  "phone-number": variants("/phone-number", "provider"),
  tool: variants("/tool", "type"),
  squad: variants("/squad", null),
};
const out = { source: "VapiAI/docs fern/apis/api/openapi.json @ eabfa53 (vapi-resources-openapi.json)", resources, nested };
writeFileSync(new URL("../emulator/resource-schemas.json", import.meta.url), `${JSON.stringify(out, null, 1)}\n`);
console.log(`emulator/resource-schemas.json: ${Object.keys(resources["tool"].variants).length} tool types, ${Object.keys(resources["phone-number"].variants).length} phone providers`);
