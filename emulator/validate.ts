import { type Json, type JsonObject, isJsonObject } from "./json.ts";
import { Messages, checkRange, oneOf, textLength } from "./messages.ts";
import { validateModel, validateServer, validateTranscriber, validateVoice } from "./validate-nested.ts";
import {
  ASSISTANT_PROPERTIES,
  CLIENT_MESSAGES,
  FIRST_MESSAGE_MODES,
  LIMITS,
  SERVER_MESSAGES,
  type PropertyKind,
} from "./schema.ts";

// Vapi validates bodies with NestJS's ValidationPipe (class-validator, whitelist +
// forbidNonWhitelisted), so messages use class-validator's default wording and nested ones
// are prefixed with their path. Every failure is collected; the order follows
// class-validator's: unknown properties first, then properties in DTO order.

function checkKind(value: Json, path: string, kind: PropertyKind, out: Messages): boolean {
  const ok =
    kind === "string" ? typeof value === "string"
    : kind === "boolean" ? typeof value === "boolean"
    : kind === "number" ? typeof value === "number"
    : kind === "array" ? Array.isArray(value)
    : kind === "object" ? isJsonObject(value)
    : typeof value === "string" || isJsonObject(value);
  if (ok) return true;
  const wording: Record<PropertyKind, string> = {
    string: `${path} must be a string`,
    boolean: `${path} must be a boolean value`,
    number: `${path} must be a number conforming to the specified constraints`,
    array: `${path} must be an array`,
    object: `nested property ${path} must be either object or array`,
    stringOrObject: `nested property ${path} must be either object or array`,
  };
  out.add(path === "metadata" ? "metadata must be an object" : wording[kind]);
  return false;
}

function checkMaxLength(value: string, path: string, max: number, out: Messages): void {
  if (textLength(value) > max) out.add(`${path} must be shorter than or equal to ${max} characters`);
}

function checkEach(value: Json[], path: string, allowed: readonly string[], out: Messages): void {
  for (const item of value) {
    if (typeof item !== "string" || !allowed.includes(item)) out.add(`each value in ${path} ${oneOf(allowed)}`);
  }
}

function checkProperty(key: string, value: Json, out: Messages): void {
  const kind = Object.hasOwn(ASSISTANT_PROPERTIES, key) ? ASSISTANT_PROPERTIES[key] : undefined;
  if (kind === undefined || !checkKind(value, key, kind, out)) return;
  if (key === "name" && typeof value === "string") checkMaxLength(value, key, LIMITS.name, out);
  if ((key === "voicemailMessage" || key === "endCallMessage") && typeof value === "string") {
    checkMaxLength(value, key, LIMITS[key], out);
  }
  if (key === "firstMessageMode" && typeof value === "string" && !FIRST_MESSAGE_MODES.includes(value)) {
    out.add(`firstMessageMode ${oneOf(FIRST_MESSAGE_MODES)}`);
  }
  if (key === "maxDurationSeconds") checkRange(value, key, LIMITS.maxDurationSeconds, out);
  if (key === "clientMessages" && Array.isArray(value)) checkEach(value, key, CLIENT_MESSAGES, out);
  if (key === "serverMessages" && Array.isArray(value)) checkEach(value, key, SERVER_MESSAGES, out);
  if (key === "endCallPhrases" && Array.isArray(value)) checkPhrases(value, out);
  if (key === "credentialIds" && Array.isArray(value) && value.some((id) => typeof id !== "string")) {
    out.add("each value in credentialIds must be a string");
  }
  if (!isJsonObject(value)) return;
  if (key === "model") validateModel(value, out);
  if (key === "voice") validateVoice(value, out);
  if (key === "transcriber") validateTranscriber(value, out);
  if (key === "server") validateServer(value, "server", out);
}

function checkPhrases(phrases: Json[], out: Messages): void {
  const [min, max] = LIMITS.endCallPhrase;
  for (const phrase of phrases) {
    if (typeof phrase !== "string") {
      out.add("each value in endCallPhrases must be a string");
      continue;
    }
    const length = textLength(phrase);
    if (length < min) out.add(`each value in endCallPhrases must be longer than or equal to ${min} characters`);
    if (length > max) out.add(`each value in endCallPhrases must be shorter than or equal to ${max} characters`);
  }
}

/**
 * Validates a Create/UpdateAssistantDTO body and returns class-validator's messages (empty
 * when valid). Both DTOs have the same properties and no required ones; `null` skips a
 * property's checks (@IsOptional), which is what lets PATCH clear a field.
 */
export function validateAssistantBody(body: JsonObject): string[] {
  const out = new Messages();
  for (const key of Object.keys(body)) {
    if (!Object.hasOwn(ASSISTANT_PROPERTIES, key)) out.add(`property ${key} should not exist`);
  }
  for (const key of Object.keys(ASSISTANT_PROPERTIES)) {
    const value = body[key];
    if (value !== undefined && value !== null) checkProperty(key, value, out);
  }
  return out.list;
}
