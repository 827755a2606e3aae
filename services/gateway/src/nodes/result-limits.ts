import { limits, MedusaError, subjects, tooLargeResultMessage, valueNestsDeeper, tooDeepMessage } from "@medusa/core";

// The limits a node's result must keep, checked before it goes to the scheduler and read from the refusal after.

/** A result's JSON text, or why it cannot be one: too deep to write, or over the size limit. */
export function resultText(results: unknown): string | { refused: string } {
  if (valueNestsDeeper(results)) return { refused: tooDeepMessage("result") };
  const text = JSON.stringify(results);
  const bytes = Buffer.byteLength(text);
  return bytes > limits.resultBytes ? { refused: tooLargeResultMessage(bytes) } : text;
}

/** The limit a result broke further in (the scheduler's checks, the bus's message size), as the chunk's error; undefined for any other failure. */
export function refusedByLimit(err: unknown): string | undefined {
  if (!(err instanceof MedusaError)) return undefined;
  if (err.code === "payload_too_large" && err.message.startsWith(subjects.completeChunk.subject)) return "result is over the largest message this deployment's bus carries";
  if ((err.code === "payload_too_large" || err.code === "invalid_field") && err.message.startsWith("result ")) return err.message;
  return undefined;
}
