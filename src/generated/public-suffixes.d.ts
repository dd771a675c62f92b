// Types of the rule lists (each starts and ends with a line break) `npm run build` writes from the tldts package (scripts/public-suffixes.mjs).
/** ICANN-section rules, one per line (`com`, `co.uk`, `*.ck`). */
export declare const ICANN: string;
/** Private-section rules, one per line (`github.io`). */
export declare const PRIVATE: string;
/** Exception rules without their `!`, one per line (`www.ck`). */
export declare const EXCEPTIONS: string;
