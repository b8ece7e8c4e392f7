export { CliError } from './errors.js';
export { type CliIO, createProgram, main } from './program.js';
export { readSavedStudy, type SavedStudy } from './reportCommand.js';
export { DEFAULT_STRATEGY, DEFAULT_TRIALS, type RunOptions, runStudyModule } from './run.js';
export { createStrategy, STRATEGIES, type StrategyFlags } from './strategies.js';
export { loadStudyModule, type StudyModule } from './studyModule.js';
