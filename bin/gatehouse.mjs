#!/usr/bin/env node
// The `gatehouse` command: runs the TypeScript CLI through tsx (docs/adr/0001-run-typescript-from-source.md).
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
