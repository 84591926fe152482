import { runMain } from '@switchboard/runtime/run-main';
import { buildApp } from './app.js';

await runMain(buildApp, (config) => config.ports.chat);
