/** Sent in `hello` and printed by `--version`; bump with user-visible node changes. */
export const NODE_VERSION = "0.1.0";
