import { type Static, Type } from 'typebox';

/** One facility of a dispatch event (dispatch A9 `facilities`). */
export const DispatchFacility = Type.Object({
  company_name: Type.String(),
  facility_name: Type.String(),
  address: Type.String(),
  /** Kept as text: account numbers carry leading zeros. */
  account_number: Type.String(),
  dispatch_target: Type.String(),
});
export type DispatchFacility = Static<typeof DispatchFacility>;

/**
 * A parsed dispatch event as the integration service stores it (dispatch A9
 * `parsed_data.event` and `facilities`), and as the dispatch assistant reads it.
 */
export const DispatchEventRecord = Type.Object({
  event_id: Type.String({ minLength: 1, maxLength: 64 }),
  dispatch_type: Type.String(),
  program_owner: Type.Optional(Type.String()),
  start: Type.String({ format: 'date-time' }),
  end: Type.String({ format: 'date-time' }),
  iana_timezone: Type.String(),
  facilities: Type.Array(DispatchFacility),
  received_at: Type.String({ format: 'date-time' }),
});
export type DispatchEventRecord = Static<typeof DispatchEventRecord>;
