import { topics } from '@switchboard/contracts/topics';
import type { ServiceBase } from '@switchboard/runtime/service-base';

/**
 * Logs services joining and leaving as they announce it, so an operator
 * reading the gateway's log sees the system change without polling `/status`.
 */
export async function followSystemEvents(service: ServiceBase): Promise<void> {
  await service.subscriber().subscribe(topics.system, (event) => {
    if (event.type === 'service_started') {
      service.logger.info(
        {
          peer: event.instance.service,
          peerInstance: event.instance.instance,
          version: event.instance.version,
        },
        'service joined',
      );
    } else {
      service.logger.info(
        { peer: event.service, peerInstance: event.instance, reason: event.reason },
        'service leaving',
      );
    }
  });
}
