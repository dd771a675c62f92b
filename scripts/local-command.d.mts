// Types of scripts/local-command.mjs for the TypeScript tests.
export declare const COMMAND: string;
export declare function localCommandDir(dir: string): string;
