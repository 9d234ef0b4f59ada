#!/usr/bin/env node
// The published CLI runs the committed bundle, so it needs no build step and no TypeScript.
await import('../dist/cli/index.js');
