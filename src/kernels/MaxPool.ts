// 'MaxPool' on 'as': XNNPACK's kernel for 'same' / 'valid', ours for numeric or explicit pads
// (why: utils/pool.ts forwardPoolConfig).
import {MaxPool} from '@tensorflow/tfjs-core';
import {forwardPoolConfig} from './utils/pool.js';

export const maxPoolConfig = forwardPoolConfig(MaxPool, 'max');
