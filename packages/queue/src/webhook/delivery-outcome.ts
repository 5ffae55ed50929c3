/** What one answer from a webhook receiver means for the delivery. */
export type DeliveryOutcome = 'delivered' | 'gone' | 'retry';

/**
 * Standard Webhooks semantics: any 2xx is a success; 410 Gone disables the endpoint (no retry,
 * no later deliveries); everything else, redirects included, is retried on the schedule.
 */
export function deliveryOutcome(status: number): DeliveryOutcome {
  if (status >= 200 && status < 300) return 'delivered';
  if (status === 410) return 'gone';
  return 'retry';
}
