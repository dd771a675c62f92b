// Types of scripts/local-image.mjs for the TypeScript tests.
export declare const BASE_IMAGE: string;
export declare const IMAGE: string;
export declare function podmanEnv(dir: string): NodeJS.ProcessEnv;
export declare function podmanProblem(env: NodeJS.ProcessEnv): string | undefined;
export declare function buildBaseImage(dir: string, env: NodeJS.ProcessEnv): void;
export declare function buildImage(env: NodeJS.ProcessEnv): void;
export declare function dockerToPodman(dir: string, env: NodeJS.ProcessEnv): string;
