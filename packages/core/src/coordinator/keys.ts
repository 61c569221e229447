/**
 * The key layout of coordinator state in a {@link CoordinatorBackend}. Names are URI-encoded so
 * a `/` inside a name can never make one name's keys a prefix of another's.
 *
 * ```
 * session/<id>                              lease: the session; value {name}
 * sem/<name>/v                              {value, waiters}
 * sem/<name>/w/<session>/<request>          lease; one per waiting request, value {need}
 * bar/<name>/s                              {generation, count, arrived, state, left?}
 * bar/<name>/g/<generation>/<session>/<req> lease; one per waiting participant
 * lock/<name>/<session>/<request>           lease; one per holder or waiter; create revision = fence
 * chan/<name>/m                             {from, data}: each put is one message
 * ```
 */
export const coordinatorKeys = {
  session: (id: string): string => `session/${id}`,
  semaphorePrefix: (name: string): string => `sem/${enc(name)}/`,
  semaphoreValue: (name: string): string => `sem/${enc(name)}/v`,
  semaphoreWaiters: (name: string): string => `sem/${enc(name)}/w/`,
  semaphoreWaiter: (name: string, session: string, request: string): string => `sem/${enc(name)}/w/${session}/${request}`,
  barrierPrefix: (name: string): string => `bar/${enc(name)}/`,
  barrierState: (name: string): string => `bar/${enc(name)}/s`,
  barrierArrivals: (name: string, generation: number): string => `bar/${enc(name)}/g/${generation}/`,
  barrierArrival: (name: string, generation: number, session: string, request: string): string =>
    `bar/${enc(name)}/g/${generation}/${session}/${request}`,
  lockPrefix: (name: string): string => `lock/${enc(name)}/`,
  lockWaiter: (name: string, session: string, request: string): string => `lock/${enc(name)}/${session}/${request}`,
  channelPrefix: (name: string): string => `chan/${enc(name)}/`,
  channelMessage: (name: string): string => `chan/${enc(name)}/m`,
} as const;

function enc(name: string): string {
  return encodeURIComponent(name);
}
