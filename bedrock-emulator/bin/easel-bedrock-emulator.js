#!/usr/bin/env node
// The `easel-bedrock-emulator` executable: the built CLI (dist/, from src/ by scripts/build.ts).
import { main } from '../dist/cli.js';

process.exitCode = await main(process.argv.slice(2));
