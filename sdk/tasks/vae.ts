// Data-parallel VAE training: every worker runs the same epoch as one replica, reading minibatch rows from the
// shared training data and exchanging gradients through shared memory (see vae/epoch.ts). The network stays
// allocated in the worker between epochs of one fit.
import type { TaskContext } from '../executor.js';
import { defineTask } from './define.js';
import type { VaeConfig } from '../vae/architecture.js';
import { Exchange, trainEpoch, type EpochPlan, type Moments } from '../vae/epoch.js';
import { Network } from '../vae/network.js';

export interface EpochParams {
  config: VaeConfig;
  seed: number;
  /** The training rows (rows × inputSize f32) in shared memory. */
  data: SharedArrayBuffer;
  exchange: SharedArrayBuffer;
  world: number;
  plan: EpochPlan;
}

export interface EpochOutcome {
  rank: number;
  steps: number;
  loss: number;
  drawn: number;
}

let replica: { key: string; net: Network; moments: Moments; tmp: number } | undefined;

const epoch = ({ engine }: TaskContext, p: EpochParams): EpochOutcome => {
  const key = JSON.stringify([p.config, p.seed, p.world]);
  if (replica?.key !== key || replica.net.e !== engine) {
    if (replica?.net.e === engine) {
      replica.net.release();
      for (const ptr of [replica.net.P, replica.net.G, replica.moments.M, replica.moments.V, replica.tmp]) engine.free(ptr);
    }
    const net = new Network(engine, p.config, p.seed);
    const bytes = net.nParams * 4;
    replica = { key, net, moments: { M: engine.alloc(bytes), V: engine.alloc(bytes) }, tmp: engine.alloc(Math.ceil(net.nParams / p.world + 4) * 4) };
  }
  const { net, moments, tmp } = replica;
  const x = new Exchange(p.exchange, p.world, net.nParams);
  const rank = Atomics.add(x.ctrl, Exchange.RANK, 1);
  const [s0, s1] = x.segment(rank);
  engine.f32(net.P, net.nParams).set(x.params);
  engine.f32(moments.M + s0 * 4, s1 - s0).set(x.M.subarray(s0, s1));
  engine.f32(moments.V + s0 * 4, s1 - s0).set(x.V.subarray(s0, s1));
  const src = new Float32Array(p.data);
  let last = { step: 0, loss: 0, drawn: p.plan.drawn0 };
  for (const r of trainEpoch(net, src, p.plan, x.update(net, moments, rank, p.plan.lr, tmp), rank, p.world)) {
    last = r;
    x.progress[2 * rank] = r.step;
    x.progress[2 * rank + 1] = r.loss;
    if (x.stopped) break;
  }
  x.M.set(engine.f32(moments.M + s0 * 4, s1 - s0), s0);
  x.V.set(engine.f32(moments.V + s0 * 4, s1 - s0), s0);
  return { rank, steps: last.step, loss: last.loss, drawn: last.drawn };
};

export const vaeTasks = {
  epoch: defineTask('vae.epoch', epoch),
};
