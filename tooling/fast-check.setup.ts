import fc from 'fast-check';
import { fastCheckSeed } from './fast-check-seed.ts';

const seed = fastCheckSeed(process.env);
if (seed !== undefined) fc.configureGlobal({ seed });
