import type { Disposable } from '../disposable.js';
import type { ChannelMessage } from './client.js';
import { coordinatorKeys as keys } from './keys.js';
import type { RecipeContext } from './recipe-context.js';
import type { SessionInfo } from './session-info.js';

/**
 * Publish/subscribe over the backend: a publish is a put of `chan/<name>/m`, a subscription is
 * a watch of the channel's prefix that turns each put into a message. Like etcd watches (and
 * unlike a queue), a subscriber sees only messages published after it subscribed.
 */
export class Channels {
  #ctx: RecipeContext;

  constructor(ctx: RecipeContext) {
    this.#ctx = ctx;
  }

  /** Publishes `data` on `channel` as `session`. */
  async publish(session: SessionInfo, channel: string, data: string): Promise<void> {
    await this.#ctx.backend.txn({
      compare: [],
      success: [{ type: 'put', key: keys.channelMessage(channel), value: JSON.stringify({ from: session.id, data }) }],
    });
  }

  /**
   * Subscribes to `channel`.
   * @returns a disposable that unsubscribes
   */
  subscribe(channel: string, listener: (message: ChannelMessage) => void): Promise<Disposable> {
    const key = keys.channelMessage(channel);
    return this.#ctx.watch(keys.channelPrefix(channel), (events) => {
      for (const event of events) {
        if (event.type !== 'put' || event.kv.key !== key) continue;
        const { from, data } = JSON.parse(event.kv.value) as { from: string; data: string };
        listener({ channel, from, data });
      }
    });
  }
}
