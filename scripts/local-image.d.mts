// Types of scripts/local-image.mjs for the TypeScript tests.
export declare const BASE_IMAGE: string;
export declare const IMAGE: string;
export declare function podmanEnv(dir: string): NodeJS.ProcessEnv;
export declare function podmanProblem(env: NodeJS.ProcessEnv): string | undefined;
export declare function buildBaseImage(dir: string, env: NodeJS.ProcessEnv, engine?: string): void;
export declare const LOCAL_BUILD_ARGS: Record<'BUILD_IMAGE' | 'RUNTIME_IMAGE', string>;
export declare function pinnedNode(): { path: string; version: string } | undefined;
export declare function buildImage(env: NodeJS.ProcessEnv): void;
export declare function dockerToPodman(dir: string, env: NodeJS.ProcessEnv): string;
export declare function buildDockerfile(
  engine: string,
  env: NodeJS.ProcessEnv,
  opts?: {
    tag?: string;
    buildArgs?: Record<string, string>;
    target?: 'host-bundle';
    quiet?: boolean;
  },
): void;
