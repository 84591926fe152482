import type { DispatchEventRecord } from '@switchboard/contracts/dispatch';
import type { DispatchEventStore } from '@switchboard/stores/dispatch-events';

/** How many of the newest dispatch events the assistant is told about. */
const eventsInContext = 10;

/** One event as a line the assistant may state (dispatch A6 [fix]: id, program, window, facilities). */
function factOf(event: DispatchEventRecord): string {
  const facilities = event.facilities.map(
    (facility) => `${facility.facility_name} (${facility.company_name})`,
  );
  return [
    `Event ${event.event_id}: ${event.dispatch_type}`,
    `from ${event.start} to ${event.end} (${event.iana_timezone})`,
    facilities.length > 0 ? `facilities: ${facilities.join('; ')}` : 'no facilities listed',
  ].join(', ');
}

/**
 * The live facts the dispatch assistant may state: the newest parsed dispatch
 * events, as the integration service stored them. None stored means none
 * stated: the assistant is told so and says so instead of guessing.
 */
export async function dispatchFacts(events: Pick<DispatchEventStore, 'recent'>): Promise<string[]> {
  return (await events.recent(eventsInContext)).map(factOf);
}
