// Types of scripts/build-assets.mjs (plain JS so it runs under any Node that runs wrangler).
/** Where the built assets go: wrangler.toml [assets] directory. */
export declare const ASSETS_DIR: string;
/** Builds the page and copies Swagger UI's files into ASSETS_DIR. */
export declare function buildAssets(): Promise<void>;
