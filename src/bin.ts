#!/usr/bin/env node
// A few lines on purpose: everything testable lives in adapters/cli.ts (main(argv, io)).
import { main } from './adapters/cli.js';
import { nodeIo } from './io/node-io.js';
import { keepYoungGenerationSmall } from './io/young-generation.js';

keepYoungGenerationSmall();
void main(process.argv.slice(2), nodeIo()).then((code) => {
  process.exitCode = code;
});
