// Worker entry (filled in by the pool).
export {};
