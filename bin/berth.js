#!/usr/bin/env -S node --max-semi-space-size=4
// --max-semi-space-size=4 (MiB): V8's young generation otherwise grows to 2 × 16 MiB while the
// modules load and keeps that size; 2 × 4 MiB serves the registry's request paths at about the
// same CPU cost (README, "Performance"). `node --max-semi-space-size=16 bin/berth.js` overrides it.
import '../dist/main.js';
