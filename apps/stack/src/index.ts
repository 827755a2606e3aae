export { stackEnv, type StackEnv } from "./env.ts";
export { startStack, type Stack } from "./stack.ts";
