export declare const STAMP: string;
export declare function newestSourceMtime(root: string): number;
/** True when dist/ exists and matches src/; RIFFCORD_NO_DIST=1 forces the TypeScript sources. */
export declare function distIsFresh(root: string): boolean;
