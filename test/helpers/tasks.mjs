// A task for pool.map / pool.broadcast: the SDK's typed table entry (`tasks.linalg.gemm`) where it exports one,
// else the task's registered name (the two forms the pool has taken).
import * as sdk from '../../dist/index.js';

export const task = (group, name, registered = `${group}.${name}`) => sdk.tasks?.[group]?.[name] ?? registered;
