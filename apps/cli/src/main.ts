#!/usr/bin/env node
/**
 * The `tributary` command. Each command group is a module under commands/
 * that registers itself on the program; this file only wires them together.
 */
import { Command } from 'commander';
import { registerDemoCommand } from './commands/demo.js';
import { registerDriftCommand } from './commands/drift.js';
import { registerInfraCommand } from './commands/infra.js';
import { registerModelCommand } from './commands/model.js';
import { registerPredictCommand } from './commands/predict.js';
import { registerPublishCommand } from './commands/publish.js';
import { registerReportCommand } from './commands/report.js';
import { registerScoreCommand } from './commands/score.js';
import { registerStatusCommand } from './commands/status.js';
import { registerTrainCommand } from './commands/train.js';

const program = new Command('tributary').description('Tributary: an event-driven ML platform, from the command line.');
registerDemoCommand(program);
registerDriftCommand(program);
registerInfraCommand(program);
registerModelCommand(program);
registerPredictCommand(program);
registerPublishCommand(program);
registerReportCommand(program);
registerScoreCommand(program);
registerStatusCommand(program);
registerTrainCommand(program);
await program.parseAsync();
