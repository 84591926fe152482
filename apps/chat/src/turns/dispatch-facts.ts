/**
 * The live facts the dispatch assistant may state (dispatch A6 [fix]: parsed
 * events, facilities, contact coverage), one per line. The integration
 * service will store parsed dispatch events and contacts; until it does
 * there are none, and the assistant is told so ("none available") and says
 * so instead of guessing.
 */
export async function dispatchFacts(): Promise<string[]> {
  return [];
}
