#!/usr/bin/env node
/**
 * The former entry point, kept so `node dist/src/cli/main.js …` in existing scripts keeps
 * working. The `kubetls` executable is main.cjs (./main.cts): as an ES module this file
 * makes Node set up its ESM loader first, which costs ~7 ms per command.
 */
import './main.cjs';
