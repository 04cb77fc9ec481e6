/** Relative path → file content of a small project written to a temp folder. */
export type Files = Record<string, string>;
export type Cases = Record<string, { bad: Files; good: Files }>;
