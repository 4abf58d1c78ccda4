// 'AvgPool' on 'as': XNNPACK's kernel for 'same' / 'valid', ours for numeric or explicit pads
// (why: utils/pool.ts forwardPoolConfig).
import {AvgPool} from '@tensorflow/tfjs-core';
import {forwardPoolConfig} from './utils/pool.js';

export const avgPoolConfig = forwardPoolConfig(AvgPool, 'avg');
