// The Sprite API: the one module the other programs (and sprite-client/) import from the operator.
export * from "./group.js";
export * from "./sprite-schema.js";
export * from "./disk.js";
export { crd, tokenCrd } from "./crd.js";
export * from "./network.js";
export * from "./idle.js";
export * from "./warning.js";
export * from "./wake-verdict.js";
export * from "./session-end.js";
export * from "./http.js";
export * from "./access-token.js";
