#!/usr/bin/env node
// The `fillgate` command: runs the TypeScript sources through tsx (a runtime dependency).
import { register } from 'tsx/esm/api';

register();
const { fillgateCli } = await import('../src/cli/fillgate-cli.ts');
await fillgateCli();
