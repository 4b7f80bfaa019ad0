import { z } from "@hono/zod-openapi";

/** A Vapi assistant: four server fields are always present; the rest is Vapi's to define. */
export const AssistantSchema = z
  .looseObject({
    id: z.string(),
    orgId: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Assistant");

export type Assistant = z.infer<typeof AssistantSchema>;

export const AssistantListSchema = z.union([
  z.array(AssistantSchema),
  z.object({ results: z.array(AssistantSchema) }).transform((r) => r.results),
]);

/** NestJS error body as Vapi sends it. */
export const VapiErrorSchema = z.looseObject({
  message: z.union([z.string(), z.array(z.string())]).optional(),
  error: z.string().optional(),
});
