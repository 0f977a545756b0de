/**
 * What a search says about one face: the vocabulary the decision is made in.
 * It lives here, below the memory, so that the decision (decide.ts) needs
 * nothing from the memory that runs it; memory/types.ts re-exports it.
 */

/** The best person for a face (as the original's findMatch): null when nobody reaches the threshold. */
export interface Match {
  personId: number | null;
  name: string | null;
  similarity: number;
}

/** One of a face's top-k people (as the original's findTopK). */
export interface Candidate {
  personId: number;
  name: string;
  similarity: number;
}

/** One face of a frame: its match (as findMatch) and its top-k people (as findTopK). */
export interface Identification extends Match {
  topK: Candidate[];
}
