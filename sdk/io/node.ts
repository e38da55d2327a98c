// Node-only adapters (filled in by io).
export {};
