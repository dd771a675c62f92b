// Types of scripts/local-command.mjs for the TypeScript tests.
export declare const BUNDLE: string;
export declare function localCommandDir(dir: string): string;
