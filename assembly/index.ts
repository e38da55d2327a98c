// The engine's ABI: the only file with exports. Numbers and byte offsets in, numbers out.
export { alloc, free } from "./mem";
