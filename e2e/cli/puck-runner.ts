// Kept for existing importers: the puck runner moved to e2e/lib/puck-cli.ts (benchmarks use it too).
export * from "../lib/puck-cli.js";
