type Json = Record<string, unknown>;

export const isPlainObject = (v: unknown): v is Json =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** RFC 7386 JSON merge patch: objects merge recursively, `null` removes, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return patch;
  const result: Json = isPlainObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    // guard: merge-patch-replaces-nested-objects
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

/** Whether applying `patch` needs the current version (it touches a nested object). */
// guard: nested-patch-never-fetches-the-current-version
export const needsBase = (patch: Json) => Object.values(patch).some(isPlainObject);

/**
 * The body to send to Vapi, whose PATCH is shallow: each nested object in the patch is merged
 * into the stored one and sent whole; top-level `null` is passed on (Vapi clears the field).
 */
export function vapiPatchBody(base: Json | undefined, patch: Json): Json {
  const body: Json = {};
  for (const [key, value] of Object.entries(patch)) {
    body[key] = isPlainObject(value) ? mergePatch(base?.[key], value) : value;
  }
  return body;
}
