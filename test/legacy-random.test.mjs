// RandomState against numpy 1.24.2's legacy numpy.random.RandomState (values printed by Debian's python3-numpy,
// the build scikit-learn 1.2.1 runs on): the draws scikit-learn's initialisations make.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RandomState } from '../dist/index.js';

test('RandomState(0): randint, uniform, permutation and choice as numpy', () => {
  const r = new RandomState(0);
  assert.equal([r.randint(150), r.randint(150), r.randint(150)], [47, 117, 67]);
  assert.equal(Array.from(r.uniform(3)), [0.8579456176227568, 0.8472517387841254, 0.6235636967859723]);
  assert.equal(Array.from(r.permutation(10)), [3, 1, 9, 8, 5, 0, 6, 7, 4, 2]);
  assert.equal(Array.from(r.choice(20, 4)), [11, 1, 18, 17]);
});

test('edge seeds and bounds: 2^32−1, a 53-bit seed (= numpy RandomState([low, high])), bounds 1 and 2^32', () => {
  let r = new RandomState(2 ** 32 - 1);
  assert.equal([r.randint(7), r.randint(2 ** 31), ...r.uniform(2)], [3, 479346978, 0.9123828453026218, 0.78903530185164]);
  r = new RandomState(123456789 + 2 ** 32);
  assert.equal([r.randint(1000), ...r.uniform(2)], [141, 0.8044091593768723, 0.3783116479659675]);
  r = new RandomState(5);
  assert.equal([r.randint(1), r.randint(2 ** 32 - 1), r.randint(2 ** 32), ...r.permutation(1)], [0, 953453411, 236996814, 0]);
});

test('bad seeds and bounds are GaussfaceErrors', () => {
  for (const s of [-1, 0.5, 2 ** 53, NaN]) assert.throws(() => new RandomState(s), /randomState must be an integer/);
  const r = new RandomState(0);
  assert.throws(() => r.randint(0), /randint needs an integer bound/);
  assert.throws(() => r.choice(3, 4), /cannot choose 4 distinct items out of 3/);
});

test.run();
