import { limits, MedusaError, subjects, tooLargeResultMessage, valueNestsDeeper, tooDeepMessage } from "@medusa/core";

// The limits a node's result must keep, checked before it goes to the scheduler and read from the refusal after.

/** A result's JSON text, or why it cannot be one: too deep to write, or over the size limit. */
export function resultText(results: unknown): string | { refused: string } {
  if (valueNestsDeeper(results)) return { refused: tooDeepMessage("result") };
  const text = JSON.stringify(results);
  const bytes = Buffer.byteLength(text);
  return bytes > limits.resultBytes ? { refused: tooLargeResultMessage(bytes) } : text;
}

/** The request carrying a result was over the bus's message size (a result over the scheduler's own limits comes back `refused`). */
export const tooLargeForBus = (err: unknown) => err instanceof MedusaError && err.code === "payload_too_large" && err.message.startsWith(subjects.completeChunks.subject);
