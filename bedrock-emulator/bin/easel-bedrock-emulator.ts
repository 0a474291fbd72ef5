#!/usr/bin/env node
// The `easel-bedrock-emulator` executable; runs under Node 24's type stripping, no build step.
import { main } from '../src/cli.ts';

process.exitCode = await main(process.argv.slice(2));
