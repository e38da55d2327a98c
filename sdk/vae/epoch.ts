// One training epoch of a VAE: the step loop shared by the calling thread and the data-parallel replicas. Each
// replica takes a fixed slice of every minibatch (the ε of a row is the same draw whatever the slicing), computes
// the gradient of its slice, and the replicas' gradients are summed in a fixed order through shared memory; each
// replica then runs Adam on its own segment of the parameters and publishes it. A seeded run therefore gives
// the same bits for a given number of replicas.
import type { Engine } from '../engine.js';
import { GaussfaceError } from '../errors.js';
import { Random } from '../random.js';
import { EPS_TRAIN, type Network } from './network.js';

export const ADAM = { beta1: 0.9, beta2: 0.999, eps: 1e-8 };

export interface EpochPlan {
  rows: number;
  batchSize: number;
  lr: number;
  beta: number;
  /** Epoch index (0-based over the model's life): picks the shuffle, so a resumed run shuffles the same way. */
  epoch: number;
  /** Adam steps before this epoch, and ε draws consumed before it. */
  step0: number;
  drawn0: number;
}

export interface StepReport {
  step: number;
  steps: number;
  /** Σ of this replica's rows' losses so far this epoch. */
  loss: number;
  /** ε draws consumed after this step. */
  drawn: number;
}

/** Applies the gradient in G: Adam over all parameters (one replica), or the shared-memory exchange. */
export type Update = (t: number) => void;

/** Adam moments (f32, nParams each, zero before the first step) in the network's engine. */
export interface Moments {
  M: number;
  V: number;
}

/** Adam on parameters [s0, s1) of the network. */
export function adamSegment(net: Network, m: Moments, lr: number, t: number, s0 = 0, s1 = net.nParams): void {
  const o = s0 * 4;
  net.e.call('adam_step', s1 - s0, net.P + o, net.G + o, m.M + o, m.V + o, lr, ADAM.beta1, ADAM.beta2, ADAM.eps, t);
}

/** The epoch's steps, one yield per step (the caller drives it: awaiting between steps, or not at all). */
export function* trainEpoch(net: Network, src: Float32Array, plan: EpochPlan, update: Update, rank = 0, world = 1): Generator<StepReport> {
  const k = net.latent;
  const order = new Random(net.seed, 1000 + plan.epoch).permutation(net.e, plan.rows);
  const bs = Math.min(plan.batchSize, plan.rows);
  const steps = Math.ceil(plan.rows / bs);
  net.workspace(Math.ceil(bs / world));
  let [loss, drawn] = [0, plan.drawn0];
  for (let s = 0; s < steps; s++) {
    const n = Math.min(bs, plan.rows - s * bs);
    const [lo, hi] = [Math.floor((rank * n) / world), Math.floor(((rank + 1) * n) / world)];
    if (hi > lo) {
      net.putRows(src, order.subarray(s * bs + lo, s * bs + hi), hi - lo);
      const fwd = net.forward(hi - lo, EPS_TRAIN, drawn + lo * k);
      loss += net.lossSum(hi - lo, plan.beta);
      net.backward(hi - lo, fwd, 1 / n, plan.beta);
    } else {
      net.e.call('nn_zero', net.nParams, net.G);
    }
    drawn += n * k;
    update(plan.step0 + s + 1);
    yield { step: s + 1, steps, loss, drawn };
  }
}

/**
 * The shared-memory layout of a data-parallel fit: control words, per-replica progress, one gradient slot per
 * replica, the parameters and the Adam moments (each replica owns one segment of the moments).
 */
export class Exchange {
  static readonly CTRL = 16;
  // Control words.
  static readonly COUNT = 0;
  static readonly GEN = 1;
  static readonly ABORT = 2;
  static readonly STOP = 3;
  static readonly DEAD = 4;
  static readonly RANK = 5;
  readonly ctrl: Int32Array;
  readonly progress: Float64Array;
  readonly grads: Float32Array[];
  readonly params: Float32Array;
  readonly M: Float32Array;
  readonly V: Float32Array;

  constructor(readonly sab: SharedArrayBuffer, readonly world: number, readonly nParams: number) {
    const head = Exchange.CTRL * 4 + world * 16;
    this.ctrl = new Int32Array(sab, 0, Exchange.CTRL);
    this.progress = new Float64Array(sab, Exchange.CTRL * 4, world * 2);
    const slot = (i: number) => new Float32Array(sab, head + i * nParams * 4, nParams);
    this.grads = Array.from({ length: world }, (_, r) => slot(r));
    [this.params, this.M, this.V] = [slot(world), slot(world + 1), slot(world + 2)];
  }

  static create(world: number, nParams: number): Exchange {
    return new Exchange(new SharedArrayBuffer(Exchange.CTRL * 4 + world * 16 + (world + 3) * nParams * 4), world, nParams);
  }

  /** Parameters [s0, s1) owned by replica r (multiples of 4, so the SIMD Adam runs on aligned segments). */
  segment(r: number): [number, number] {
    const cut = (i: number) => (i === this.world ? this.nParams : Math.floor((i * this.nParams) / this.world / 4) * 4);
    return [cut(r), cut(r + 1)];
  }

  /**
   * Waits until every replica has arrived. The last one to arrive copies the abort request into STOP before
   * releasing the others, so all replicas see the same STOP after the barrier. Checks DEAD every 250 ms, so a
   * replica whose partner died does not wait forever.
   */
  barrier(): void {
    const c = this.ctrl;
    const gen = Atomics.load(c, Exchange.GEN);
    if (Atomics.add(c, Exchange.COUNT, 1) === this.world - 1) {
      Atomics.store(c, Exchange.COUNT, 0);
      if (Atomics.load(c, Exchange.ABORT)) Atomics.store(c, Exchange.STOP, 1);
      Atomics.add(c, Exchange.GEN, 1);
      Atomics.notify(c, Exchange.GEN);
      return;
    }
    while (Atomics.load(c, Exchange.GEN) === gen) {
      Atomics.wait(c, Exchange.GEN, gen, 250);
      if (Atomics.load(c, Exchange.DEAD)) throw new GaussfaceError('a training replica stopped; the fit was abandoned', 'EWORKER');
    }
  }

  get stopped(): boolean {
    return Atomics.load(this.ctrl, Exchange.STOP) === 1;
  }

  /** Clears the control words for a new epoch call (abort stays requested if it already is). */
  reset(abort: boolean): void {
    this.ctrl.fill(0);
    if (abort) Atomics.store(this.ctrl, Exchange.ABORT, 1);
  }

  /**
   * Replica r's update: publish the gradient, sum the replicas' gradients over its own segment (its own first,
   * then the others in rank order: a fixed order for a given number of replicas), Adam on it, publish the
   * segment, and take everyone else's segments back. `tmp` is an engine buffer of a segment's size.
   */
  update(net: Network, m: Moments, rank: number, lr: number, tmp: number): Update {
    const e: Engine = net.e;
    const [s0, s1] = this.segment(rank);
    const len = s1 - s0;
    return (t) => {
      // Publish the parts of the gradient that the other replicas own; add theirs to ours in rank order.
      const G = e.f32(net.G, this.nParams);
      this.grads[rank].set(G.subarray(0, s0));
      this.grads[rank].set(G.subarray(s1), s1);
      this.barrier();
      const g = net.G + s0 * 4;
      for (let w = 0; w < this.world; w++) {
        if (w === rank) continue;
        e.f32(tmp, len).set(this.grads[w].subarray(s0, s1));
        e.call('axpy', len, 1, tmp, g);
      }
      adamSegment(net, m, lr, t, s0, s1);
      this.params.set(e.f32(net.P + s0 * 4, len), s0);
      this.barrier();
      const p = e.f32(net.P, this.nParams);
      p.set(this.params.subarray(0, s0));
      p.set(this.params.subarray(s1), s1);
    };
  }
}
