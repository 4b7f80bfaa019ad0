import { type Json, type JsonObject, isJsonObject } from "./json.ts";
import { OPENAI_MODELS } from "./openai-models.ts";
import { LIMITS, MESSAGE_ROLES, MODEL_PROVIDERS, TRANSCRIBER_PROVIDERS, VOICE_PROVIDERS } from "./schema.ts";
import { type Messages, checkRange, oneOf } from "./messages.ts";

// The model, voice and transcriber properties are oneOf unions keyed by `provider`. Without
// a known provider there is no variant to validate against, so that is the only message
// (as Vapi answers a `model` sent without `provider`). Only the fields most clients send are
// checked inside a variant; the rest is stored as given.

function present(value: Json | undefined): value is Json {
  return value !== undefined && value !== null;
}

function checkProvider(object: JsonObject, path: string, providers: readonly string[], out: Messages): string | undefined {
  const provider = object.provider;
  if (typeof provider === "string" && providers.includes(provider)) return provider;
  out.add(`${path}.provider ${oneOf(providers)}`);
  return undefined;
}

function checkNestedServer(object: JsonObject, path: string, out: Messages): void {
  const server = object.server;
  if (isJsonObject(server)) validateServer(server, `${path}.server`, out);
  else out.add(`nested property ${path}.server must be either object or array`);
}

export function validateModel(model: JsonObject, out: Messages): void {
  const provider = checkProvider(model, "model", MODEL_PROVIDERS, out);
  if (provider === undefined) return;
  const name = model.model;
  if (provider === "openai") {
    if (typeof name !== "string" || !OPENAI_MODELS.includes(name)) out.add(`model.model ${oneOf(OPENAI_MODELS)}`);
  } else if (provider !== "vapi" && typeof name !== "string") {
    out.add("model.model must be a string");
  }
  if (provider === "custom-llm" && typeof model.url !== "string") out.add("model.url must be a string");
  if (present(model.temperature)) checkRange(model.temperature, "model.temperature", LIMITS.temperature, out);
  if (present(model.maxTokens)) checkRange(model.maxTokens, "model.maxTokens", LIMITS.maxTokens, out);
  const messages = model.messages;
  if (!present(messages)) return;
  if (!Array.isArray(messages)) {
    out.add("model.messages must be an array");
    return;
  }
  messages.forEach((message, index) => {
    const path = `model.messages.${index}`;
    if (!isJsonObject(message)) {
      out.add(`nested property ${path} must be either object or array`);
      return;
    }
    if (typeof message.role !== "string" || !MESSAGE_ROLES.includes(message.role)) {
      out.add(`${path}.role ${oneOf(MESSAGE_ROLES)}`);
    }
    // content is required but nullable.
    if (message.content !== null && typeof message.content !== "string") out.add(`${path}.content must be a string`);
  });
}

export function validateVoice(voice: JsonObject, out: Messages): void {
  const provider = checkProvider(voice, "voice", VOICE_PROVIDERS, out);
  if (provider === "custom-voice") checkNestedServer(voice, "voice", out);
  else if (provider !== undefined && typeof voice.voiceId !== "string") out.add("voice.voiceId must be a string");
}

export function validateTranscriber(transcriber: JsonObject, out: Messages): void {
  const provider = checkProvider(transcriber, "transcriber", TRANSCRIBER_PROVIDERS, out);
  if (provider === "custom-transcriber") checkNestedServer(transcriber, "transcriber", out);
}

/** The Server object (webhook target): no required fields. */
export function validateServer(server: JsonObject, path: string, out: Messages): void {
  if (present(server.url) && typeof server.url !== "string") out.add(`${path}.url must be a string`);
  if (present(server.timeoutSeconds)) {
    checkRange(server.timeoutSeconds, `${path}.timeoutSeconds`, LIMITS.serverTimeoutSeconds, out);
  }
  if (present(server.headers) && !isJsonObject(server.headers)) out.add(`${path}.headers must be an object`);
}
