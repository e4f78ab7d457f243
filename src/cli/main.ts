#!/usr/bin/env node
/**
 * The former entry point, kept so `node dist/src/cli/main.js …` in existing scripts keeps
 * working. The `kubetls` executable is main.cjs (./main.cts): as an ES module this file
 * makes Node set up its ESM loader first, which costs every command some milliseconds
 * (bench/RESULTS.md, "2026-11-24 04:50–05:25: CommonJS launcher").
 */
import './main.cjs';
